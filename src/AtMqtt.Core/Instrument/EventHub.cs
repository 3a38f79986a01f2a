using System.Threading.Channels;

namespace AtMqtt.Core.Instrument;

/// <summary>
/// A modem's events, fanned out to whoever watches (the control API's history and streams, a
/// scenario's triggers). Costs next to nothing while nobody watches (<see cref="HasWatchers"/>).
/// Each watcher has a bounded queue of its own; a watcher that does not keep up loses its oldest
/// events and never slows the modem.
/// </summary>
public sealed class EventHub
{
    /// <summary>Events a watcher may fall behind by before it loses the oldest.</summary>
    public const int WatcherCapacity = 10_000;

    private readonly TimeProvider _clock;
    private readonly Lock _gate = new();
    private Channel<ModemEvent>[] _watchers = [];
    private long _sequence;

    public EventHub(TimeProvider clock) => _clock = clock;

    /// <summary>True while at least one watcher is subscribed.</summary>
    public bool HasWatchers => Volatile.Read(ref _watchers).Length > 0;

    /// <summary>The sequence number of the last event published (0 before the first).</summary>
    public long LastSequence => Interlocked.Read(ref _sequence);

    /// <summary>
    /// Run on the publishing thread before any event that is not a <c>line</c>: a source that builds line
    /// events off the byte path (the program's control API) publishes the lines it has queued first, so
    /// that a line still comes before the state change, fault or finding that followed it on the channel.
    /// </summary>
    public Action? FlushLines { get; set; }

    /// <summary>
    /// Stamps the event with the next sequence number and the time (unless it has one: a line built off
    /// the byte path has the time its first byte passed), and hands it to every watcher.
    /// </summary>
    public void Publish(ModemEvent e)
    {
        if (e.Type != EventTypes.Line)
        {
            FlushLines?.Invoke();
        }

        // Under the lock so that every watcher sees events in sequence order.
        lock (_gate)
        {
            var stamped = e with { Sequence = ++_sequence, Time = e.Time == default ? _clock.GetUtcNow() : e.Time };
            foreach (var watcher in _watchers)
            {
                watcher.Writer.TryWrite(stamped);
            }
        }
    }

    /// <summary>
    /// A new watcher: it sees every event published after this call returns, and ends when
    /// <paramref name="cancellationToken"/> fires.
    /// </summary>
    public ChannelReader<ModemEvent> Watch(CancellationToken cancellationToken)
    {
        var channel = Channel.CreateBounded<ModemEvent>(new BoundedChannelOptions(WatcherCapacity)
        {
            FullMode = BoundedChannelFullMode.DropOldest,
            SingleReader = true,
            SingleWriter = true,
        });
        lock (_gate)
        {
            _watchers = [.. _watchers, channel];
        }

        cancellationToken.Register(() =>
        {
            lock (_gate)
            {
                _watchers = Array.FindAll(_watchers, w => w != channel);
            }

            channel.Writer.TryComplete();
        });
        return channel.Reader;
    }
}
