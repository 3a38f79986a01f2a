using System.Globalization;
using System.Text;
using Xunit;

namespace AtMqtt.Modem.Tests.Channels;

/// <summary>The default channel: stdin/stdout carry only AT traffic, logs go to stderr.</summary>
public sealed class StdioChannelTests
{
    [Fact]
    public async Task Stdio_AtGivesReadyThenOk_AndLogsGoOnlyToStderr()
    {
        await using var process = await ModemProcess.StartAsync("--log-level", "Debug");
        await using var host = process.CreateStdioHost();

        Assert.Equal("ready\r\n", Encoding.Latin1.GetString(await host.ReadExactlyAsync(7, LiveModem.Timeout)));
        await host.SendAsync("AT\r\n");
        Assert.Equal("AT\r\n\r\nOK\r\n", Encoding.Latin1.GetString(await host.ReadExactlyAsync(10, LiveModem.Timeout)));

        // EOF on stdin ends the program; nothing else ever appeared on stdout.
        process.Stdin.Close();
        Assert.Equal(0, await process.WaitForExitAsync(LiveModem.Timeout));
        await host.WaitClosedAsync(LiveModem.Timeout);
        Assert.Equal("", host.TakeAll());
        Assert.Contains("on stdio", process.StdErr);
    }

    [Fact]
    public async Task Stdio_FullMqttSession_WritesOnlyProtocolBytesToStdout()
    {
        int brokerPort = FreePort.Get();
        await using var process = await ModemProcess.StartAsync(
            "--embedded-broker", brokerPort.ToString(CultureInfo.InvariantCulture), "--log-level", "Trace");
        await using var host = process.CreateStdioHost();
        var transcript = new StringBuilder();

        async Task Expect(string text)
        {
            var got = Encoding.Latin1.GetString(await host.ReadExactlyAsync(text.Length, LiveModem.Timeout));
            transcript.Append(got);
            Assert.Equal(AtHost.Escape(text), AtHost.Escape(got));
        }

        async Task Command(string line, string response)
        {
            await host.SendAsync(line + "\r\n");
            await Expect(line + "\r\n" + response);
        }

        await Expect("ready\r\n");
        await process.WaitForStdErrAsync("Embedded MQTT broker listening", LiveModem.Timeout);
        string topic = Unique.Topic("stdio");
        await Command($"AT+MQTTUSERCFG=0,1,\"{Unique.Id("stdio")}\",\"\",\"\",0,0,\"\"", "\r\nOK\r\n");
        await Command($"AT+MQTTCONN=0,\"127.0.0.1\",{brokerPort},0", LiveModem.ConnectedResponse(brokerPort, 0));
        await Command($"AT+MQTTSUB=0,\"{topic}\",1", "\r\nOK\r\n");
        await Command($"AT+MQTTPUB=0,\"{topic}\",\"over stdio\",1,0", "\r\nOK\r\n");
        await Expect(LiveModem.SubRecv(topic, "over stdio"));
        await Command("AT+MQTTCLEAN=0", "\r\nOK\r\n");

        process.Stdin.Close();
        Assert.Equal(0, await process.WaitForExitAsync(LiveModem.Timeout));
        await host.WaitClosedAsync(LiveModem.Timeout);
        Assert.Equal("", host.TakeAll());

        // The session was logged, on stderr.
        Assert.Contains("Connected to 127.0.0.1", process.StdErr);
        Assert.DoesNotContain("Connected to", transcript.ToString());
    }
}
