namespace AtMqtt.Core.Instrument;

/// <summary>
/// One thing that happened in a modem, as a test watching it from outside the host's channel sees it
/// (the control API's <c>/api/events</c> stream). One flat type so that it serializes without reflection.
/// </summary>
public sealed record ModemEvent
{
    /// <summary>Increases by one per event of this modem, from 1: a watcher can ask for what came after N.</summary>
    public long Sequence { get; init; }

    public DateTimeOffset Time { get; init; }

    /// <summary>One of <see cref="EventTypes"/>.</summary>
    public required string Type { get; init; }

    /// <summary>Lines: <c>to-modem</c> (the host wrote it) or <c>to-host</c>.</summary>
    public string? Direction { get; init; }

    /// <summary>A line (redacted as the transcript is), or a sentence saying what happened.</summary>
    public string? Text { get; init; }

    /// <summary>What it is about: the state field that changed, the fault kind, the finding code, the scenario step.</summary>
    public string? Name { get; init; }

    /// <summary>The new value of a state field; <c>started</c>/<c>ended</c> for a fault; a step's result.</summary>
    public string? Value { get; init; }

    /// <summary>The fault's id, for fault events.</summary>
    public string? Id { get; init; }
}

/// <summary>The values of <see cref="ModemEvent.Type"/>.</summary>
public static class EventTypes
{
    public const string Line = "line";
    public const string State = "state";
    public const string Fault = "fault";
    public const string Finding = "finding";
    public const string Scenario = "scenario";
}
