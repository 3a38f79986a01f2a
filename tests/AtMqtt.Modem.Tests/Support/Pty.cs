using AtMqtt.Cli.Channels;
using Xunit;

namespace AtMqtt.Modem.Tests.Support;

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
        var deadline = DateTime.UtcNow + LiveModem.Timeout;
        while (!File.Exists(path))
        {
            Assert.True(DateTime.UtcNow < deadline, $"{path} did not appear");
            await Task.Delay(20);
        }

        return Open(path);
    }
}

/// <summary>
/// A pseudo-terminal the test owns (the master side), standing in for an emulator's or socat's pty. Built
/// on the modem's own pty code (<see cref="Libc"/>, <see cref="FdStream"/>), as <see cref="SerialHost"/> is.
/// </summary>
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
