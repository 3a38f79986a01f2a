namespace AtMqtt.Core.Instrument;

/// <summary>
/// A fault to start, as a test asks for it (<c>POST /api/faults</c>, a scenario step): a kind and
/// the parameters that kind takes. Flat, so that it deserializes without reflection; which fields a
/// kind accepts, and their ranges, is <see cref="FaultSet.Start"/>'s to check.
/// </summary>
public sealed record FaultSpec
{
    /// <summary>One of <see cref="FaultKinds"/>.</summary>
    public string? Kind { get; init; }

    public double? Seconds { get; init; }

    public int? Ms { get; init; }

    /// <summary>ack-delay: puback, pubcomp, suback, unsuback, connack; null: all of them.</summary>
    public string? Packet { get; init; }

    public int? Count { get; init; }

    /// <summary>error: the command name it matches, as the host writes it (<c>AT+MQTTPUB</c>).</summary>
    public string? Command { get; init; }

    /// <summary>error: the ESP-AT error code, e.g. <c>0x00006019</c> (hex) or its decimal value.</summary>
    public string? Code { get; init; }

    /// <summary>uart-noise; <c>drop_rate</c> in JSON, as the issue and the validation messages name it.</summary>
    [System.Text.Json.Serialization.JsonPropertyName("drop_rate")]
    public double? DropRate { get; init; }

    /// <summary>uart-noise; <c>flip_rate</c> in JSON.</summary>
    [System.Text.Json.Serialization.JsonPropertyName("flip_rate")]
    public double? FlipRate { get; init; }

    /// <summary>uart-noise: to-host, to-modem, both.</summary>
    public string? Direction { get; init; }

    public int? Seed { get; init; }

    public int? Baud { get; init; }
}

/// <summary>The fault kinds.</summary>
public static class FaultKinds
{
    public const string WifiDrop = "wifi-drop";
    public const string BrokerUnreachable = "broker-unreachable";
    public const string BrokerStall = "broker-stall";
    public const string AckDelay = "ack-delay";
    public const string PublishFail = "publish-fail";
    public const string Error = "error";
    public const string Busy = "busy";
    public const string UrcInPrompt = "urc-in-prompt";
    public const string UartNoise = "uart-noise";
    public const string SlowHostLink = "slow-host-link";
    public const string RegistrationLost = "registration-lost";
    public const string PdpDeactivated = "pdp-deactivated";

    /// <summary>The kinds every profile takes.</summary>
    public static readonly IReadOnlyList<string> All =
        [WifiDrop, BrokerUnreachable, BrokerStall, AckDelay, PublishFail, Error, Busy, UrcInPrompt, UartNoise, SlowHostLink];

    /// <summary>The mobile network's faults: only on a cellular profile (docs/cellular.md).</summary>
    public static readonly IReadOnlyList<string> Cellular = [RegistrationLost, PdpDeactivated];

    /// <summary>Every kind.</summary>
    public static readonly IReadOnlyList<string> Known = [.. All, .. Cellular];
}

/// <summary>A bad fault request: the message says what was wrong, and nothing was started.</summary>
public sealed class FaultSpecException(string message) : Exception(message);

/// <summary>An active fault, as <c>GET /api/faults</c> lists it.</summary>
public sealed record ActiveFault(string Id, FaultSpec Spec, DateTimeOffset Started, DateTimeOffset? Ends);
