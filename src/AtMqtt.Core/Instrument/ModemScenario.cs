namespace AtMqtt.Core;

/// <summary>The modem's side of a running scenario (<see cref="Instrument.ScenarioRunner"/>).</summary>
public sealed partial class Modem
{
    /// <summary>The scenario running on this modem, if any (its progress shows in <see cref="Snapshot"/>).</summary>
    public Instrument.ScenarioRunner? Scenario { get; internal set; }

    /// <summary>Each line the host sends, before it is answered (a scenario's command triggers); null: none.</summary>
    internal Action<ReadOnlySpan<byte>>? LineHook { get; set; }
}
