using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace AtMqtt.Testing;

/// <summary>Where an MQTT broker listens: the modem's embedded broker, or one the test gave.</summary>
/// <param name="Host">A host name or address (loopback in tests).</param>
/// <param name="Port">The TCP port.</param>
public sealed record BrokerEndpoint(string Host, int Port)
{
    /// <summary><c>host:port</c>.</summary>
    public override string ToString() => $"{Host}:{Port}";
}

/// <summary>
/// One thing that happened in the modem (<c>GET /api/events</c>; in process, the engine's own event hub):
/// a line each way, a state change, a fault starting or ending, a host-check finding, a scenario step.
/// </summary>
/// <param name="Sequence">One more per event of this modem, from 1.</param>
/// <param name="Time">When it happened (UTC).</param>
/// <param name="Type"><c>line</c>, <c>state</c>, <c>fault</c>, <c>finding</c> or <c>scenario</c>.</param>
/// <param name="Direction">Lines: <see cref="ToModem"/> (the host wrote it) or <see cref="ToHost"/>.</param>
/// <param name="Text">
/// A line as the transcript shows it (printable ASCII as is; <c>\r \n \t \\ \*</c> and <c>\xNN</c> for the rest;
/// <c>***</c> where a secret was), or a sentence saying what happened.
/// </param>
/// <param name="Name">What it is about: the state field (<c>link</c>, <c>host</c>, <c>echo</c>, <c>wifi</c>...), the fault kind, the finding code, the scenario step.</param>
/// <param name="Value">The state field's new value; <c>started</c> or <c>ended</c> for a fault.</param>
/// <param name="Id">A fault's id, for fault events.</param>
public sealed record AtMqttEvent(
    long Sequence,
    DateTimeOffset Time,
    string Type,
    string? Direction,
    string? Text,
    string? Name,
    string? Value,
    string? Id)
{
    /// <summary>A line the host wrote to the modem.</summary>
    public const string ToModem = "to-modem";

    /// <summary>A line the modem wrote to the host.</summary>
    public const string ToHost = "to-host";

    /// <summary>A line event's text with the escapes undone (<c>\r\n</c> as CR LF; <c>***</c> stays); null for other events.</summary>
    [JsonIgnore]
    public string? Line => Type == "line" && Text is not null ? Unescape(Text) : null;

    /// <summary>A line event in <paramref name="direction"/> whose <see cref="Line"/> starts with <paramref name="start"/> (e.g. <c>+MQTTCONNECTED</c>).</summary>
    public bool IsLine(string direction, string start) =>
        Direction == direction && Line is { } line && line.StartsWith(start, StringComparison.Ordinal);

    /// <summary>A state event: <paramref name="name"/> (<c>link</c>, <c>host</c>, <c>echo</c>, <c>wifi</c>...) became <paramref name="value"/>.</summary>
    public bool IsState(string name, string value) => Type == "state" && Name == name && Value == value;

    /// <summary>A fault event of <paramref name="kind"/>; with <paramref name="value"/>, only <c>started</c> or only <c>ended</c>.</summary>
    public bool IsFault(string kind, string? value = null) => Type == "fault" && Name == kind && (value is null || Value == value);

    /// <summary>A <c>--strict</c> finding, of <paramref name="code"/> if given.</summary>
    public bool IsFinding(string? code = null) => Type == "finding" && (code is null || Name == code);

    /// <summary>One line: sequence, time, type and what it says.</summary>
    public override string ToString() => Type switch
    {
        "line" => string.Create(CultureInfo.InvariantCulture, $"#{Sequence} {Time.UtcDateTime:HH:mm:ss.ffffff} {(Direction == ToModem ? "h>m" : "m>h")} {Text}"),
        _ => string.Create(CultureInfo.InvariantCulture, $"#{Sequence} {Time.UtcDateTime:HH:mm:ss.ffffff} {Type} {Name}={Value}{(Id is null ? "" : " " + Id)}: {Text}"),
    };

    private static string Unescape(string text)
    {
        var s = new StringBuilder(text.Length);
        for (int i = 0; i < text.Length; i++)
        {
            char c = text[i];
            if (c != '\\' || i + 1 >= text.Length)
            {
                s.Append(c);
                continue;
            }

            char e = text[++i];
            switch (e)
            {
                case 'r': s.Append('\r'); break;
                case 'n': s.Append('\n'); break;
                case 't': s.Append('\t'); break;
                case 'x' when i + 2 < text.Length:
                    s.Append((char)Convert.ToByte(text.Substring(i + 1, 2), 16));
                    i += 2;
                    break;
                default: s.Append(e); break;
            }
        }

        return s.ToString();
    }
}

/// <summary>
/// A fault to start (<c>POST /api/faults</c>; in process, the engine's fault set): its kind and the
/// parameters that kind takes (docs/control.md, "Faults"). Unset parameters are left out.
/// </summary>
/// <param name="Kind">
/// <c>wifi-drop</c>, <c>broker-unreachable</c>, <c>broker-stall</c>, <c>ack-delay</c>, <c>publish-fail</c>, <c>error</c>,
/// <c>busy</c>, <c>urc-in-prompt</c>, <c>uart-noise</c> or <c>slow-host-link</c>.
/// </param>
public sealed record FaultRequest(string Kind)
{
    /// <summary>How long it lasts (wifi-drop, broker-unreachable, broker-stall, ack-delay, uart-noise, slow-host-link).</summary>
    public double? Seconds { get; init; }

    /// <summary>busy: how long; ack-delay: how long each answer is held.</summary>
    public int? Ms { get; init; }

    /// <summary>ack-delay: <c>puback</c>, <c>pubcomp</c>, <c>suback</c>, <c>unsuback</c> or <c>connack</c>; all when unset.</summary>
    public string? Packet { get; init; }

    /// <summary>publish-fail: how many publishes fail; error: how many commands (1 when unset).</summary>
    public int? Count { get; init; }

    /// <summary>error: the command it answers, as the host writes it (<c>AT+MQTTPUB</c>).</summary>
    public string? Command { get; init; }

    /// <summary>error: the ESP-AT error code, <c>0x...</c> or decimal.</summary>
    public string? Code { get; init; }

    /// <summary>uart-noise: the fraction of bytes lost (0..1).</summary>
    [JsonPropertyName("drop_rate")]
    public double? DropRate { get; init; }

    /// <summary>uart-noise: the fraction of bytes with a bit flipped (0..1).</summary>
    [JsonPropertyName("flip_rate")]
    public double? FlipRate { get; init; }

    /// <summary>uart-noise: <c>to-host</c>, <c>to-modem</c> or <c>both</c>.</summary>
    public string? Direction { get; init; }

    /// <summary>uart-noise: the random seed (one is chosen when unset).</summary>
    public int? Seed { get; init; }

    /// <summary>slow-host-link: the UART rate (80..5000000).</summary>
    public int? Baud { get; init; }
}

/// <summary>An active fault, as <c>GET /api/faults</c> lists it.</summary>
/// <param name="Id">Its id (<c>f1</c>, <c>f2</c>...).</param>
/// <param name="Spec">The kind and parameters, as the modem normalised them (a uart-noise seed chosen, for instance).</param>
/// <param name="Started">When it started.</param>
/// <param name="Ends">When it ends by itself; null for one that lasts until ended or used up.</param>
public sealed record AtMqttFaultInfo(string Id, FaultRequest Spec, DateTimeOffset Started, DateTimeOffset? Ends);

/// <summary>The modem refused a fault request (a 400 from the control API): <see cref="Exception.Message"/> says which field and why. Nothing started.</summary>
public sealed class AtMqttFaultException(string message) : Exception(message);

/// <summary><c>GET /api/info</c>: where the program's parts are, fixed for its life.</summary>
/// <param name="Version">The program's version.</param>
/// <param name="Dialect"><c>seed</c> or <c>esp-at</c>.</param>
/// <param name="Profile">The module and firmware release (<c>--profile</c>).</param>
/// <param name="Quirks">The quirks in effect (<c>--quirk</c> and the profile's own).</param>
/// <param name="Channel">The host's channel.</param>
/// <param name="EmbeddedBroker">The embedded broker (<c>--embedded-broker</c>), or null.</param>
/// <param name="ProcessId">The program's process id.</param>
public sealed record AtMqttInfo(string Version, string Dialect, string Profile, IReadOnlyList<string> Quirks, AtMqttInfo.ChannelInfo Channel, BrokerEndpoint? EmbeddedBroker, int ProcessId)
{
    /// <summary>The host's channel.</summary>
    /// <param name="Kind"><c>stdio</c>, <c>tcp</c>, <c>tcp-connect</c>, <c>pty</c> or <c>serial</c>.</param>
    /// <param name="Address">tcp: where it listens (the real port); tcp-connect: whom it connects to.</param>
    /// <param name="Path">pty: the link, absolute; serial: the device.</param>
    /// <param name="Baud">The pacing rate at start; null when not paced.</param>
    public sealed record ChannelInfo(string Kind, string? Address, string? Path, int? Baud);
}

/// <summary>The modem's state at one moment (<c>GET /api/state</c>; docs/control.md has every field). No secret is in it.</summary>
/// <param name="Dialect"><c>seed</c> or <c>esp-at</c>.</param>
/// <param name="Profile">The module and firmware release (<c>--profile</c>).</param>
/// <param name="Quirks">The quirks in effect.</param>
/// <param name="HostAttached">A host is on the channel.</param>
/// <param name="Echo">ATE1 (true) or ATE0.</param>
/// <param name="Link">The MQTT link.</param>
/// <param name="Subscriptions">The subscription list.</param>
/// <param name="Inbound">Messages from the broker on their way to the host.</param>
/// <param name="Wifi">The simulated station.</param>
/// <param name="UartBaud">The UART rate the module is set to.</param>
/// <param name="Counters">Counted since the modem started.</param>
/// <param name="Faults">The active faults.</param>
/// <param name="Findings">The host checks' findings (<c>--strict</c>).</param>
/// <param name="Scenario">A running <c>--scenario</c>'s progress, or null.</param>
public sealed record AtMqttState(
    string Dialect,
    string Profile,
    IReadOnlyList<string> Quirks,
    bool HostAttached,
    bool Echo,
    AtMqttState.LinkInfo Link,
    IReadOnlyList<AtMqttState.SubscriptionInfo> Subscriptions,
    AtMqttState.InboundInfo Inbound,
    AtMqttState.WifiInfo Wifi,
    int UartBaud,
    AtMqttState.CounterInfo Counters,
    IReadOnlyList<AtMqttFaultInfo> Faults,
    IReadOnlyList<AtMqttState.FindingInfo> Findings,
    AtMqttState.ScenarioInfo? Scenario)
{
    /// <summary>The MQTT link (LinkID 0).</summary>
    /// <param name="Phase"><c>idle</c>, <c>connecting</c>, <c>connected</c>, <c>reconnecting</c>, <c>failed</c> or <c>dropped</c>.</param>
    /// <param name="Scheme">From AT+MQTTUSERCFG (null before it).</param>
    /// <param name="Host">From AT+MQTTCONN (null before it).</param>
    /// <param name="Port">From AT+MQTTCONN (null before it).</param>
    /// <param name="Reconnect">From AT+MQTTCONN (null before it).</param>
    /// <param name="ClientId">From AT+MQTTUSERCFG (null before it).</param>
    /// <param name="KeepAlive">Seconds, as sent in CONNECT.</param>
    /// <param name="CleanSession">As sent in CONNECT.</param>
    public sealed record LinkInfo(string Phase, int? Scheme, string? Host, int? Port, bool? Reconnect, string? ClientId, int KeepAlive, bool CleanSession);

    /// <summary>One subscription.</summary>
    /// <param name="Topic">The topic filter.</param>
    /// <param name="Qos">Its QoS.</param>
    public sealed record SubscriptionInfo(string Topic, int Qos);

    /// <summary>Messages from the broker on their way to the host.</summary>
    /// <param name="Qos0Waiting">QoS 0 messages waiting for the host.</param>
    /// <param name="Qos0Bound">The QoS 0 bound (<c>--rx-queue</c>).</param>
    /// <param name="Qos0Dropped">QoS 0 messages dropped because the queue was full.</param>
    /// <param name="Unacknowledged">QoS 1/2 messages not yet written to the host.</param>
    public sealed record InboundInfo(int Qos0Waiting, int Qos0Bound, long Qos0Dropped, int Unacknowledged);

    /// <summary>The simulated Wi-Fi station.</summary>
    /// <param name="Joined">Joined to an access point.</param>
    /// <param name="Ssid">The SSID while joined.</param>
    public sealed record WifiInfo(bool Joined, string? Ssid);

    /// <summary>Counted since the modem started; neither AT+RST nor the reset pin clears them.</summary>
    /// <param name="Commands">Command lines executed.</param>
    /// <param name="Errors"><c>ERROR</c> final results.</param>
    /// <param name="PublishedByQos">Publishes the broker accepted, by QoS 0, 1, 2.</param>
    /// <param name="ReceivedByQos">Messages the broker delivered, by QoS 0, 1, 2.</param>
    /// <param name="Reconnects">Successful automatic reconnections.</param>
    public sealed record CounterInfo(long Commands, long Errors, IReadOnlyList<long> PublishedByQos, IReadOnlyList<long> ReceivedByQos, long Reconnects);

    /// <summary>A host-check finding.</summary>
    /// <param name="Code">The finding's code (<c>pub-while-disconnected</c>...).</param>
    /// <param name="Message">What the host did wrong, with a hint.</param>
    /// <param name="Line">The offending line, redacted and shortened.</param>
    /// <param name="Time">When.</param>
    public sealed record FindingInfo(string Code, string Message, string? Line, DateTimeOffset Time);

    /// <summary>A scenario's progress.</summary>
    /// <param name="Name">The scenario's name.</param>
    /// <param name="Status">Its status.</param>
    /// <param name="Steps">Its steps in order.</param>
    public sealed record ScenarioInfo(string Name, string Status, IReadOnlyList<ScenarioStepInfo> Steps);

    /// <summary>One step of a scenario.</summary>
    /// <param name="Index">Its position.</param>
    /// <param name="Description">What it does.</param>
    /// <param name="Status"><c>pending</c>, <c>running</c>, <c>done</c> or <c>failed</c>.</param>
    /// <param name="At">When it fired.</param>
    /// <param name="Detail">More about its result.</param>
    public sealed record ScenarioStepInfo(int Index, string Description, string Status, DateTimeOffset? At, string? Detail);
}

/// <summary>A 400 or 404 of the control API.</summary>
internal sealed record ControlError(string Error);

/// <summary>DELETE /api/faults.</summary>
internal sealed record ControlEnded(int Ended);

/// <summary>The control API's JSON (camelCase), generated at build time.</summary>
[JsonSourceGenerationOptions(JsonSerializerDefaults.Web, DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(AtMqttEvent))]
[JsonSerializable(typeof(AtMqttState))]
[JsonSerializable(typeof(AtMqttInfo))]
[JsonSerializable(typeof(FaultRequest))]
[JsonSerializable(typeof(AtMqttFaultInfo))]
[JsonSerializable(typeof(List<AtMqttFaultInfo>))]
[JsonSerializable(typeof(ControlError))]
[JsonSerializable(typeof(ControlEnded))]
internal sealed partial class ControlJson : JsonSerializerContext;
