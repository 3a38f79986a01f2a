using System.Text.Json;
using System.Text.Json.Serialization;
using AtMqtt.Core.Instrument;

namespace AtMqtt.Cli.Control;

/// <summary>A 400 or 404: what was wrong.</summary>
internal sealed record ErrorBody(string Error);

/// <summary>DELETE /api/faults: how many faults ended.</summary>
internal sealed record EndedBody(int Ended);

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
internal sealed partial class ControlJson : JsonSerializerContext;
