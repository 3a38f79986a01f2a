using Xunit;

namespace AtMqtt.Modem.Tests.Channels;

/// <summary>
/// --serial DEVICE: System.IO.Ports on a pseudo-terminal the test creates, as socat or an emulator
/// would; the test holds the master, the host's end of the wire.
/// </summary>
public sealed class SerialChannelTests(MosquittoFixture mosquitto) : IClassFixture<MosquittoFixture>
{
    /// <summary>--serial is paced: lines end with a lone CR, as a terminal sends them.</summary>
    private const string Cr = "\r";

    [Fact]
    public async Task ASessionOverAPtyTheTestCreated()
    {
        using var pty = TestPty.Create();
        await using var modem = await Session.StartModemAsync("open at 115200 baud", "--serial", pty.SlavePath, "--baud", "115200");
        await using var host = new AtHost(pty.Master);
        await Session.ExpectBytesAsync(host, "ready\r\n");
        await Session.OkAsync(host, "AT", Cr);
        await Session.ExpectAsync(host, "AT+UART_CUR?", "+UART_CUR:115200,8,1,0,0\r\n\r\nOK\r\n", Cr);

        string topic = Session.Unique("serial");
        await Session.ConnectAsync(host, Session.Unique("serial-cid"), mosquitto.Port, Cr);
        await Session.OkAsync(host, $"AT+MQTTSUB=0,\"{topic}\",1", Cr);
        await Session.OkAsync(host, $"AT+MQTTPUB=0,\"{topic}\",\"over --serial\",1,0", Cr);
        await Session.ExpectBytesAsync(host, Session.SubRecv(topic, "over --serial"));
        await Session.OkAsync(host, "AT+MQTTCLEAN=0", Cr);
    }

    [Fact]
    public async Task ADeviceThatGoesAway_IsReopenedWhenItComesBack()
    {
        string link = Path.Combine(Session.TempDir(), "ttyUSB0");
        var first = TestPty.Create();
        File.CreateSymbolicLink(link, first.SlavePath);
        await using var modem = await Session.StartModemAsync("open at 9600 baud", "--serial", link, "--baud", "9600");
        var host = new AtHost(first.Master);
        await Session.ExpectBytesAsync(host, "ready\r\n");
        await Session.CommandAsync(host, "ATE0", Cr);
        await host.DisposeAsync();
        first.Dispose();

        // The adapter is unplugged: its name goes first. Waiting for the kernel to drop /dev/pts/N is no
        // event the test owns: another program may be handed the same N at once, and the path then lives on.
        File.Delete(link);
        await modem.WaitForStdErrAsync("went away", TimeSpan.FromSeconds(60));

        // ... and plugged back in: a new device node under the same name.
        using var second = TestPty.Create();
        File.CreateSymbolicLink(link, second.SlavePath);
        await using var again = new AtHost(second.Master);
        await Session.ExpectBytesAsync(again, "ready\r\n");
        string response = await Session.CommandAsync(again, "AT", Cr);
        Assert.Equal("\r\nOK\r\n", response); // ATE0 outlived the device
    }

    /// <summary>Said as it is (System.IO.Ports would say "access denied"), and waited for: an adapter not plugged in yet.</summary>
    [Fact]
    public async Task AMissingDevice_IsWaitedFor()
    {
        string link = Path.Combine(Session.TempDir(), "ttyACM0");
        await using var modem = await Session.StartModemAsync($"Cannot open {link}: it does not exist (yet); trying again every second", "--serial", link);
        Assert.DoesNotContain("denied", modem.StdErr, StringComparison.Ordinal);
        using var pty = TestPty.Create();
        File.CreateSymbolicLink(link, pty.SlavePath);
        await using var host = new AtHost(pty.Master);
        await Session.ExpectBytesAsync(host, "ready\r\n");
        await Session.OkAsync(host, "AT", Cr);
    }
}
