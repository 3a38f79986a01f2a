using System.Runtime.InteropServices;

namespace AtMqtt.Cli.Channels;

/// <summary>
/// The few libc calls a pseudo-terminal needs (Linux, glibc or musl: all of them live in libc.so.6
/// there). Constants are Linux's, the same on x86-64 and arm64. Callers check
/// <see cref="OperatingSystem.IsLinux"/> first; nothing here is reached elsewhere.
/// </summary>
internal static partial class Libc
{
    private const string Lib = "libc";

    public const int ORdWr = 0x2;
    public const int ONoCtty = 0x100;
    public const int ONonBlock = 0x800;
    public const int OCloExec = 0x80000;
    public const int FGetFl = 3;
    public const int FSetFl = 4;

    public const int EIntr = 4;
    public const int EIo = 5;
    public const int EAgain = 11;

    /// <summary>send(2): do not block (this call only, the descriptor stays blocking for the reader).</summary>
    public const int MsgDontWait = 0x40;

    /// <summary>send(2): a peer that has gone is an error (EPIPE), not SIGPIPE.</summary>
    public const int MsgNoSignal = 0x4000;

    public const short PollIn = 0x1;
    public const short PollOut = 0x4;
    public const short PollErr = 0x8;
    public const short PollHup = 0x10;
    public const short PollNval = 0x20;

    public const int TcsaNow = 0;
    public const int TcIoFlush = 2;

    public const int SigTerm = 15;
    public const int SigInt = 2;

    /// <summary>Larger than glibc's <c>struct termios</c> (60 bytes); only libc reads and writes it.</summary>
    public const int TermiosSize = 256;

    [StructLayout(LayoutKind.Sequential)]
    public struct PollFd
    {
        public int Fd;
        public short Events;
        public short Revents;
    }

    [LibraryImport(Lib, EntryPoint = "posix_openpt", SetLastError = true)]
    public static partial int PosixOpenPt(int flags);

    [LibraryImport(Lib, EntryPoint = "grantpt", SetLastError = true)]
    public static partial int GrantPt(int fd);

    [LibraryImport(Lib, EntryPoint = "unlockpt", SetLastError = true)]
    public static partial int UnlockPt(int fd);

    [LibraryImport(Lib, EntryPoint = "ptsname_r", SetLastError = true)]
    private static partial int PtsNameR(int fd, [Out] byte[] buffer, nuint length);

    [LibraryImport(Lib, EntryPoint = "open", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    public static partial int Open(string path, int flags);

    [LibraryImport(Lib, EntryPoint = "close", SetLastError = true)]
    public static partial int Close(int fd);

    [LibraryImport(Lib, EntryPoint = "read", SetLastError = true)]
    public static unsafe partial nint Read(int fd, byte* buffer, nuint count);

    [LibraryImport(Lib, EntryPoint = "write", SetLastError = true)]
    public static unsafe partial nint Write(int fd, byte* buffer, nuint count);

    [LibraryImport(Lib, EntryPoint = "send", SetLastError = true)]
    public static unsafe partial nint Send(int fd, byte* buffer, nuint count, int flags);

    [LibraryImport(Lib, EntryPoint = "poll", SetLastError = true)]
    public static partial int Poll(ref PollFd fds, nuint count, int timeoutMs);

    [LibraryImport(Lib, EntryPoint = "fcntl", SetLastError = true)]
    private static partial int Fcntl(int fd, int command, int argument);

    [LibraryImport(Lib, EntryPoint = "tcgetattr", SetLastError = true)]
    public static partial int TcGetAttr(int fd, [Out] byte[] termios);

    [LibraryImport(Lib, EntryPoint = "tcsetattr", SetLastError = true)]
    public static partial int TcSetAttr(int fd, int when, [In] byte[] termios);

    [LibraryImport(Lib, EntryPoint = "isatty")]
    public static partial int IsATty(int fd);

    [LibraryImport(Lib, EntryPoint = "cfmakeraw")]
    private static partial void CfMakeRaw([In, Out] byte[] termios);

    [LibraryImport(Lib, EntryPoint = "tcflush", SetLastError = true)]
    public static partial int TcFlush(int fd, int queue);

    public const uint InOpen = 0x20;
    public const uint InCloseWrite = 0x8;
    public const uint InCloseNoWrite = 0x10;
    public const uint InIgnored = 0x8000;

    [LibraryImport(Lib, EntryPoint = "inotify_init1", SetLastError = true)]
    public static partial int InotifyInit1(int flags);

    [LibraryImport(Lib, EntryPoint = "inotify_add_watch", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    public static partial int InotifyAddWatch(int fd, string path, uint mask);

    [LibraryImport(Lib, EntryPoint = "eventfd", SetLastError = true)]
    public static partial int EventFd(uint initialValue, int flags);

    [LibraryImport(Lib, EntryPoint = "inotify_rm_watch", SetLastError = true)]
    public static partial int InotifyRmWatch(int fd, int wd);

    /// <summary>Linux's RLIMIT_NOFILE (the same on x86-64 and arm64).</summary>
    public const int RLimitNoFile = 7;

    /// <summary><c>struct rlimit</c> on 64-bit Linux: two <c>rlim_t</c> (unsigned long); RLIM_INFINITY is all ones.</summary>
    [StructLayout(LayoutKind.Sequential)]
    public struct RLimit
    {
        public ulong Current;
        public ulong Maximum;
    }

    [LibraryImport(Lib, EntryPoint = "getrlimit", SetLastError = true)]
    public static partial int GetRLimit(int resource, out RLimit limit);

    [LibraryImport(Lib, EntryPoint = "kill", SetLastError = true)]
    public static partial int Kill(int pid, int signal);

    /// <summary>The errno of the last call, as an <see cref="IOException"/> naming <paramref name="what"/>.</summary>
    public static IOException Error(string what)
    {
        int errno = Marshal.GetLastPInvokeError();
        return new IOException($"{what}: {Marshal.GetPInvokeErrorMessage(errno)} (errno {errno})", errno);
    }

    /// <summary>A new pseudo-terminal: the master's descriptor and the slave's path (<c>/dev/pts/N</c>).</summary>
    public static (int Master, string SlavePath) OpenPty()
    {
        // Close-on-exec: a child process (a test starting the modem) must not keep the master open.
        int master = PosixOpenPt(ORdWr | ONoCtty | OCloExec);
        if (master < 0)
        {
            throw Error("posix_openpt");
        }

        try
        {
            var name = new byte[128];
            if (GrantPt(master) != 0 || UnlockPt(master) != 0 || PtsNameR(master, name, (nuint)name.Length) != 0)
            {
                throw Error("grantpt/unlockpt/ptsname_r");
            }

            int end = Array.IndexOf(name, (byte)0);
            return (master, System.Text.Encoding.UTF8.GetString(name, 0, end < 0 ? name.Length : end));
        }
        catch
        {
            Close(master);
            throw;
        }
    }

    /// <summary>Puts a terminal into raw mode (cfmakeraw: no echo, no line editing, no CR/LF mapping, 8 bits).</summary>
    public static void MakeRaw(int fd)
    {
        var termios = new byte[TermiosSize];
        if (TcGetAttr(fd, termios) != 0)
        {
            throw Error("tcgetattr");
        }

        CfMakeRaw(termios);
        if (TcSetAttr(fd, TcsaNow, termios) != 0)
        {
            throw Error("tcsetattr");
        }
    }

    public static void SetNonBlocking(int fd)
    {
        int flags = Fcntl(fd, FGetFl, 0);
        if (flags < 0 || Fcntl(fd, FSetFl, flags | ONonBlock) < 0)
        {
            throw Error("fcntl(O_NONBLOCK)");
        }
    }

    /// <summary>poll(2) on one descriptor; returns its revents (0 on timeout), retrying on EINTR.</summary>
    public static short PollOne(int fd, short events, int timeoutMs)
    {
        while (true)
        {
            var pfd = new PollFd { Fd = fd, Events = events };
            int n = Poll(ref pfd, 1, timeoutMs);
            if (n >= 0)
            {
                return n == 0 ? (short)0 : pfd.Revents;
            }

            if (Marshal.GetLastPInvokeError() != EIntr)
            {
                throw Error("poll");
            }
        }
    }
}
