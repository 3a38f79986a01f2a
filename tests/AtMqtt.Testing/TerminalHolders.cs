using System.Globalization;
using Xunit;

namespace AtMqtt.Testing;

/// <summary>
/// Which processes have a pseudo-terminal open, read from /proc (Linux): a pty test's proof that it talks
/// to its own modem and to no one else. Opening a terminal is not exclusive for root (TIOCEXCL does not
/// stop it), and a program that reopens a device by its name (a --serial modem retrying, a host) opens
/// whatever pty the kernel gave that number to since: a second reader of a slave takes some of the bytes
/// meant for the first.
/// </summary>
public static class TerminalHolders
{
    /// <summary>The processes that have the terminal at <paramref name="path"/> (a pty slave, or a link to one) open.</summary>
    public static IReadOnlyList<int> Of(string path)
    {
        string device = Resolve(path);
        return Scan((_, target, _) => target == device);
    }

    /// <summary>The processes that hold the master of the pty whose slave is at <paramref name="path"/> (a link to one is followed).</summary>
    public static IReadOnlyList<int> OfMaster(string path)
    {
        string index = Path.GetFileName(Resolve(path));
        return Scan((pid, target, fd) => target == "/dev/ptmx" && TtyIndex(pid, fd) == index);
    }

    /// <summary>Fails unless exactly <paramref name="pids"/> have the terminal at <paramref name="path"/> open; names any other holder and its command line.</summary>
    public static void AssertHeldOnlyBy(string path, params int[] pids)
    {
        var holders = Of(path);
        var strangers = holders.Except(pids).ToList();
        Assert.True(
            strangers.Count == 0 && pids.All(holders.Contains),
            $"{Resolve(path)} is held by [{string.Join(", ", holders)}], expected exactly [{string.Join(", ", pids)}]. Others: " +
            string.Join("; ", strangers.Select(p => $"{p}: {CommandLine(p)}")));
    }

    /// <summary>The final target of <paramref name="path"/>, a link or the device itself.</summary>
    private static string Resolve(string path)
    {
        var info = new FileInfo(path);
        return info.LinkTarget is null ? info.FullName : info.ResolveLinkTarget(returnFinalTarget: true)!.FullName;
    }

    private static List<int> Scan(Func<int, string, string, bool> match)
    {
        var pids = new List<int>();
        foreach (string dir in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(dir), NumberStyles.None, CultureInfo.InvariantCulture, out int pid))
            {
                continue;
            }

            try
            {
                foreach (string fd in Directory.EnumerateFileSystemEntries(Path.Combine(dir, "fd")))
                {
                    string? target = new FileInfo(fd).LinkTarget;
                    if (target is not null && match(pid, target, Path.GetFileName(fd)))
                    {
                        pids.Add(pid);
                        break;
                    }
                }
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                // The process exited (or closed the descriptor) while we looked.
            }
        }

        return pids;
    }

    /// <summary>The pty number a /dev/ptmx descriptor is the master of (its fdinfo's <c>tty-index</c>).</summary>
    private static string? TtyIndex(int pid, string fd)
    {
        foreach (string line in File.ReadLines($"/proc/{pid}/fdinfo/{fd}"))
        {
            if (line.StartsWith("tty-index:", StringComparison.Ordinal))
            {
                return line["tty-index:".Length..].Trim();
            }
        }

        return null;
    }

    private static string CommandLine(int pid)
    {
        try
        {
            return File.ReadAllText($"/proc/{pid}/cmdline").Replace('\0', ' ').Trim();
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return "(gone)";
        }
    }
}
