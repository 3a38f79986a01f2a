using Xunit;

namespace AtMqtt.Modem.Tests.Cli;

/// <summary>
/// An asked-for stop (SIGTERM from a service manager, SIGINT from Ctrl-C) is no failure: exit code 0, the
/// log says so at Information, and nothing it closes on the way out is logged as a warning.
/// </summary>
public sealed class ShutdownTests
{
    [Theory]
    [InlineData(15)] // SIGTERM
    [InlineData(2)] // SIGINT
    public async Task AStopWithALinkUp_LogsAtInformationOnly(int signal)
    {
        int brokerPort = FreePort.Get();
        await using var modem = await ModemProcess.StartAsync("--embedded-broker", brokerPort.ToString(System.Globalization.CultureInfo.InvariantCulture));
        await using var host = modem.CreateStdioHost();
        await host.ReadUntilAsync("ready\r\n", LiveModem.Timeout);
        await modem.WaitForStdErrAsync("Embedded MQTT broker listening", LiveModem.Timeout);
        await host.ConnectLinkAsync(Unique.Id("shutdown"), brokerPort);

        // stdin stays open: the signal alone has to end the session.
        Assert.Equal(0, AtMqtt.Cli.Channels.Libc.Kill(modem.Pid, signal));

        Assert.Equal(0, await modem.WaitForExitAsync(LiveModem.Timeout));
        string log = modem.StdErr;
        Assert.Contains(signal == 15 ? "info: AtMqtt[0] SIGTERM: stopping" : "info: AtMqtt[0] SIGINT: stopping", log, StringComparison.Ordinal);
        Assert.Contains("Link cut without a DISCONNECT (the modem stopped)", log, StringComparison.Ordinal);
        Assert.Contains("Embedded MQTT broker stopped", log, StringComparison.Ordinal);
        Assert.DoesNotContain("warn:", log, StringComparison.Ordinal);
        Assert.DoesNotContain("fail:", log, StringComparison.Ordinal);
        Assert.DoesNotContain("crit:", log, StringComparison.Ordinal);
    }
}
