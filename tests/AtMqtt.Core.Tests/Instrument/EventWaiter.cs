using System.Threading.Channels;
using AtMqtt.Core.Instrument;

namespace AtMqtt.Core.Tests.Instrument;

/// <summary>A watcher of a modem's events that a test waits on, with a generous limit.</summary>
internal sealed class EventWaiter : IDisposable
{
    private readonly CancellationTokenSource _cts = new();
    private readonly ChannelReader<ModemEvent> _reader;
    private readonly List<ModemEvent> _seen = [];

    public EventWaiter(EventHub hub) => _reader = hub.Watch(_cts.Token);

    /// <summary>Every event read so far.</summary>
    public IReadOnlyList<ModemEvent> Seen => _seen;

    /// <summary>The next event (after those already read) that matches; fails after 15 s.</summary>
    public async Task<ModemEvent> NextAsync(Func<ModemEvent, bool> match, string what)
    {
        using var timeout = new CancellationTokenSource(InMemoryModem.Timeout);
        try
        {
            while (true)
            {
                var e = await _reader.ReadAsync(timeout.Token);
                _seen.Add(e);
                if (match(e))
                {
                    return e;
                }
            }
        }
        catch (OperationCanceledException)
        {
            throw new Xunit.Sdk.XunitException($"no event {what} within {InMemoryModem.Timeout.TotalSeconds} s; saw: {string.Join("; ", _seen.Select(e => $"{e.Type} {e.Name}={e.Value}"))}");
        }
    }

    /// <summary>The next state event of <paramref name="name"/> with <paramref name="value"/>.</summary>
    public Task<ModemEvent> StateAsync(string name, string value) =>
        NextAsync(e => e.Type == EventTypes.State && e.Name == name && e.Value == value, $"state {name}={value}");

    public void Dispose()
    {
        _cts.Cancel();
        _cts.Dispose();
    }
}
