using Microsoft.Extensions.Logging;

namespace AtMqtt.Core.Logging;

/// <summary>
/// Rate limit for one kind of log line that a peer can cause as often as it likes (a dropped QoS 0
/// message, an over-long line, a refused command): a flood must not fill the disk. The first
/// <c>burst</c> occurrences of an interval are logged; the rest are counted, and the count is
/// reported once the interval is over, so the log stays at a few lines per interval per kind
/// whatever the peer does, and no occurrence goes unaccounted for.
/// </summary>
/// <remarks>
/// Two ways to report the count. With a <c>summary</c> callback the throttle calls it with the count
/// at the end of the interval (on a timer of <see cref="TimeProvider"/>, so also after the flood has
/// stopped), and <see cref="ShouldLog()"/> never hands a count back. Without one, the count is handed
/// to the caller with the next occurrence that may be logged (<see cref="ShouldLog(out long)"/>), for
/// the caller to add to that line. Thread-safe; the state is per instance.
/// </remarks>
public sealed class LogThrottle : IDisposable
{
    /// <summary>A few seconds: long enough to bound a flood, short enough to follow one as it happens.</summary>
    public static readonly TimeSpan DefaultInterval = TimeSpan.FromSeconds(5);

    private readonly TimeProvider _time;
    private readonly long _intervalTicks;
    private readonly int _burst;
    private readonly Action<long>? _summary;

    // Summarising's line, kept as fields rather than a closure: a modem holds a score of throttles,
    // and a fleet thousands of modems (docs/performance.md, memory per modem).
    private readonly ILogger? _summaryLog;
    private readonly LogLevel _summaryLevel;
    private readonly string? _summaryWhat;
    private ITimer? _timer;
    private bool _armed;
    private bool _disposed;
    private bool _open;
    private long _windowEnd;
    private int _logged;
    private long _suppressed;

    /// <param name="time">The clock (a fake one in tests).</param>
    /// <param name="interval">The window: at most <paramref name="burst"/> lines (and one summary) per window.</param>
    /// <param name="burst">Occurrences logged one by one per window before the rest are counted.</param>
    /// <param name="summary">Called with the count of occurrences not logged, at the end of their window; null: the count comes with the next <see cref="ShouldLog(out long)"/> that says log.</param>
    public LogThrottle(TimeProvider time, TimeSpan interval, int burst = 1, Action<long>? summary = null)
    {
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(interval, TimeSpan.Zero);
        ArgumentOutOfRangeException.ThrowIfLessThan(burst, 1);
        _time = time;
        _intervalTicks = Math.Max(1, (long)(interval.TotalSeconds * time.TimestampFrequency));
        _burst = burst;
        _summary = summary;
    }

    /// <summary>
    /// A throttle whose summary is one line at <paramref name="level"/>:
    /// <c>{what}: {count} more since the last such line</c>.
    /// </summary>
    public static LogThrottle Summarising(ILogger log, LogLevel level, string what, TimeProvider time, int burst = 1) =>
        new(time, DefaultInterval, burst, log, level, what);

    private LogThrottle(TimeProvider time, TimeSpan interval, int burst, ILogger log, LogLevel level, string what)
        : this(time, interval, burst)
    {
        _summaryLog = log;
        _summaryLevel = level;
        _summaryWhat = what;
    }

    private bool HasSummary => _summary is not null || _summaryLog is not null;

    private void Summarise(long count)
    {
        if (_summaryLog is { } log)
        {
            log.Log(_summaryLevel, "{What}: {Count} more since the last such line", _summaryWhat, count);
        }
        else
        {
            _summary!(count);
        }
    }

    /// <summary>
    /// For the line that carries the count of a throttle without summary: empty, or
    /// <c> (N more {what} not logged)</c>.
    /// </summary>
    public static string Note(long suppressed, string what) => suppressed == 0 ? "" : $" ({suppressed} more {what} not logged)";

    /// <summary>Occurrences counted and not yet reported.</summary>
    public long Suppressed
    {
        get
        {
            lock (this)
            {
                return _suppressed;
            }
        }
    }

    /// <summary>One occurrence: true when it is to be logged now.</summary>
    public bool ShouldLog() => ShouldLog(out _);

    /// <summary>
    /// One occurrence: true when it is to be logged now, with <paramref name="suppressed"/> the
    /// occurrences not logged since the last line (always 0 with a summary callback, which reports them).
    /// </summary>
    public bool ShouldLog(out long suppressed)
    {
        suppressed = 0;
        long summary = 0;
        bool log;
        lock (this)
        {
            long now = _time.GetTimestamp();
            if (_open && now < _windowEnd)
            {
                log = _logged < _burst;
                if (log)
                {
                    _logged++;
                }
                else
                {
                    _suppressed++;
                    Arm(now);
                }
            }
            else if (HasSummary && _suppressed > 0)
            {
                // The timer is late: this occurrence joins the summary it would have written.
                summary = _suppressed + 1;
                _suppressed = 0;
                Open(now, _burst);
                log = false;
            }
            else
            {
                suppressed = _suppressed;
                _suppressed = 0;
                Open(now, 1);
                log = true;
            }
        }

        if (summary > 0)
        {
            Summarise(summary);
        }

        return log;
    }

    public void Dispose()
    {
        lock (this)
        {
            _disposed = true;
            _timer?.Dispose();
            _timer = null;
        }
    }

    private void Open(long now, int logged)
    {
        _open = true;
        _windowEnd = now + _intervalTicks;

        // A summary takes the whole window: a flood gets one line per interval.
        _logged = logged;
    }

    private void Arm(long now)
    {
        if (!HasSummary || _armed || _disposed)
        {
            return;
        }

        var due = TimeSpan.FromSeconds(Math.Max(0, _windowEnd - now) / (double)_time.TimestampFrequency);
        _armed = true;
        if (_timer is null)
        {
            _timer = _time.CreateTimer(static state => ((LogThrottle)state!).OnTimer(), this, due, Timeout.InfiniteTimeSpan);
        }
        else
        {
            _timer.Change(due, Timeout.InfiniteTimeSpan);
        }
    }

    private void OnTimer()
    {
        long count;
        lock (this)
        {
            _armed = false;
            if (_disposed || _suppressed == 0)
            {
                return;
            }

            long now = _time.GetTimestamp();
            if (now < _windowEnd)
            {
                // Woken early, or a new window began meanwhile.
                Arm(now);
                return;
            }

            count = _suppressed;
            _suppressed = 0;
            Open(now, _burst);
        }

        try
        {
            Summarise(count);
        }
        catch (ObjectDisposedException)
        {
            // The logger went first, at shutdown: nobody is left to tell (and a timer must not throw).
        }
    }
}
