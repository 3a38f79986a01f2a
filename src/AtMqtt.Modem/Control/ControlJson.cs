using System.Text.Json;
using System.Text.Json.Serialization;
using AtMqtt.Core.Instrument;

namespace AtMqtt.Cli.Control;

/// <summary>A 400 or 404: what was wrong.</summary>
internal sealed record ErrorBody(string Error);

/// <summary>DELETE /api/faults: how many faults ended.</summary>
internal sealed record EndedBody(int Ended);

/// <summary>GET /api/modems: the fleet at a glance (links counted by phase, hosts attached) and a line per modem.</summary>
internal sealed record FleetSummary(int Count, int HostsAttached, IReadOnlyDictionary<string, int> Phases, IReadOnlyList<ModemSummary> Modems);

/// <summary>One modem of GET /api/modems: its channel, profile, each link's phase, whether a host is attached, its active faults.</summary>
internal sealed record ModemSummary(int Index, ChannelInfo Channel, string Profile, IReadOnlyList<string> Links, bool HostAttached, int Faults);

/// <summary>POST /api/modems/faults: the fault and which modems get it (a set, or a seeded fraction).</summary>
internal sealed class FleetFaultRequest
{
    public string? Modems { get; init; }

    public double? Fraction { get; init; }

    public int? Seed { get; init; }

    public FaultSpec? Fault { get; init; }
}

/// <summary>POST /api/modems/faults's answer: the modems hit (sorted), the seed a fraction was picked with, each one's fault.</summary>
internal sealed record FleetFaultsBody(IReadOnlyList<int> Modems, int? Seed, IReadOnlyList<ActiveFault> Faults);

/// <summary>
/// The control API's JSON, generated at build time (no reflection: the Native AOT program keeps
/// working). camelCase; a fault's <c>drop_rate</c> and <c>flip_rate</c> keep the names the issue gives
/// them (FaultSpec). Unknown fields in a request are refused, so that a misspelt parameter is a 400,
/// not a fault started with its default.
/// </summary>
[JsonSourceGenerationOptions(
    JsonSerializerDefaults.Web,
    UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
    WriteIndented = false)]
[JsonSerializable(typeof(ModemState))]
[JsonSerializable(typeof(ModemEvent))]
[JsonSerializable(typeof(FaultSpec))]
[JsonSerializable(typeof(ActiveFault))]
[JsonSerializable(typeof(IReadOnlyList<ActiveFault>))]
[JsonSerializable(typeof(ErrorBody))]
[JsonSerializable(typeof(EndedBody))]
[JsonSerializable(typeof(ProgramInfo))]
[JsonSerializable(typeof(FleetSummary))]
[JsonSerializable(typeof(FleetFaultRequest))]
[JsonSerializable(typeof(FleetFaultsBody))]
internal sealed partial class ControlJson : JsonSerializerContext;
