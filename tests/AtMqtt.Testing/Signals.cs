using System.Runtime.InteropServices;

namespace AtMqtt.Testing;

/// <summary>POSIX signals to a child process, as a service manager or a user's <c>kill</c> sends them.</summary>
public static partial class Signals
{
    /// <summary>SIGTERM: the orderly stop a service manager asks for.</summary>
    public const int Term = 15;

    /// <summary>Sends <paramref name="signal"/> to <paramref name="pid"/>; throws if it could not be sent.</summary>
    public static void Send(int pid, int signal)
    {
        if (Kill(pid, signal) != 0)
        {
            int errno = Marshal.GetLastPInvokeError();
            throw new InvalidOperationException($"kill({pid}, {signal}) failed: {Marshal.GetPInvokeErrorMessage(errno)} (errno {errno})");
        }
    }

    [LibraryImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static partial int Kill(int pid, int signal);
}
