using System.Collections.Concurrent;

namespace AtMqtt.Client.Tests.Harness;

/// <summary>Records a client's events in order, and waits for them.</summary>
public sealed class EventLog
{
    private readonly ConcurrentQueue<string> _events = new();
    private readonly SemaphoreSlim _signal = new(0);

    public EventLog(AtMqttClient client)
    {
        client.Connected += (_, e) => Add($"connected {e.Connection.Host}:{e.Connection.Port}");
        client.Disconnected += (_, e) => Add($"disconnected {e.Reason}");
        client.ModuleRestarted += (_, _) => Add("restarted");
        client.UnsolicitedLine += (_, e) => Add($"line {e.Line}");
    }

    public IReadOnlyList<string> All => [.. _events];

    public async Task WaitForAsync(string prefix, TimeSpan? timeout = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(15));
        while (!_events.Any(e => e.StartsWith(prefix, StringComparison.Ordinal)))
        {
            var left = deadline - DateTime.UtcNow;
            if (left <= TimeSpan.Zero || !await _signal.WaitAsync(left))
            {
                throw new TimeoutException($"No event '{prefix}'. Events: {string.Join(" | ", _events)}");
            }
        }
    }

    private void Add(string e)
    {
        _events.Enqueue(e);
        _signal.Release();
    }
}
