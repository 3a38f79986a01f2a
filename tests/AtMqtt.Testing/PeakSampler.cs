namespace AtMqtt.Testing;

/// <summary>
/// Samples a figure (a process's resident set: <see cref="LiveModem.Rss"/>) in the background and keeps the
/// highest value seen, from its start until <see cref="StopAsync"/>.
/// </summary>
public sealed class PeakSampler : IAsyncDisposable
{
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _loop;
    private long _peak;

    private PeakSampler(Func<long> sample, TimeSpan period)
    {
        _peak = sample();
        _loop = Task.Run(async () =>
        {
            while (!_stop.IsCancellationRequested)
            {
                Interlocked.Exchange(ref _peak, Math.Max(Interlocked.Read(ref _peak), sample()));
                try
                {
                    await Task.Delay(period, _stop.Token); // the sampling period
                }
                catch (OperationCanceledException)
                {
                }
            }
        });
    }

    /// <summary>The highest value so far.</summary>
    public long Peak => Interlocked.Read(ref _peak);

    /// <summary>Starts sampling <paramref name="sample"/> every <paramref name="period"/>.</summary>
    public static PeakSampler Start(Func<long> sample, TimeSpan period) => new(sample, period);

    /// <summary>Stops sampling and returns the highest value seen.</summary>
    public async Task<long> StopAsync()
    {
        await _stop.CancelAsync();
        await _loop;
        return Peak;
    }

    /// <summary>Stops sampling.</summary>
    public async ValueTask DisposeAsync()
    {
        await StopAsync();
        _stop.Dispose();
    }
}
