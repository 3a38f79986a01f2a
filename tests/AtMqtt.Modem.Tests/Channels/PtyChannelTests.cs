using System.Text;
using Xunit;

namespace AtMqtt.Modem.Tests.Channels;

/// <summary>
/// --pty PATH: the test is the host firmware, opening PATH as its serial port (raw termios), against
/// mosquitto; the broker side is checked by an independent MQTT client.
/// </summary>
public sealed class PtyChannelTests(MosquittoFixture mosquitto) : IClassFixture<MosquittoFixture>
{
    [Fact]
    public async Task FullMqttSession_ThroughThePty_AgainstMosquitto()
    {
        string link = Path.Combine(Session.TempDir(), "ttyAT");
        await using var modem = await Session.StartModemAsync("waiting for a host to open it", "--pty", link);
        Assert.NotNull(new FileInfo(link).LinkTarget);
        Assert.StartsWith("/dev/pts/", new FileInfo(link).LinkTarget);

        await using var host = await SerialHost.OpenWhenThereAsync(link);
        await Session.ExpectBytesAsync(host, "ready\r\n");
        await Session.OkAsync(host, "AT");

        string topic = Session.Unique("pty");
        await using var probe = await MqttProbe.ConnectAsync(mosquitto.Broker.Host, mosquitto.Port);
        await probe.SubscribeAsync($"{topic}/up/#", 1);
        await Session.ConnectAsync(host, Session.Unique("pty-cid"), mosquitto.Port);
        await Session.OkAsync(host, $"AT+MQTTSUB=0,\"{topic}/down\",1");

        await Session.OkAsync(host, $"AT+MQTTPUB=0,\"{topic}/up/text\",\"hello over a pty\",1,0");
        var text = await probe.NextAsync(Session.Timeout);
        Assert.Equal("hello over a pty", text.PayloadText);

        // Raw mode both ways: CR, LF, NUL, 0x7F, 0xFF and ^C, ^D, ^S, ^Q go through untouched.
        byte[] binary = [(byte)'a', 0x0D, 0x0A, 0x00, 0x7F, 0xFF, 0x03, 0x04, 0x13, 0x11, 0x1A, (byte)'z'];
        await host.SendAsync($"AT+MQTTPUBRAW=0,\"{topic}/up/raw\",{binary.Length},1,0\r\n");
        await host.ReadUntilAsync("\r\nOK\r\n\r\n>", Session.Timeout);
        await host.SendBytesAsync(binary);
        await host.ReadUntilAsync("+MQTTPUBRAW:OK\r\n", Session.Timeout);
        Assert.Equal(binary, (await probe.NextAsync(Session.Timeout)).Payload);

        await probe.PublishAsync($"{topic}/down", binary, 1, retain: false);
        string expected = $"+MQTTSUBRECV:0,\"{topic}/down\",{binary.Length},{Encoding.Latin1.GetString(binary)}\r\n";
        Assert.Equal(AtHost.Escape(expected), AtHost.Escape(Encoding.Latin1.GetString(await host.ReadExactlyAsync(expected.Length, Session.Timeout))));

        await Session.OkAsync(host, "AT+MQTTCLEAN=0");
        Assert.Equal(0, await Session.StopAsync(modem));
        Assert.False(File.Exists(link) || new FileInfo(link).LinkTarget is not null, "the link outlived the modem");
    }

    [Fact]
    public async Task ClosingAndReopeningTheSlave_KeepsTheModem_AndEachOpeningGetsReady()
    {
        string link = Path.Combine(Session.TempDir(), "ttyAT");
        await using var modem = await Session.StartModemAsync("waiting for a host to open it", "--pty", link);
        string topic = Session.Unique("reopen");

        var host = await SerialHost.OpenWhenThereAsync(link);
        await Session.ExpectBytesAsync(host, "ready\r\n");
        await Session.ConnectAsync(host, Session.Unique("reopen-cid"), mosquitto.Port);
        await Session.OkAsync(host, $"AT+MQTTSUB=0,\"{topic}\",1");
        await host.CommandAsync("ATE0", Session.Timeout);
        await host.DisposeAsync();

        // A message that arrives while no host has the port open waits for the next one.
        await using (var probe = await MqttProbe.ConnectAsync(mosquitto.Broker.Host, mosquitto.Port))
        {
            await probe.PublishAsync(topic, "while closed", 1, retain: false);
        }

        await Task.Delay(300);
        host = SerialHost.Open(link);
        await Session.ExpectBytesAsync(host, "ready\r\n");
        await Session.ExpectBytesAsync(host, Session.SubRecv(topic, "while closed"));

        // Closed and reopened at once, as pyserial's close(); open() does, many times over.
        for (int i = 0; i < 8; i++)
        {
            await host.DisposeAsync();
            host = SerialHost.Open(link);
            await Session.ExpectBytesAsync(host, "ready\r\n");
            string response = await host.CommandAsync("AT+MQTTCONN?", Session.Timeout);
            Assert.Equal(AtHost.Escape($"+MQTTCONN:0,connected,1,\"127.0.0.1\",{mosquitto.Port},0\r\n\r\nOK\r\n"), AtHost.Escape(response));
        }

        await using (var probe = await MqttProbe.ConnectAsync(mosquitto.Broker.Host, mosquitto.Port))
        {
            await probe.PublishAsync(topic, "after reopening", 1, retain: false);
        }

        await Session.ExpectBytesAsync(host, Session.SubRecv(topic, "after reopening"));
        await host.DisposeAsync();
    }

    [Fact]
    public async Task AStaleLinkIsReplaced_AndTheLinkIsRemovedOnExit()
    {
        string dir = Session.TempDir();
        string link = Path.Combine(dir, "ttyAT");
        File.CreateSymbolicLink(link, "/dev/pts/nonexistent-from-a-killed-modem");

        await using var modem = await Session.StartModemAsync("waiting for a host to open it", "--pty", link);
        Assert.StartsWith("/dev/pts/", new FileInfo(link).LinkTarget);
        Assert.NotEqual("/dev/pts/nonexistent-from-a-killed-modem", new FileInfo(link).LinkTarget);

        Assert.Equal(0, await Session.StopAsync(modem));
        Assert.Empty(Directory.GetFileSystemEntries(dir));
    }

    [Fact]
    public async Task AFileThatIsNotALink_IsNotReplaced()
    {
        string path = Path.Combine(Session.TempDir(), "precious");
        await File.WriteAllTextAsync(path, "keep me");

        await using var modem = await ModemProcess.StartAsync("--pty", path);
        Assert.Equal(1, await modem.WaitForExitAsync(Session.Timeout));
        Assert.Contains("is not a symbolic link", modem.StdErr, StringComparison.Ordinal);
        Assert.Equal("keep me", await File.ReadAllTextAsync(path));
    }
}
