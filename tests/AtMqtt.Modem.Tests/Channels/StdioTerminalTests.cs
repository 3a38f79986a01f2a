using System.Text;
using AtMqtt.Cli.Channels;
using Xunit;

namespace AtMqtt.Modem.Tests.Channels;

/// <summary>
/// <c>--stdio</c> with a person at a terminal: the terminal's own echo and line editing are off for the
/// session, so a typed line shows once (the modem's echo), the Enter key's CR ends it, and the settings
/// come back when the program ends, by SIGTERM or by Ctrl-C. A pseudo-terminal stands for the terminal.
/// </summary>
public sealed class StdioTerminalTests
{
    [Fact]
    public async Task ATypedLine_ShowsOnce_AndSigtermPutsTheTerminalBack()
    {
        if (!OperatingSystem.IsLinux())
        {
            return;
        }

        using var pty = TestPty.Create();
        int slave = TerminalModem.Hold(pty.SlavePath);
        using var closeSlave = new Closing(slave);
        byte[] before = TerminalModem.Settings(slave);
        Assert.True(StdioTerminal.Flags(before).Echo, "a new terminal echoes");
        await using var modem = TerminalModem.OnStdio(pty.SlavePath);
        await using var screen = new AtHost(pty.Master);
        await screen.ReadUntilAsync("ready", LiveModem.Timeout);
        await WaitForLogAsync(modem, "stdin is a terminal");

        var during = StdioTerminal.Flags(TerminalModem.Settings(slave));
        Assert.False(during.Echo);
        Assert.False(during.Canonical);
        Assert.False(during.CrToNl);
        Assert.True(during.Signals); // Ctrl-C still stops the program

        // Typed as on a keyboard: Enter is a CR.
        await screen.SendAsync("AT\r");
        string shown = await screen.ReadUntilAsync("OK", LiveModem.Timeout);
        Assert.Equal(1, Occurrences(shown, "AT"));

        await screen.SendAsync("AT+GMR\r");
        shown = await screen.ReadUntilAsync("OK", LiveModem.Timeout);
        Assert.Equal(1, Occurrences(shown, "AT+GMR"));

        // Ctrl-Z and Ctrl-\ are bytes for the modem (a line it refuses), not a stop or a SIGQUIT.
        await screen.SendBytesAsync(new byte[] { 0x1a, 0x1c, (byte)'\r' });
        await screen.ReadUntilAsync("ERROR", LiveModem.Timeout);
        await screen.SendAsync("AT\r");
        await screen.ReadUntilAsync("OK", LiveModem.Timeout);

        Assert.Equal(0, Libc.Kill(modem.Pid, Libc.SigTerm));
        Assert.Equal(0, await modem.WaitForExitAsync(LiveModem.Timeout));
        Assert.Equal(before, TerminalModem.Settings(slave));
        Assert.Contains("SIGTERM: stopping", modem.StdErr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task CtrlC_EndsTheProgram_AndPutsTheTerminalBack()
    {
        if (!OperatingSystem.IsLinux())
        {
            return;
        }

        using var pty = TestPty.Create();
        int slave = TerminalModem.Hold(pty.SlavePath);
        using var closeSlave = new Closing(slave);
        byte[] before = TerminalModem.Settings(slave);
        await using var modem = TerminalModem.OnStdio(pty.SlavePath);
        await using var screen = new AtHost(pty.Master);
        await screen.ReadUntilAsync("ready", LiveModem.Timeout);
        await WaitForLogAsync(modem, "stdin is a terminal");

        await screen.SendBytesAsync(new byte[] { 0x03 });

        Assert.Equal(0, await modem.WaitForExitAsync(LiveModem.Timeout));
        Assert.Equal(before, TerminalModem.Settings(slave));
        Assert.Contains("SIGINT: stopping", modem.StdErr, StringComparison.Ordinal);
        Assert.DoesNotContain("warn:", modem.StdErr, StringComparison.Ordinal);
    }

    private sealed class Closing(int fd) : IDisposable
    {
        public void Dispose() => Libc.Close(fd);
    }

    private static int Occurrences(string text, string what)
    {
        int count = 0;
        for (int at = text.IndexOf(what, StringComparison.Ordinal); at >= 0; at = text.IndexOf(what, at + what.Length, StringComparison.Ordinal))
        {
            count++;
        }

        return count;
    }

    private static async Task WaitForLogAsync(TerminalModem modem, string text)
    {
        var deadline = DateTime.UtcNow + LiveModem.Timeout;
        while (!modem.StdErr.Contains(text, StringComparison.Ordinal))
        {
            Assert.True(DateTime.UtcNow < deadline, $"no \"{text}\" in the log:\n{modem.StdErr}");
            await Task.Delay(20);
        }
    }
}
