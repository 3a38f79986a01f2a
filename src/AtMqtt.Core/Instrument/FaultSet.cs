using System.Globalization;

namespace AtMqtt.Core.Instrument;

/// <summary>
/// The faults active on one modem. The engine's hooks (read loop, output, link, transport) ask it
/// what to do; the control API and scenarios start and end faults through it. Thread-safe.
/// </summary>
/// <remarks>
/// At most one fault of each kind is active at a time, except <c>error</c> (one per command name):
/// two Wi-Fi drops at once mean nothing a real network could show. Hooks on the byte path read
/// <see cref="Any"/> first, one volatile read, so that they cost nothing while no fault is active.
/// </remarks>
public sealed class FaultSet
{
    private readonly TimeProvider _clock;
    private readonly EventHub _events;
    private readonly Lock _gate = new();

    // A fault's end effect never runs before, or at the same time as, its start effect (wifi-drop's
    // WIFI CONNECTED after its WIFI DISCONNECT), however close together Start and End are called.
    private readonly Lock _effects = new();
    private Fault[] _active = [];
    private int _lastId;

    public FaultSet(TimeProvider clock, EventHub events)
    {
        _clock = clock;
        _events = events;
    }

    /// <summary>What the faults do to the modem (set by the modem; none: bookkeeping only).</summary>
    internal IFaultEffects? Effects { get; set; }

    /// <summary>The modem's profile and the commands it answers, which an error fault must name (set by the modem; none: any profile's).</summary>
    internal (string Profile, IReadOnlyList<string> Commands)? ModemCommands { get; set; }

    /// <summary>A fault started (raised after its effects began, on the thread that started it).</summary>
    public event Action<ActiveFault>? FaultStarted;

    /// <summary>A fault ended (raised after its effects ended; on a timer's thread for a timed one).</summary>
    public event Action<ActiveFault>? FaultEnded;

    /// <summary>The fault kinds this modem takes: a Wi-Fi profile's (no mobile network), a cellular one's (no wifi-drop).</summary>
    public IReadOnlyList<string> Kinds => FaultValidation.Kinds(ModemCommands);

    /// <summary>slow-host-link's rate while it is active: the program paces the host channel at it.</summary>
    public int? HostBaudOverride => Find(FaultKinds.SlowHostLink)?.Spec.Baud;

    /// <summary>True while any fault is active: the hooks' fast check.</summary>
    public bool Any => Volatile.Read(ref _active).Length > 0;

    /// <summary>Validates <paramref name="spec"/> (throws <see cref="FaultSpecException"/>, starting nothing) and starts it.</summary>
    public ActiveFault Start(FaultSpec spec)
    {
        ArgumentNullException.ThrowIfNull(spec);
        var normalized = FaultValidation.Validate(spec, ModemCommands);
        Fault fault;
        lock (_gate)
        {
            foreach (var other in _active)
            {
                if (other.Kind == normalized.Kind && (other.Kind != FaultKinds.Error || string.Equals(other.Spec.Command, normalized.Command, StringComparison.Ordinal)))
                {
                    throw new FaultSpecException(
                        other.Kind == FaultKinds.Error
                            ? $"command: an error fault for {normalized.Command} is already active ({other.Id}); end it first"
                            : $"kind: a {other.Kind} fault is already active ({other.Id}); end it first");
                }
            }

            var now = _clock.GetUtcNow();
            var duration = FaultValidation.Duration(normalized);
            var id = "f" + (++_lastId).ToString(CultureInfo.InvariantCulture);
            fault = new Fault(id, normalized, now, duration is { } d ? now + d : null);
            if (fault.Kind == FaultKinds.UartNoise)
            {
                fault.State = new UartNoise(normalized);
            }

            _active = [.. _active, fault];
            if (duration is { } due)
            {
                fault.Timer = _clock.CreateTimer(static state => ((Fault)state!).Owner!.Expire((Fault)state), fault, due, Timeout.InfiniteTimeSpan);
            }

            fault.Owner = this;
        }

        _events.Publish(new ModemEvent { Type = EventTypes.Fault, Name = fault.Kind, Value = "started", Id = fault.Id, Text = FaultValidation.Describe(fault.Spec) });
        lock (_effects)
        {
            if (!fault.Ended)
            {
                fault.EffectStarted = true;
                Effects?.Started(fault);
            }
        }

        var active = fault.ToActive();
        FaultStarted?.Invoke(active);
        return active;
    }

    public IReadOnlyList<ActiveFault> Active => Array.ConvertAll(Volatile.Read(ref _active), f => f.ToActive());

    /// <summary>Ends one fault; false if no active fault has that id.</summary>
    public bool End(string id)
    {
        var fault = Array.Find(Volatile.Read(ref _active), f => f.Id == id);
        return fault is not null && Finish(fault);
    }

    /// <summary>Ends every active fault; returns how many.</summary>
    public int EndAll()
    {
        int n = 0;
        foreach (var fault in Volatile.Read(ref _active))
        {
            if (Finish(fault))
            {
                n++;
            }
        }

        return n;
    }

    /// <summary>The active fault of <paramref name="kind"/>, if any (the first, for <c>error</c>).</summary>
    internal Fault? Find(string kind)
    {
        var active = Volatile.Read(ref _active);
        if (active.Length == 0)
        {
            return null;
        }

        foreach (var fault in active)
        {
            if (ReferenceEquals(fault.Kind, kind))
            {
                return fault;
            }
        }

        return null;
    }

    /// <summary>uart-noise's bytes for one direction, if it is active and covers that direction.</summary>
    internal UartNoise.Stream? Noise(bool toHost) =>
        Find(FaultKinds.UartNoise)?.State is UartNoise noise ? (toHost ? noise.ToHost : noise.ToModem) : null;

    /// <summary>The active error fault for the command named <paramref name="command"/>, if any.</summary>
    internal Fault? FindError(string command)
    {
        foreach (var fault in Volatile.Read(ref _active))
        {
            if (ReferenceEquals(fault.Kind, FaultKinds.Error) && string.Equals(fault.Spec.Command, command, StringComparison.Ordinal))
            {
                return fault;
            }
        }

        return null;
    }

    /// <summary>
    /// Uses one of a counted fault's occurrences (publish-fail, error, urc-in-prompt): false if it has
    /// none left (another thread took the last). The fault ends with its last occurrence.
    /// </summary>
    internal bool TryConsume(Fault fault)
    {
        int left;
        lock (_gate)
        {
            if (fault.Remaining <= 0)
            {
                return false;
            }

            left = --fault.Remaining;
        }

        if (left == 0)
        {
            Finish(fault);
        }

        return true;
    }

    private void Expire(Fault fault) => Finish(fault);

    private bool Finish(Fault fault)
    {
        lock (_gate)
        {
            if (fault.Ended)
            {
                return false;
            }

            fault.Ended = true;
            _active = Array.FindAll(_active, f => f != fault);
        }

        fault.Timer?.Dispose();
        fault.Over.TrySetResult();
        _events.Publish(new ModemEvent { Type = EventTypes.Fault, Name = fault.Kind, Value = "ended", Id = fault.Id, Text = FaultValidation.Describe(fault.Spec) });
        lock (_effects)
        {
            if (fault.EffectStarted)
            {
                Effects?.Ended(fault);
            }
        }

        FaultEnded?.Invoke(fault.ToActive());
        return true;
    }
}

/// <summary>What a fault does while it is active, for <see cref="FaultSet"/> to call.</summary>
internal interface IFaultEffects
{
    /// <summary>Called once the fault is in <see cref="FaultSet.Active"/> and its start event is published.</summary>
    void Started(Fault fault);

    /// <summary>Called once the fault has left <see cref="FaultSet.Active"/> and its end event is published.</summary>
    void Ended(Fault fault);
}

/// <summary>One active fault, with what its hooks need.</summary>
internal sealed class Fault(string id, FaultSpec spec, DateTimeOffset started, DateTimeOffset? ends)
{
    public string Id { get; } = id;

    /// <summary>Validated, with defaults filled in (uart-noise's seed, error's count).</summary>
    public FaultSpec Spec { get; } = spec;

    /// <summary>The interned kind (one of <see cref="FaultKinds"/>), compared by reference on hot paths.</summary>
    public string Kind { get; } = FaultKinds.Known.First(k => k == spec.Kind);

    public DateTimeOffset Started { get; } = started;

    public DateTimeOffset? Ends { get; } = ends;

    /// <summary>Occurrences left of a counted fault (guarded by the set's lock).</summary>
    public int Remaining { get; set; } = spec.Count ?? (spec.Kind == FaultKinds.UrcInPrompt ? 1 : 0);

    /// <summary>error: the ERR CODE value.</summary>
    public uint Code { get; } = spec.Code is { } code ? FaultValidation.ParseCode(code) : 0;

    /// <summary>Whatever the effect keeps while the fault is active (uart-noise's random source, ...).</summary>
    public object? State { get; set; }

    public bool Ended { get; set; }

    /// <summary>Its start effect ran (guarded by the set's effects lock).</summary>
    public bool EffectStarted { get; set; }

    public ITimer? Timer { get; set; }

    /// <summary>Completes when the fault ends (broker-stall's held bytes wait on it).</summary>
    public TaskCompletionSource Over { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public FaultSet? Owner { get; set; }

    public ActiveFault ToActive() => new(Id, Spec, Started, Ends);
}
