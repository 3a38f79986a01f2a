using AtMqtt.Core.Instrument;
using AtMqtt.Core.Mqtt;
using Microsoft.Extensions.Logging;

namespace AtMqtt.Core;

/// <summary>The modem seen from a test instrument (the control API, scenarios): state, counters, events, the reset pin.</summary>
public sealed partial class Modem
{
    private static readonly TimeSpan AbandonedCommandWait = TimeSpan.FromSeconds(5);

    private readonly StateWatch _stateWatch;
    private readonly SemaphoreSlim _resetGate = new(1, 1);

    // Reset-pin pulls so far, and how many the read loop has dealt with (it owns the framer and the data phase).
    private int _resets;
    private int _seenResets;
    private TaskCompletionSource? _resetSeen;

    /// <summary>True while a <c>&gt;</c> data phase takes the host's bytes (read on the read loop's thread).</summary>
    public bool InDataPhase => _data is not null;

    /// <summary>Commands (by name too), errors, publishes, receives, reconnections and bytes since the modem was created.</summary>
    public CounterSet Counters { get; }

    /// <summary>True while a host is attached (<see cref="RunAsync"/> serves one).</summary>
    public bool HostAttached => Volatile.Read(ref _hostAttached) == 1;

    /// <summary>The modem's state now, for <c>GET /api/state</c>; no secret in it.</summary>
    public ModemState Snapshot()
    {
        var user = Link.User;
        var target = Link.Target;
        var connection = Link.Connection ?? ConnectionConfig.Default;
        bool joined = Device.WifiConnected;
        return new ModemState
        {
            Dialect = Dialect.Name,
            Profile = Profile.Name,
            Quirks = Quirks.Names(),
            HostAttached = HostAttached,
            Echo = Echo,
            Link = new LinkState(
                Link.PhaseName,
                user?.Scheme,
                target?.Host,
                target?.Port,
                target?.Reconnect,
                user?.ClientId,
                (int)connection.EffectiveKeepAlive.TotalSeconds,
                !connection.DisableCleanSession),
            Subscriptions = [.. Link.Subscriptions.Select(s => new SubscriptionState(s.Filter, s.Qos))],
            Links = [.. Links.Select(LinkView)],
            Inbound = new InboundState(Urcs.Qos0Waiting, Urcs.Qos0Limit, Urcs.Qos0Dropped, Urcs.Unacknowledged),
            Wifi = new WifiState(joined, joined ? Device.Station?.Ssid : null),
            UartBaud = Device.Baud,
            Counters = Counters.Read(),
            Faults = Faults.Active,
            Findings = Checks.Findings,
            Scenario = Scenario?.Progress,
        };
    }

    /// <summary>One link for the state's <c>links</c> array (link 0 is there too, as <c>link</c> and <c>subscriptions</c> show it).</summary>
    private static ClientState LinkView(MqttLink link)
    {
        var user = link.User;
        var target = link.Target;
        var connection = link.Connection ?? ConnectionConfig.Default;
        return new ClientState(
            link.Index,
            new LinkState(
                link.PhaseName,
                user?.Scheme,
                target?.Host,
                target?.Port,
                target?.Reconnect,
                user?.ClientId,
                (int)connection.EffectiveKeepAlive.TotalSeconds,
                !connection.DisableCleanSession),
            [.. link.Subscriptions.Select(s => new SubscriptionState(s.Filter, s.Qos))]);
    }

    /// <summary>
    /// The reset pin: the link is cut without DISCONNECT (the broker publishes the will), state is
    /// forgotten as after power-on, a command still running or a data phase under way is abandoned
    /// (its result never reaches the host), and the host (if one is attached) gets <c>ready</c>.
    /// Safe to call from any thread, at any time, with the read loop running.
    /// </summary>
    public async ValueTask ResetPinAsync()
    {
        await _resetGate.WaitAsync().ConfigureAwait(false);
        try
        {
            Events.Publish(new ModemEvent { Type = EventTypes.State, Name = StateNames.Reset, Value = "pin", Text = "reset pin pulled" });

            // A response begun before the pull is dropped, not finished after ready.
            Output.Abandon();

            // The read loop drops its partial line, its data phase and the bytes it has not read yet at
            // its next read; wake it for that.
            var seen = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            Volatile.Write(ref _resetSeen, seen);
            Interlocked.Increment(ref _resets);
            var input = Volatile.Read(ref _input);
            input?.CancelPendingRead();

            await CloseLinksAsync("the reset pin").ConfigureAwait(false);

            // A command waiting on the link ends at once now that it is gone; its result is dropped. Waited
            // for so that the host's first line after ready is not answered busy p...
            if (_pending is { IsCompleted: false } pending)
            {
                if (!await Within(pending, AbandonedCommandWait).ConfigureAwait(false))
                {
                    _log.LogWarning("Reset pin: the command under way has not ended after {Seconds} s", AbandonedCommandWait.TotalSeconds);
                }
            }

            // ready only once the loop has dropped what came before it: what the host sends after ready counts.
            if (input is not null && !await Within(seen.Task, AbandonedCommandWait).ConfigureAwait(false))
            {
                _log.LogWarning("Reset pin: the read loop has not caught up after {Seconds} s", AbandonedCommandWait.TotalSeconds);
            }

            Echo = true;
            SysLog = false;
            Device.Restart();
            Network.Restart();
            _log.LogInformation("Reset pin pulled: link cut, state forgotten");
            _stateWatch.Check(this);
            await Output.ReadyAfterResetAsync(ReadyLine.ToArray()).ConfigureAwait(false);
        }
        finally
        {
            _resetGate.Release();
        }
    }

    /// <summary>
    /// Publishes <c>state</c> events for whatever changed outside a command (a fault that drops the
    /// Wi-Fi, for instance); the modem calls it itself after each burst of commands.
    /// </summary>
    public void NoteStateChanges() => _stateWatch.Check(this);

    private StateWatch InstrumentLink()
    {
        foreach (var link in Links)
        {
            link.Events = Events;
            link.Counters = Counters;
        }

        return new StateWatch(Events, this);
    }

    private void HostChanged(bool attached) =>
        Events.Publish(new ModemEvent { Type = EventTypes.State, Name = StateNames.Host, Value = attached ? "attached" : "detached", Text = attached ? "host attached" : "host detached" });

    private static async Task<bool> Within(Task task, TimeSpan limit)
    {
        try
        {
            await task.WaitAsync(limit).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            return false;
        }
        catch (Exception)
        {
            // The abandoned command's own failure is no concern of the reset.
        }

        return true;
    }

    /// <summary>On the read loop: the reset pin was pulled since it last looked.</summary>
    private void AfterResetPin()
    {
        Volatile.Read(ref _resetSeen)?.TrySetResult();
        _seenResets = Volatile.Read(ref _resets);
        _framer.Reset();
        _batch.ResetWrittenCount();
        if (_data is { } data)
        {
            _data = null;
            data.Dispose();
        }
    }
}
