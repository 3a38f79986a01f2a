using System.Diagnostics;
using Xunit.Sdk;

namespace AtMqtt.Testing;

/// <summary>
/// Waiting for a state that raises no event of its own (a counter inside the modem, a kernel queue, a file):
/// checked every few milliseconds, with a generous limit. The period bounds only how late the change is
/// seen; the limit is what fails the test.
/// </summary>
public static class Poll
{
    /// <summary>How long a wait lasts unless told: generous, for a loaded two-core machine.</summary>
    public static readonly TimeSpan DefaultTimeout = TimeSpan.FromSeconds(15);

    /// <summary>Waits until <paramref name="condition"/> holds; fails with <paramref name="what"/> (and the time waited) otherwise.</summary>
    public static Task UntilAsync(Func<bool> condition, string what, TimeSpan? timeout = null) => UntilAsync(condition, () => what, timeout);

    /// <summary>Waits until <paramref name="condition"/> holds; the message is made only on failure.</summary>
    public static async Task UntilAsync(Func<bool> condition, Func<string> what, TimeSpan? timeout = null)
    {
        var limit = timeout ?? DefaultTimeout;
        var watch = Stopwatch.StartNew();
        while (!condition())
        {
            if (watch.Elapsed > limit)
            {
                throw new XunitException($"Not within {limit.TotalSeconds:0.#} s: {what()}");
            }

            await Task.Delay(10);
        }
    }
}
