using AtMqtt.Cli.Transcript;
using Xunit;

namespace AtMqtt.Modem.Tests.Transcript;

/// <summary>
/// <c>--monitor</c>'s colours: on a terminal only (a redirected stderr would be full of escape codes),
/// and never with <c>NO_COLOR</c> set.
/// </summary>
public sealed class MonitorTests
{
    [Theory]
    [InlineData(true, null, true)]
    [InlineData(true, "", true)]
    [InlineData(true, "1", false)]
    [InlineData(false, null, false)]
    [InlineData(false, "1", false)]
    public void Colours_OnlyOnATerminal_WithoutNoColor(bool stderrIsTerminal, string? noColor, bool colour) =>
        Assert.Equal(colour, MonitorView.UsesColour(stderrIsTerminal, noColor));

    [Fact]
    public void ColouredRecords_MarkDirectionEscapesAndRedactions()
    {
        var output = new StringWriter();
        using (var view = new MonitorView(output, colour: true))
        {
            view.Write(new TrafficRecord(DateTimeOffset.UnixEpoch, Direction.HostToModem, "AT+X=\"u\",***\\r\\n"));
            view.Write(new TrafficRecord(DateTimeOffset.UnixEpoch, Direction.ModemToHost, "ready\\r\\n"));
        }

        string text = output.ToString();
        Assert.Contains("\u001b[32mh>m AT+X=\"u\",\u001b[1;31m***\u001b[0m\u001b[32m\u001b[2m\\r\u001b[0m", text, StringComparison.Ordinal);
        Assert.Contains("\u001b[36mm>h ready", text, StringComparison.Ordinal);
    }

    /// <summary>The program's stderr on a terminal: coloured, unless NO_COLOR says otherwise.</summary>
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task StderrOnATerminal_IsColoured_UnlessNoColor(bool noColor)
    {
        if (!OperatingSystem.IsLinux())
        {
            return;
        }

        using var pty = TestPty.Create();
        var environment = new Dictionary<string, string>();
        if (noColor)
        {
            environment["NO_COLOR"] = "1";
        }

        // stdin is /dev/null: the host attaches, gets ready, and leaves at once.
        await using var modem = TerminalModem.OnStderr(pty.SlavePath, environment, "--monitor");
        await using var screen = new AtHost(pty.Master);
        string shown = await screen.ReadUntilAsync("host detached", LiveModem.Timeout);
        Assert.Equal(0, await modem.WaitForExitAsync(LiveModem.Timeout));

        Assert.Contains("m>h ready", shown, StringComparison.Ordinal);
        if (noColor)
        {
            Assert.DoesNotContain("\u001b", shown, StringComparison.Ordinal);
        }
        else
        {
            Assert.Contains("\u001b[36mm>h ready", shown, StringComparison.Ordinal);
        }
    }

    /// <summary>Redirected: plain text, NO_COLOR or not.</summary>
    [Fact]
    public async Task RedirectedStderr_HasNoEscapeCodes()
    {
        await using var modem = await ModemProcess.StartAsync("--monitor");
        await using var host = modem.CreateStdioHost();
        await host.ReadUntilAsync("ready\r\n", LiveModem.Timeout);
        await host.SendAsync("AT\r\n");
        await host.ReadUntilAsync("OK\r\n", LiveModem.Timeout);
        modem.Stdin.Close();
        Assert.Equal(0, await modem.WaitForExitAsync(LiveModem.Timeout));

        Assert.Contains(" h>m AT\\r\\n", modem.StdErr, StringComparison.Ordinal);
        Assert.DoesNotContain("\u001b", modem.StdErr, StringComparison.Ordinal);
    }
}
