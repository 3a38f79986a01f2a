using System.Text;
using Xunit;

namespace AtMqtt.Modem.Tests.Channels;

/// <summary>
/// --pty PATH: the test is the host firmware, opening PATH as its serial port (raw termios), against
/// mosquitto; the broker side is checked by an independent MQTT client. Each test proves that the pty
/// behind PATH is its own modem's and that no other process has it open (<see cref="TerminalHolders"/>).
/// </summary>
public sealed class PtyChannelTests(MosquittoFixture mosquitto) : IClassFixture<MosquittoFixture>
{
    [Fact]
    public async Task FullMqttSession_ThroughThePty_AgainstMosquitto()
    {
        using var dir = new TempDirectory("pty");
        string link = dir.PathOf("ttyAT");
        await using var modem = await ModemProcess.StartAndWaitForAsync("waiting for a host to open it", "--pty", link);
        Assert.NotNull(new FileInfo(link).LinkTarget);
        Assert.StartsWith("/dev/pts/", new FileInfo(link).LinkTarget);

        await using var host = await SerialHost.OpenWhenThereAsync(link);
        await host.ExpectBytesAsync("ready\r\n");
        AssertOwnPty(link, modem);
        await host.OkAsync("AT");

        string topic = Unique.Id("pty");
        await using var probe = await MqttProbe.ConnectAsync(mosquitto.Broker.Host, mosquitto.Port);
        await probe.SubscribeAsync($"{topic}/up/#", 1);
        await host.ConnectLinkAsync(Unique.Id("pty-cid"), mosquitto.Port);
        await host.OkAsync($"AT+MQTTSUB=0,\"{topic}/down\",1");

        await host.OkAsync($"AT+MQTTPUB=0,\"{topic}/up/text\",\"hello over a pty\",1,0");
        var text = await probe.NextAsync(LiveModem.Timeout);
        Assert.Equal("hello over a pty", text.PayloadText);

        // Raw mode both ways: CR, LF, NUL, 0x7F, 0xFF and ^C, ^D, ^S, ^Q go through untouched.
        byte[] binary = [(byte)'a', 0x0D, 0x0A, 0x00, 0x7F, 0xFF, 0x03, 0x04, 0x13, 0x11, 0x1A, (byte)'z'];
        await host.SendAsync($"AT+MQTTPUBRAW=0,\"{topic}/up/raw\",{binary.Length},1,0\r\n");
        await host.ReadUntilAsync("\r\nOK\r\n\r\n>", LiveModem.Timeout);
        await host.SendBytesAsync(binary);
        await host.ReadUntilAsync("+MQTTPUBRAW:OK\r\n", LiveModem.Timeout);
        Assert.Equal(binary, (await probe.NextAsync(LiveModem.Timeout)).Payload);

        await probe.PublishAsync($"{topic}/down", binary, 1, retain: false);
        string expected = $"+MQTTSUBRECV:0,\"{topic}/down\",{binary.Length},{Encoding.Latin1.GetString(binary)}\r\n";
        Assert.Equal(AtHost.Escape(expected), AtHost.Escape(Encoding.Latin1.GetString(await host.ReadExactlyAsync(expected.Length, LiveModem.Timeout))));

        await host.OkAsync("AT+MQTTCLEAN=0");
        AssertOwnPty(link, modem);
        Assert.Equal(0, await modem.TerminateAsync());
        Assert.False(File.Exists(link) || new FileInfo(link).LinkTarget is not null, "the link outlived the modem");
    }

    [Fact]
    public async Task ClosingAndReopeningTheSlave_KeepsTheModem_AndEachOpeningGetsReady()
    {
        using var dir = new TempDirectory("pty");
        string link = dir.PathOf("ttyAT");
        await using var proxy = TcpProxy.Start(mosquitto.Port);
        await using var modem = await ModemProcess.StartAndWaitForAsync("waiting for a host to open it", "--pty", link);
        string topic = Unique.Id("reopen");

        var host = await SerialHost.OpenWhenThereAsync(link);
        await host.ExpectBytesAsync("ready\r\n");
        AssertOwnPty(link, modem);
        await host.ConnectLinkAsync(Unique.Id("reopen-cid"), proxy.Port);
        await host.OkAsync($"AT+MQTTSUB=0,\"{topic}\",1");
        await host.CommandAsync("ATE0");
        await host.DisposeAsync();

        // A message that arrives while no host has the port open waits for the next one: it has reached
        // the modem's socket before the host opens the port again.
        await using (var probe = await MqttProbe.ConnectAsync(mosquitto.Broker.Host, mosquitto.Port))
        {
            await probe.PublishAsync(topic, "while closed", 1, retain: false);
        }

        await proxy.WaitForPacketsToClientAsync(Publish, 1, LiveModem.Timeout);
        host = SerialHost.Open(link);
        await host.ExpectBytesAsync("ready\r\n");
        await host.ExpectBytesAsync(LiveModem.SubRecv(topic, "while closed"));

        // Closed and reopened at once, as pyserial's close(); open() does, many times over.
        for (int i = 0; i < 8; i++)
        {
            await host.DisposeAsync();
            host = SerialHost.Open(link);
            await host.ExpectBytesAsync("ready\r\n");
            string response = await host.CommandAsync("AT+MQTTCONN?");
            Assert.Equal(AtHost.Escape($"+MQTTCONN:0,connected,1,\"127.0.0.1\",{proxy.Port},0\r\n\r\nOK\r\n"), AtHost.Escape(response));
        }

        await using (var probe = await MqttProbe.ConnectAsync(mosquitto.Broker.Host, mosquitto.Port))
        {
            await probe.PublishAsync(topic, "after reopening", 1, retain: false);
        }

        await host.ExpectBytesAsync(LiveModem.SubRecv(topic, "after reopening"));
        AssertOwnPty(link, modem);
        await host.DisposeAsync();
    }

    [Fact]
    public async Task AStaleLinkIsReplaced_AndTheLinkIsRemovedOnExit()
    {
        using var dir = new TempDirectory("pty");
        string link = dir.PathOf("ttyAT");
        File.CreateSymbolicLink(link, "/dev/pts/nonexistent-from-a-killed-modem");

        await using var modem = await ModemProcess.StartAndWaitForAsync("waiting for a host to open it", "--pty", link);
        Assert.StartsWith("/dev/pts/", new FileInfo(link).LinkTarget);
        Assert.NotEqual("/dev/pts/nonexistent-from-a-killed-modem", new FileInfo(link).LinkTarget);

        Assert.Equal(0, await modem.TerminateAsync());
        Assert.Empty(Directory.GetFileSystemEntries(dir.FullName));
    }

    [Fact]
    public async Task AFileThatIsNotALink_IsNotReplaced()
    {
        using var dir = new TempDirectory("pty");
        string path = dir.PathOf("precious");
        await File.WriteAllTextAsync(path, "keep me");

        await using var modem = await ModemProcess.StartAsync("--pty", path);
        Assert.Equal(1, await modem.WaitForExitAsync(LiveModem.Timeout));
        Assert.Contains("is not a symbolic link", modem.StdErr, StringComparison.Ordinal);
        Assert.Equal("keep me", await File.ReadAllTextAsync(path));
    }

    /// <summary>MQTT's PUBLISH packet type.</summary>
    private const int Publish = 3;

    /// <summary>The pty behind <paramref name="link"/> is <paramref name="modem"/>'s, and this test is the only process that has its slave open.</summary>
    private static void AssertOwnPty(string link, ModemProcess modem)
    {
        Assert.Contains(modem.Pid, TerminalHolders.OfMaster(link));
        TerminalHolders.AssertHeldOnlyBy(link, Environment.ProcessId);
    }
}
