using System.Collections.Concurrent;
using AtMqtt.Client;

namespace AtMqtt.Testing;

/// <summary>Records an <see cref="AtMqttClient"/>'s events in order, as text, and waits for them.</summary>
public sealed class ClientEventLog
{
    /// <summary>How long a wait lasts unless told: generous, for a loaded two-core machine.</summary>
    public static readonly TimeSpan DefaultTimeout = TimeSpan.FromSeconds(15);

    private readonly ConcurrentQueue<string> _events = new();
    private readonly SemaphoreSlim _signal = new(0);

    /// <summary>
    /// Subscribes to <paramref name="client"/>'s events: <c>connected HOST:PORT</c>, <c>disconnected REASON</c>,
    /// <c>restarted</c>, <c>line TEXT</c> (an unsolicited line).
    /// </summary>
    public ClientEventLog(AtMqttClient client)
    {
        client.Connected += (_, e) => Add($"connected {e.Connection.Host}:{e.Connection.Port}");
        client.Disconnected += (_, e) => Add($"disconnected {e.Reason}");
        client.ModuleRestarted += (_, _) => Add("restarted");
        client.UnsolicitedLine += (_, e) => Add($"line {e.Line}");
    }

    /// <summary>Every event so far, in order.</summary>
    public IReadOnlyList<string> All => [.. _events];

    /// <summary>How many events so far start with <paramref name="prefix"/>.</summary>
    public int Count(string prefix) => _events.Count(e => e.StartsWith(prefix, StringComparison.Ordinal));

    /// <summary>Waits until an event starting with <paramref name="prefix"/> has been raised.</summary>
    public Task WaitForAsync(string prefix, TimeSpan? timeout = null) => WaitForAsync(prefix, 1, timeout);

    /// <summary>Waits until <paramref name="count"/> events starting with <paramref name="prefix"/> have been raised.</summary>
    public async Task WaitForAsync(string prefix, int count, TimeSpan? timeout = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? DefaultTimeout);
        while (Count(prefix) < count)
        {
            var left = deadline - DateTime.UtcNow;
            if (left <= TimeSpan.Zero || !await _signal.WaitAsync(left))
            {
                throw new TimeoutException($"{Count(prefix)} of {count} events '{prefix}'. Events: {string.Join(" | ", _events)}");
            }
        }
    }

    private void Add(string e)
    {
        _events.Enqueue(e);
        _signal.Release();
    }
}
