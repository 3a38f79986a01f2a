using Xunit;

namespace AtMqtt.Modem.Tests.Channels;

/// <summary>
/// --serial DEVICE: System.IO.Ports on a pseudo-terminal the test creates, as socat or an emulator
/// would; the test holds the master, the host's end of the wire. Each test proves that the other end of
/// its pty is its own modem and no other process (<see cref="TerminalHolders"/>): opening a terminal is not
/// exclusive for root, and a second opener of the slave would take some of the bytes meant for the modem.
/// Every modem is killed before the pty it opened goes away, so it never reopens a device number that the
/// kernel has given to someone else since.
/// </summary>
public sealed class SerialChannelTests(MosquittoFixture mosquitto) : IClassFixture<MosquittoFixture>
{
    /// <summary>--serial is paced: lines end with a lone CR, as a terminal sends them.</summary>
    private const string Cr = "\r";

    [Fact]
    public async Task ASessionOverAPtyTheTestCreated()
    {
        using var pty = TestPty.Create();
        await using var modem = await ModemProcess.StartAndWaitForAsync("open at 115200 baud", "--serial", pty.SlavePath, "--baud", "115200");
        await using var host = new AtHost(pty.Master);
        await host.ExpectBytesAsync("ready\r\n");
        TerminalHolders.AssertHeldOnlyBy(pty.SlavePath, modem.Pid);
        await host.OkAsync("AT", terminator: Cr);
        await host.ExpectAsync("AT+UART_CUR?", "+UART_CUR:115200,8,1,0,0\r\n\r\nOK\r\n", terminator: Cr);

        string topic = Unique.Id("serial");
        await host.ConnectLinkAsync(Unique.Id("serial-cid"), mosquitto.Port, terminator: Cr);
        await host.OkAsync($"AT+MQTTSUB=0,\"{topic}\",1", terminator: Cr);
        await host.OkAsync($"AT+MQTTPUB=0,\"{topic}\",\"over --serial\",1,0", terminator: Cr);
        await host.ExpectBytesAsync(LiveModem.SubRecv(topic, "over --serial"));
        await host.OkAsync("AT+MQTTCLEAN=0", terminator: Cr);
        TerminalHolders.AssertHeldOnlyBy(pty.SlavePath, modem.Pid);
    }

    [Fact]
    public async Task ADeviceThatGoesAway_IsReopenedWhenItComesBack()
    {
        using var dir = new TempDirectory("serial");
        string link = dir.PathOf("ttyUSB0");

        // Both devices exist from the start: the second is never handed the number of the first.
        var first = TestPty.Create();
        using var second = TestPty.Create();
        File.CreateSymbolicLink(link, first.SlavePath);
        await using var modem = await ModemProcess.StartAndWaitForAsync("open at 9600 baud", "--serial", link, "--baud", "9600");
        var host = new AtHost(first.Master);
        await host.ExpectBytesAsync("ready\r\n");
        TerminalHolders.AssertHeldOnlyBy(first.SlavePath, modem.Pid);
        await host.CommandAsync("ATE0", terminator: Cr);
        await host.DisposeAsync();
        first.Dispose();

        // The adapter is unplugged: its name goes first. Waiting for the kernel to drop /dev/pts/N is no
        // event the test owns: another program may be handed the same N at once, and the path then lives on.
        File.Delete(link);
        await modem.WaitForStdErrAsync("went away", TimeSpan.FromSeconds(60));

        // ... and plugged back in: another device node under the same name.
        File.CreateSymbolicLink(link, second.SlavePath);
        await using var again = new AtHost(second.Master);
        await again.ExpectBytesAsync("ready\r\n");
        TerminalHolders.AssertHeldOnlyBy(second.SlavePath, modem.Pid);
        string response = await again.CommandAsync("AT", terminator: Cr);
        Assert.Equal("\r\nOK\r\n", response); // ATE0 outlived the device
    }

    /// <summary>Said as it is (System.IO.Ports would say "access denied"), and waited for: an adapter not plugged in yet.</summary>
    [Fact]
    public async Task AMissingDevice_IsWaitedFor()
    {
        using var dir = new TempDirectory("serial");
        string link = dir.PathOf("ttyACM0");
        using var pty = TestPty.Create();
        await using var modem = await ModemProcess.StartAndWaitForAsync($"Cannot open {link}: it does not exist (yet); trying again every second", "--serial", link);
        Assert.DoesNotContain("denied", modem.StdErr, StringComparison.Ordinal);
        File.CreateSymbolicLink(link, pty.SlavePath);
        await using var host = new AtHost(pty.Master);
        await host.ExpectBytesAsync("ready\r\n");
        TerminalHolders.AssertHeldOnlyBy(pty.SlavePath, modem.Pid);
        await host.OkAsync("AT", terminator: Cr);
    }
}
