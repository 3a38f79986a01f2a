using AtMqtt.Core.Logging;
using Microsoft.Extensions.Time.Testing;
using Xunit;

namespace AtMqtt.Core.Tests.Logging;

/// <summary>The log rate limit, on a fake clock: what is logged, what is summed up, and that no occurrence goes unaccounted for.</summary>
public class LogThrottleTests
{
    private static readonly TimeSpan Interval = LogThrottle.DefaultInterval;

    private readonly FakeTimeProvider _time = new();
    private readonly List<long> _summaries = [];

    [Fact]
    public void The_first_occurrence_is_logged_the_rest_of_the_interval_summed_up_at_its_end()
    {
        using var throttle = Summarising();
        Assert.True(throttle.ShouldLog());
        for (int i = 0; i < 999; i++)
        {
            Assert.False(throttle.ShouldLog());
        }

        Assert.Empty(_summaries);
        Assert.Equal(999, throttle.Suppressed);
        _time.Advance(Interval - TimeSpan.FromMilliseconds(1));
        Assert.Empty(_summaries);
        _time.Advance(TimeSpan.FromMilliseconds(1));
        Assert.Equal([999], _summaries);
        Assert.Equal(0, throttle.Suppressed);
    }

    [Fact]
    public void A_sustained_flood_gets_one_line_per_interval_and_every_occurrence_is_counted()
    {
        using var throttle = Summarising();
        int logged = 0;
        int total = 0;

        // 100 occurrences a second for a minute, then silence.
        for (int ms = 0; ms < 60_000; ms += 10)
        {
            total++;
            logged += throttle.ShouldLog() ? 1 : 0;
            _time.Advance(TimeSpan.FromMilliseconds(10));
        }

        _time.Advance(Interval);
        Assert.Equal(1, logged);
        Assert.Equal(12, _summaries.Count);
        Assert.Equal(total, logged + _summaries.Sum());

        // Quiet for a whole interval: no more summaries, and the next occurrence is logged at once.
        _time.Advance(Interval * 3);
        Assert.Equal(12, _summaries.Count);
        Assert.True(throttle.ShouldLog());
    }

    [Fact]
    public void Occurrences_an_interval_apart_are_all_logged_and_never_summed_up()
    {
        using var throttle = Summarising();
        for (int i = 0; i < 10; i++)
        {
            Assert.True(throttle.ShouldLog());
            _time.Advance(Interval);
        }

        Assert.Empty(_summaries);
    }

    [Fact]
    public void A_burst_is_logged_one_by_one_then_the_rest_is_summed_up_and_the_summary_takes_the_next_window()
    {
        using var throttle = new LogThrottle(_time, Interval, burst: 3, summary: _summaries.Add);
        Assert.Equal([true, true, true, false, false], Enumerable.Range(0, 5).Select(_ => throttle.ShouldLog()));
        _time.Advance(Interval);
        Assert.Equal([2], _summaries);

        // Right after a summary the flood goes on: counted, not logged, summed up an interval later.
        Assert.False(throttle.ShouldLog());
        _time.Advance(Interval);
        Assert.Equal([2, 1], _summaries);

        // After a quiet window the burst is whole again.
        _time.Advance(Interval);
        Assert.Equal([true, true, true, false], Enumerable.Range(0, 4).Select(_ => throttle.ShouldLog()));
    }

    [Fact]
    public void Without_a_summary_the_count_comes_with_the_next_line()
    {
        var throttle = new LogThrottle(_time, Interval);
        Assert.True(throttle.ShouldLog(out long suppressed));
        Assert.Equal(0, suppressed);
        for (int i = 0; i < 41; i++)
        {
            Assert.False(throttle.ShouldLog(out suppressed));
        }

        _time.Advance(Interval * 10);
        Assert.True(throttle.ShouldLog(out suppressed));
        Assert.Equal(41, suppressed);
        Assert.Equal(" (41 more publish warnings not logged)", LogThrottle.Note(suppressed, "publish warnings"));
        Assert.Equal("", LogThrottle.Note(0, "publish warnings"));
    }

    [Fact]
    public async Task Many_threads_at_once_log_one_line_and_the_summary_counts_the_rest()
    {
        using var throttle = Summarising();
        int logged = 0;
        await Task.WhenAll(Enumerable.Range(0, 8).Select(_ => Task.Run(() =>
        {
            for (int i = 0; i < 10_000; i++)
            {
                if (throttle.ShouldLog())
                {
                    Interlocked.Increment(ref logged);
                }
            }
        })));

        Assert.Equal(1, logged);
        _time.Advance(Interval);
        Assert.Equal([79_999], _summaries);
    }

    [Fact]
    public void After_dispose_no_summary_comes()
    {
        var throttle = Summarising();
        throttle.ShouldLog();
        throttle.ShouldLog();
        throttle.Dispose();
        _time.Advance(Interval * 2);
        Assert.Empty(_summaries);
    }

    [Fact]
    public void The_summary_line_names_the_kind_and_the_count()
    {
        var log = new LogCapture();
        using var throttle = LogThrottle.Summarising(log.CreateLogger("test"), Microsoft.Extensions.Logging.LogLevel.Warning, "Line longer than 256 bytes discarded", _time);
        throttle.ShouldLog();
        throttle.ShouldLog();
        throttle.ShouldLog();
        _time.Advance(Interval);
        Assert.Equal(["Warning test: Line longer than 256 bytes discarded: 2 more since the last such line"], log.Lines);
    }

    private LogThrottle Summarising() => new(_time, Interval, summary: _summaries.Add);
}
