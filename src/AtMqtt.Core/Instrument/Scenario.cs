using System.Text.Json.Serialization;

namespace AtMqtt.Core.Instrument;

/// <summary>
/// A scenario (<c>--scenario FILE</c>, docs/scenarios.md): steps run in order, each waiting for its
/// trigger after the previous step ran, then doing its action. Read by <see cref="ScenarioLoader"/>.
/// </summary>
public sealed record Scenario
{
    public string? Name { get; init; }

    /// <summary>Where <c>publish</c> actions go; default: the broker the link is connected to.</summary>
    public ScenarioBroker? Broker { get; init; }

    /// <summary>Seconds the whole scenario may take; when they pass before every step ran, it failed. Default: no limit.</summary>
    public double? Timeout { get; init; }

    public IReadOnlyList<ScenarioStep>? Steps { get; init; }
}

/// <summary>A broker for <c>publish</c> actions: plain MQTT over TCP.</summary>
public sealed record ScenarioBroker
{
    public string? Host { get; init; }

    public int? Port { get; init; }
}

/// <summary>
/// One step: at most one trigger (<see cref="After"/>, <see cref="Command"/> with <see cref="Count"/>,
/// <see cref="Urc"/>, <see cref="Phase"/>; none: at once) and exactly one action (<see cref="Start"/>
/// with an optional <see cref="As"/>, <see cref="End"/>, <see cref="Reset"/>, <see cref="Publish"/>).
/// </summary>
public sealed record ScenarioStep
{
    /// <summary>A label for progress and events; default "step N".</summary>
    public string? Name { get; init; }

    /// <summary>Trigger: seconds after the previous step ran (the first step: after the scenario started).</summary>
    public double? After { get; init; }

    /// <summary>Trigger: a command name as the host writes it (<c>AT+MQTTPUB</c>), seen <see cref="Count"/> times since the previous step ran.</summary>
    public string? Command { get; init; }

    /// <summary>With <see cref="Command"/>: which occurrence (default 1).</summary>
    public int? Count { get; init; }

    /// <summary>Trigger: a URC written to the host that starts with this text (<c>+MQTTSUBRECV:0,"t"</c>).</summary>
    public string? Urc { get; init; }

    /// <summary>Trigger: the link is in (or reaches) this phase: idle, connecting, connected, reconnecting, failed, dropped.</summary>
    public string? Phase { get; init; }

    /// <summary>Action: start this fault.</summary>
    public FaultSpec? Start { get; init; }

    /// <summary>With <see cref="Start"/>: a name by which a later step's <see cref="End"/> ends it.</summary>
    public string? As { get; init; }

    /// <summary>Action: end the fault started with this <see cref="As"/> name, or every fault (<c>*</c>).</summary>
    public string? End { get; init; }

    /// <summary>Action: the reset pin (<see cref="Modem.ResetPinAsync"/>).</summary>
    public bool? Reset { get; init; }

    /// <summary>Action: publish a message through the broker (to the device's subscriptions).</summary>
    public ScenarioPublish? Publish { get; init; }
}

/// <summary>A message a scenario publishes.</summary>
public sealed record ScenarioPublish
{
    public string? Topic { get; init; }

    /// <summary>UTF-8 text.</summary>
    public string? Payload { get; init; }

    public int? Qos { get; init; }

    public bool? Retain { get; init; }
}

/// <summary>Source-generated JSON (no reflection: works under Native AOT). Field names are snake_case; unknown fields are errors.</summary>
[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower,
    UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
    ReadCommentHandling = System.Text.Json.JsonCommentHandling.Skip,
    AllowTrailingCommas = true,
    NumberHandling = JsonNumberHandling.Strict)]
[JsonSerializable(typeof(Scenario))]
internal sealed partial class ScenarioJson : JsonSerializerContext;
