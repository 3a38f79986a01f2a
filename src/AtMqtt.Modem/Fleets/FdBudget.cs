using System.Globalization;
using AtMqtt.Cli.Channels;

namespace AtMqtt.Cli.Fleets;

/// <summary>
/// What <c>--count N</c> costs in open files, against the process's limit (RLIMIT_NOFILE), checked before
/// anything starts: a fleet that would run out of descriptors half-way fails at its first connections
/// instead, far from the cause. The figures are measured (docs/fleet.md), not guessed.
/// </summary>
internal static class FdBudget
{
    /// <summary>
    /// Descriptors the program opens after the check whatever N is: the control API's listener and its
    /// clients (a browser keeps a few), the embedded broker's two listeners, the runtime's own (epoll, an
    /// eventfd, timers), room for name lookups and a few hosts at once in the TCP channel's hand-over. Measured:
    /// a started program with --control, --embedded-broker and one modem has 34 open (docs/fleet.md); this leaves
    /// headroom over what is open at the check.
    /// </summary>
    public const int Reserve = 128;

    /// <summary>The soft open-file limit (what the kernel enforces); null where it is unknown or unlimited.</summary>
    public static long? Limit()
    {
        if (!OperatingSystem.IsLinux() || Libc.GetRLimit(Libc.RLimitNoFile, out var limit) != 0 || limit.Current > int.MaxValue)
        {
            return null;
        }

        return (long)limit.Current;
    }

    /// <summary>Descriptors open now (Linux: /proc/self/fd); 0 where that cannot be read.</summary>
    public static int OpenNow()
    {
        try
        {
            return Directory.GetFileSystemEntries("/proc/self/fd").Length;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return 0;
        }
    }

    /// <summary>
    /// One modem's descriptors: its channel (a pty's master; a TCP port's listener and its host's connection), its
    /// transcript file, one MQTT connection (a modem with several links open costs one more per link), and the
    /// embedded broker's end of that connection when the broker is in this process.
    /// </summary>
    public static int PerModem(bool tcp, bool transcript, bool embeddedBroker) =>
        (tcp ? 2 : 1) + (transcript ? 1 : 0) + 1 + (embeddedBroker ? 1 : 0);

    /// <summary>What the per-modem figure is made of, for the error.</summary>
    public static string Explain(bool tcp, bool transcript, bool embeddedBroker)
    {
        var parts = new List<string> { tcp ? "a listening socket and its host's connection" : "a pty", "a broker connection" };
        if (transcript)
        {
            parts.Insert(1, "a transcript file");
        }

        if (embeddedBroker)
        {
            parts.Add("the embedded broker's end of it");
        }

        return string.Join(", ", parts);
    }

    /// <summary>
    /// Null when <paramref name="count"/> modems fit under <paramref name="limit"/> with <paramref name="openNow"/>
    /// descriptors already open; otherwise the error, naming the largest count that fits.
    /// </summary>
    public static string? Check(int count, long limit, int openNow, bool tcp, bool transcript, bool embeddedBroker)
    {
        int each = PerModem(tcp, transcript, embeddedBroker);
        long fixedCost = openNow + Reserve;
        long needed = fixedCost + ((long)count * each);
        if (needed <= limit)
        {
            return null;
        }

        long largest = Math.Max(0, (limit - fixedCost) / each);
        var c = CultureInfo.InvariantCulture;
        return string.Create(c, $"--count {count}: the open-file limit is {limit} (ulimit -n) and {count} modems need about {needed} ({each} each: {Explain(tcp, transcript, embeddedBroker)}; {fixedCost} for the program). ")
            + (largest > 0
                ? string.Create(c, $"This limit serves at most --count {largest}; raise it (ulimit -n, prlimit, systemd's LimitNOFILE=) for more.")
                : "This limit serves no modem; raise it (ulimit -n, prlimit, systemd's LimitNOFILE=).");
    }
}
