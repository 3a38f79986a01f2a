using System.Net.Sockets;
using AtMqtt.Cli.Channels;
using AtMqtt.Cli.Control;
using AtMqtt.Cli.Transcript;
using AtMqtt.Core;
using Microsoft.Extensions.Logging;

namespace AtMqtt.Cli.Fleets;

/// <summary>
/// The modems of one process (<c>--count N</c>, docs/fleet.md; one without it), each as independent as N
/// modules would be: its own <see cref="Modem"/> (state, links, queues), host channel, transcript, line
/// events and event history. The one list the control API and a metrics exporter enumerate; index i is
/// modem i of the channel templates (<c>{n}</c>, port PORT+i).
/// </summary>
internal sealed class Fleet : IAsyncDisposable
{
    /// <summary>The most modems one process is asked to run; the open-file limit usually says less (<see cref="FdBudget"/>).</summary>
    public const int MaxCount = 100_000;

    private readonly FleetModem[] _modems;

    public Fleet(FleetModem[] modems) => _modems = modems;

    /// <summary>Every modem, by index.</summary>
    public IReadOnlyList<FleetModem> Modems => _modems;

    public int Count => _modems.Length;

    /// <summary>Modem <paramref name="index"/>, or null when the fleet has no such modem.</summary>
    public FleetModem? Find(int index) => index >= 0 && index < _modems.Length ? _modems[index] : null;

    /// <summary>Stops every modem at once (a fleet's links close in parallel, not one after another).</summary>
    public async ValueTask DisposeAsync()
    {
        await Task.WhenAll(_modems.Select(m => m.DisposeAsync().AsTask())).ConfigureAwait(false);
    }
}

/// <summary>One modem of a <see cref="Fleet"/> and what belongs to it alone.</summary>
internal sealed class FleetModem : IAsyncDisposable
{
    public required int Index { get; init; }

    public required Modem Modem { get; init; }

    /// <summary>The modem's end of its host channel (transcript, line events, pacing).</summary>
    public required HostLine Line { get; init; }

    /// <summary>Its channel as the control API shows it.</summary>
    public required ChannelInfo Channel { get; init; }

    /// <summary>The loggers of this modem's parts (with <c>--count</c>: categories end in <c>[index]</c>).</summary>
    public required ILoggerFactory Loggers { get; init; }

    /// <summary>Its <c>--tcp</c> socket, listening already; null on the other channels.</summary>
    public Socket? Listener { get; init; }

    /// <summary>Its event history (<c>--control</c> only).</summary>
    public EventHistory? History { get; init; }

    /// <summary>Its line events (<c>--control</c> only).</summary>
    public LineEvents? LineEvents { get; init; }

    /// <summary>Its <c>--transcript</c> / <c>--monitor</c> recorder.</summary>
    public TrafficRecorder? Recorder { get; init; }

    public async ValueTask DisposeAsync()
    {
        // As for a single modem: the history and line events stop watching before the modem goes, the
        // transcript is closed after it (its last lines are the modem's).
        LineEvents?.Dispose();
        History?.Dispose();
        await Modem.DisposeAsync().ConfigureAwait(false);
        Recorder?.Dispose();

        // The channel closes it when it runs; this covers a program stopped before it did.
        Listener?.Dispose();
    }
}

/// <summary>
/// A fleet modem's loggers: the program's, with the modem's index after each category
/// (<c>AtMqtt.Link[3]</c>), so that N modems' log lines can be told apart.
/// </summary>
internal sealed class IndexedLoggerFactory(ILoggerFactory inner, int index) : ILoggerFactory
{
    public ILogger CreateLogger(string categoryName) =>
        inner.CreateLogger(string.Create(System.Globalization.CultureInfo.InvariantCulture, $"{categoryName}[{index}]"));

    public void AddProvider(ILoggerProvider provider) => inner.AddProvider(provider);

    public void Dispose()
    {
        // The program's factory is the program's to dispose.
    }
}
