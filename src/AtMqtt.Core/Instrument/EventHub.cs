using System.Threading.Channels;

namespace AtMqtt.Core.Instrument;

/// <summary>
/// A modem's events, fanned out to whoever watches (the control API's SSE stream, a scenario's
/// triggers). Costs next to nothing while nobody watches: <see cref="HasWatchers"/> lets the byte
/// path skip building line events. Each watcher has a bounded queue of its own; a watcher that does
/// not keep up loses the oldest events, never slows the modem.
/// </summary>
public sealed class EventHub
{
    public EventHub(TimeProvider clock)
    {
    }

    /// <summary>True while at least one watcher is subscribed.</summary>
    public bool HasWatchers => throw new NotImplementedException();

    /// <summary>Stamps the event with the next sequence number and the time, and hands it to every watcher.</summary>
    public void Publish(ModemEvent e) => throw new NotImplementedException();

    /// <summary>A new watcher; ends when <paramref name="cancellationToken"/> fires.</summary>
    public ChannelReader<ModemEvent> Watch(CancellationToken cancellationToken) => throw new NotImplementedException();
}
