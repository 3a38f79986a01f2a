using System.Threading.Channels;
using AtMqtt.Core.Instrument;

namespace AtMqtt.Cli.Control;

/// <summary>
/// The control API's memory of what happened: the last <see cref="Capacity"/> events of the modem from
/// the program's start, so that a page or a harness that comes mid-session sees what went before
/// (<c>GET /api/events?since=N</c>, <c>Last-Event-ID</c>, <c>GET /api/transcript</c>), and the fan-out
/// to the event streams.
/// </summary>
/// <remarks>
/// One watcher of the <see cref="EventHub"/> feeds it. Each event is added to the ring and handed to the
/// streams under one lock, and a stream is registered under that lock with a copy of the ring: so a
/// stream that asks for the events after N gets each later event exactly once, the retained ones as a
/// replay and the rest live, with no gap and no duplicate at the seam.
/// </remarks>
internal sealed class EventHistory : IDisposable
{
    /// <summary>Events kept (lines, state changes, faults, findings, scenario steps alike).</summary>
    public const int Capacity = 10_000;

    private readonly Lock _gate = new();
    private readonly ModemEvent[] _ring;
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _pump;
    private Listener[] _streams = [];
    private int _start;
    private int _count;

    public EventHistory(EventHub hub, int capacity = Capacity)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(capacity, 1);
        _ring = new ModemEvent[capacity];

        // Watching from here on: everything the modem publishes later is kept.
        var events = hub.Watch(_stop.Token);
        _pump = Task.Run(() => PumpAsync(events));
    }

    /// <summary>A stream of events: the retained ones asked for, then every later one.</summary>
    /// <param name="Replay">The retained events after the sequence number asked for, oldest first.</param>
    /// <param name="Live">Every event after those, as it comes; ends when the subscription's token fires.</param>
    /// <param name="FirstRetained">The sequence number of the oldest event kept; 0 when none is.</param>
    public sealed record Subscription(IReadOnlyList<ModemEvent> Replay, ChannelReader<ModemEvent> Live, long FirstRetained);

    /// <summary>
    /// A new stream: with <paramref name="after"/>, the retained events whose sequence number is greater,
    /// then the live ones; without, the live ones only (from this call on).
    /// </summary>
    public Subscription Subscribe(long? after, CancellationToken cancellationToken)
    {
        var channel = Channel.CreateBounded<ModemEvent>(new BoundedChannelOptions(EventHub.WatcherCapacity)
        {
            // A stream that does not keep up loses its oldest events; the modem never waits for it.
            FullMode = BoundedChannelFullMode.DropOldest,
            SingleReader = true,
            SingleWriter = true,
        });
        Subscription subscription;
        var stream = new Listener(channel, after ?? 0);
        lock (_gate)
        {
            var replay = after is long sequence ? After(sequence) : [];
            _streams = [.. _streams, stream];
            subscription = new Subscription(replay, channel.Reader, _count == 0 ? 0 : _ring[_start].Sequence);
        }

        cancellationToken.Register(() =>
        {
            lock (_gate)
            {
                _streams = Array.FindAll(_streams, s => s != stream);
            }

            channel.Writer.TryComplete();
        });
        return subscription;
    }

    /// <summary>The retained events, oldest first.</summary>
    public IReadOnlyList<ModemEvent> Snapshot()
    {
        lock (_gate)
        {
            return After(0);
        }
    }

    public void Dispose()
    {
        _stop.Cancel();
        try
        {
            _pump.Wait(TimeSpan.FromSeconds(2));
        }
        catch (AggregateException)
        {
        }

        lock (_gate)
        {
            foreach (var stream in _streams)
            {
                stream.Channel.Writer.TryComplete();
            }
        }

        _stop.Dispose();
    }

    private async Task PumpAsync(ChannelReader<ModemEvent> events)
    {
        while (await events.WaitToReadAsync().ConfigureAwait(false))
        {
            lock (_gate)
            {
                // A bounded batch per lock: a stream that subscribes meanwhile waits at most that long.
                for (int n = 0; n < 256 && events.TryRead(out var e); n++)
                {
                    Add(e);
                    foreach (var stream in _streams)
                    {
                        // Not what it asked to start after (a number from the hub, ahead of this ring).
                        if (e.Sequence > stream.After)
                        {
                            stream.Channel.Writer.TryWrite(e);
                        }
                    }
                }
            }
        }
    }

    /// <summary>A subscribed stream, and the sequence number it asked to start after (0: any).</summary>
    private sealed record Listener(Channel<ModemEvent> Channel, long After);

    private void Add(ModemEvent e)
    {
        if (_count < _ring.Length)
        {
            _ring[(_start + _count++) % _ring.Length] = e;
            return;
        }

        _ring[_start] = e;
        _start = (_start + 1) % _ring.Length;
    }

    /// <summary>Under the lock: the retained events with a sequence number above <paramref name="sequence"/>.</summary>
    private ModemEvent[] After(long sequence)
    {
        // The ring is in sequence order: find the first one after, from the newest end (a reconnect asks for the last few).
        int skip = _count;
        while (skip > 0 && _ring[(_start + skip - 1) % _ring.Length].Sequence > sequence)
        {
            skip--;
        }

        var result = new ModemEvent[_count - skip];
        for (int i = 0; i < result.Length; i++)
        {
            result[i] = _ring[(_start + skip + i) % _ring.Length];
        }

        return result;
    }
}
