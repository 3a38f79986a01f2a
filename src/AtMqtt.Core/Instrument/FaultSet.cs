namespace AtMqtt.Core.Instrument;

/// <summary>
/// The faults active on one modem. The engine's hooks (read loop, output, link, transport) ask it
/// what to do; the control API and scenarios start and end faults through it. Thread-safe.
/// </summary>
public sealed class FaultSet
{
    /// <summary>Validates <paramref name="spec"/> (throws <see cref="FaultSpecException"/>, starting nothing) and starts it.</summary>
    public ActiveFault Start(FaultSpec spec) => throw new NotImplementedException();

    public IReadOnlyList<ActiveFault> Active => throw new NotImplementedException();

    /// <summary>Ends one fault; false if no active fault has that id.</summary>
    public bool End(string id) => throw new NotImplementedException();

    /// <summary>Ends every active fault; returns how many.</summary>
    public int EndAll() => throw new NotImplementedException();
}
