using System.Runtime.InteropServices;

namespace AtMqtt.Cli.Channels;

/// <summary>
/// A person typing at the modem on a terminal (<c>--stdio</c> with stdin a tty, Linux): for the session
/// the terminal stops echoing and editing lines, so the screen shows only what the modem sends, as a
/// serial terminal on a module does (the modem's own echo, <c>ATE1</c>, is the one copy of each line).
/// The settings it found are put back when it is disposed: at the end of the session, which Ctrl-C,
/// SIGTERM, SIGHUP and SIGINT reach through <see cref="ChannelSetup.RunAsync"/>.
/// </summary>
/// <remarks>
/// Set: no echo (ECHO, ECHONL), no line editing (ICANON, IEXTEN: bytes reach the modem as typed, one
/// at a time), no CR/LF translation on input (ICRNL, INLCR, IGNCR: the Enter key's CR ends a line, as
/// on a UART), no XON/XOFF (IXON), 8 bits (ISTRIP). Kept: ISIG with Ctrl-C only, so Ctrl-C still stops
/// the program (a module has no use for byte 0x03); Ctrl-\ and Ctrl-Z are switched off (they would
/// kill or suspend it with the terminal left raw) and reach the modem as bytes. Kept too: output
/// processing (OPOST, ONLCR), because the logs share the terminal through stderr and end lines with
/// LF alone; the modem's CR LF then shows as CR CR LF, which looks the same.
/// Offsets and values are Linux's <c>struct termios</c> (glibc and musl, x86-64 and arm64).
/// </remarks>
internal sealed class StdioTerminal : IDisposable
{
    private const int IFlagOffset = 0;
    private const int LFlagOffset = 12;
    private const int CcOffset = 17;

    private const uint IStrip = 0x20;
    private const uint InlCr = 0x40;
    private const uint IgnCr = 0x80;
    private const uint ICrNl = 0x100;
    private const uint IxOn = 0x400;

    private const uint ISig = 0x1;
    private const uint ICanon = 0x2;
    private const uint Echo = 0x8;
    private const uint EchoNl = 0x40;
    private const uint IExten = 0x8000;

    private const int VTime = 5;
    private const int VMin = 6;
    private const int VQuit = 1;
    private const int VSusp = 10;

    /// <summary>_POSIX_VDISABLE on Linux: a control character set to it is off.</summary>
    private const byte Disabled = 0;

    private readonly int _fd;
    private readonly byte[] _saved;
    private int _restored;

    private StdioTerminal(int fd, byte[] saved)
    {
        _fd = fd;
        _saved = saved;
    }

    /// <summary>Puts <paramref name="fd"/> in session mode if it is a terminal; null if it is not (a pipe, a file) or not on Linux.</summary>
    /// <exception cref="IOException">It is a terminal, but its settings could not be read or changed.</exception>
    public static StdioTerminal? TryEnter(int fd)
    {
        if (!OperatingSystem.IsLinux() || Libc.IsATty(fd) != 1)
        {
            return null;
        }

        var saved = new byte[Libc.TermiosSize];
        if (Libc.TcGetAttr(fd, saved) != 0)
        {
            throw Libc.Error("tcgetattr");
        }

        var session = (byte[])saved.Clone();
        Apply(session);
        if (Libc.TcSetAttr(fd, Libc.TcsaNow, session) != 0)
        {
            throw Libc.Error("tcsetattr");
        }

        return new StdioTerminal(fd, saved);
    }

    /// <summary>The session's settings, made from the ones the terminal had (see the remarks).</summary>
    public static void Apply(byte[] termios)
    {
        uint iflag = ReadFlag(termios, IFlagOffset);
        uint lflag = ReadFlag(termios, LFlagOffset);
        iflag &= ~(ICrNl | InlCr | IgnCr | IxOn | IStrip);
        lflag &= ~(Echo | EchoNl | ICanon | IExten);
        lflag |= ISig;
        WriteFlag(termios, IFlagOffset, iflag);
        WriteFlag(termios, LFlagOffset, lflag);
        termios[CcOffset + VMin] = 1;
        termios[CcOffset + VTime] = 0;
        termios[CcOffset + VQuit] = Disabled;
        termios[CcOffset + VSusp] = Disabled;
    }

    /// <summary>Reads the local flags of a termios buffer (tests check echo and line editing with it).</summary>
    public static (bool Echo, bool Canonical, bool CrToNl, bool Signals) Flags(byte[] termios)
    {
        uint iflag = ReadFlag(termios, IFlagOffset);
        uint lflag = ReadFlag(termios, LFlagOffset);
        return ((lflag & Echo) != 0, (lflag & ICanon) != 0, (iflag & ICrNl) != 0, (lflag & ISig) != 0);
    }

    /// <summary>Puts the settings back (once; a terminal that has gone away is no error).</summary>
    public void Dispose()
    {
        if (Interlocked.Exchange(ref _restored, 1) == 0)
        {
            Libc.TcSetAttr(_fd, Libc.TcsaNow, _saved);
        }
    }

    // tcflag_t is a native unsigned int.
    private static uint ReadFlag(byte[] termios, int offset) => MemoryMarshal.Read<uint>(termios.AsSpan(offset));

    private static void WriteFlag(byte[] termios, int offset, uint value) => MemoryMarshal.Write(termios.AsSpan(offset), in value);
}
