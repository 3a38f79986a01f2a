using System.Globalization;
using System.Text;
using AtMqtt.Cli.Channels;
using Xunit;

namespace AtMqtt.Modem.Tests.Support;

/// <summary>Names, waits and the AT exchanges every channel test needs.</summary>
internal static class Session
{
    /// <summary>Generous: several modems, brokers and hosts share two cores.</summary>
    public static readonly TimeSpan Timeout = TimeSpan.FromSeconds(15);

    public static string Unique(string what) => $"{what}-{Guid.NewGuid():N}"[..(what.Length + 13)];

    public static string Invariant(int value) => value.ToString(CultureInfo.InvariantCulture);

    /// <summary>A fresh folder for links and transcripts.</summary>
    public static string TempDir() => Directory.CreateTempSubdirectory("atmqtt-channel-").FullName;

    /// <summary>
    /// Sends <paramref name="line"/> with <paramref name="terminator"/> and returns everything through
    /// its final result. On a paced line use a lone CR, as a terminal does: the modem answers at the
    /// CR, and whether an LF that trickles in after it is in the echo depends on timing (what follows
    /// the echo starts on a new line either way).
    /// </summary>
    public static async Task<string> CommandAsync(AtHost host, string line, string terminator = "\r\n")
    {
        await host.SendAsync(line + terminator);
        return await host.ReadUntilAnyAsync(AtHost.FinalResults, Timeout);
    }

    /// <summary>Sends a line and asserts echo + <c>OK</c> (echo on).</summary>
    public static Task OkAsync(AtHost host, string line, string terminator = "\r\n") =>
        ExpectAsync(host, line, "\r\nOK\r\n", terminator);

    /// <summary>Sends a line and asserts echo + <paramref name="response"/>.</summary>
    public static async Task ExpectAsync(AtHost host, string line, string response, string terminator = "\r\n")
    {
        string actual = await CommandAsync(host, line, terminator);

        // After an echo that ends in a lone CR, a response that does not begin with CR LF gets an LF first.
        string lf = terminator == "\r" && !response.StartsWith("\r\n", StringComparison.Ordinal) ? "\n" : "";
        Assert.Equal(AtHost.Escape(Wire(line) + terminator + lf + response), AtHost.Escape(actual));
    }

    /// <summary>Reads exactly <paramref name="expected"/> next.</summary>
    public static async Task ExpectBytesAsync(AtHost host, string expected)
    {
        var bytes = await host.ReadExactlyAsync(Encoding.UTF8.GetByteCount(expected), Timeout);
        Assert.Equal(AtHost.Escape(Wire(expected)), AtHost.Escape(Encoding.Latin1.GetString(bytes)));
    }

    public static string Wire(string text) => Encoding.Latin1.GetString(Encoding.UTF8.GetBytes(text));

    public static string SubRecv(string topic, string payload) =>
        $"+MQTTSUBRECV:0,\"{topic}\",{Encoding.UTF8.GetByteCount(payload)},{payload}\r\n";

    /// <summary>USERCFG and CONN against <paramref name="brokerPort"/> (seed dialect output).</summary>
    public static async Task ConnectAsync(AtHost host, string clientId, int brokerPort, string terminator = "\r\n")
    {
        await OkAsync(host, $"AT+MQTTUSERCFG=0,1,\"{clientId}\",\"\",\"\",0,0,\"\"", terminator);
        await ExpectAsync(host, $"AT+MQTTCONN=0,\"127.0.0.1\",{brokerPort},0",
            $"+MQTTCONNECTED:0,1,\"127.0.0.1\",{brokerPort},0\r\n\r\nOK\r\n", terminator);
    }

    /// <summary>Starts atmqtt and waits for <paramref name="readyLog"/> on its stderr.</summary>
    public static async Task<ModemProcess> StartModemAsync(string readyLog, params string[] args)
    {
        var modem = await ModemProcess.StartAsync(args);
        try
        {
            await modem.WaitForStdErrAsync(readyLog, Timeout);
            return modem;
        }
        catch
        {
            await modem.DisposeAsync();
            throw;
        }
    }

    /// <summary>Asks the modem to stop as a service manager would (SIGTERM) and waits for its exit code.</summary>
    public static async Task<int> StopAsync(ModemProcess modem)
    {
        Assert.Equal(0, Libc.Kill(modem.Pid, Libc.SigTerm));
        return await modem.WaitForExitAsync(Timeout);
    }
}

/// <summary>
/// The host's side of a serial line: opens a device path the way pyserial or a terminal program does
/// (<c>open(O_RDWR|O_NOCTTY)</c>, then raw termios: cfmakeraw) and talks through an <see cref="AtHost"/>.
/// </summary>
internal static class SerialHost
{
    public static AtHost Open(string path)
    {
        int fd = Libc.Open(path, Libc.ORdWr | Libc.ONoCtty | Libc.OCloExec);
        if (fd < 0)
        {
            throw Libc.Error($"open {path}");
        }

        try
        {
            Libc.MakeRaw(fd);
        }
        catch
        {
            Libc.Close(fd);
            throw;
        }

        return new AtHost(new FdStream(fd, ownsFd: true));
    }

    /// <summary>Opens <paramref name="path"/> once it exists (the modem may still be starting).</summary>
    public static async Task<AtHost> OpenWhenThereAsync(string path)
    {
        var deadline = DateTime.UtcNow + Session.Timeout;
        while (!File.Exists(path))
        {
            Assert.True(DateTime.UtcNow < deadline, $"{path} did not appear");
            await Task.Delay(20);
        }

        return Open(path);
    }
}

/// <summary>A pseudo-terminal the test owns (the master side), standing in for an emulator's or socat's pty.</summary>
internal sealed class TestPty : IDisposable
{
    private TestPty(string slavePath, FdStream master)
    {
        SlavePath = slavePath;
        Master = master;
    }

    public string SlavePath { get; }

    /// <summary>The master: what the modem writes to the slave comes out here.</summary>
    public FdStream Master { get; }

    public static TestPty Create()
    {
        var (master, slave) = Libc.OpenPty();
        return new TestPty(slave, new FdStream(master, ownsFd: true));
    }

    public void Dispose() => Master.Dispose();
}
