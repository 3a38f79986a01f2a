using System.Globalization;

namespace AtMqtt.Core.Profiles;

/// <summary>
/// A real module's known misbehaviour, turned on with <c>--quirk NAME[=VALUE]</c> so that a host's
/// robustness can be tested on purpose (SPEC section 9). Without any, every profile keeps SPEC's
/// guarantees: whole messages, no URC inside a response, nothing lost.
/// </summary>
public sealed record Quirks
{
    public static readonly Quirks None = new();

    /// <summary>ESP-AT's receive buffer, MQTT header included (esp-mqtt's default buffer size).</summary>
    public const int DefaultSplitBytes = 1024;

    /// <summary>split-subrecv[=BYTES]: a message larger than the buffer arrives as several +MQTTSUBRECV lines.</summary>
    public int? SplitSubrecvBytes { get; init; }

    /// <summary>urc-in-prompt: a queued URC may be written between <c>OK</c> and <c>&gt;</c> (ESP-AT issue #539).</summary>
    public bool UrcInPrompt { get; init; }

    /// <summary>busy-while-receiving: a line that arrives while a URC is being written gets <c>busy p...</c>.</summary>
    public bool BusyWhileReceiving { get; init; }

    /// <summary>no-mqtt: a firmware built without MQTT; every AT+MQTT* command is unknown (ERROR).</summary>
    public bool NoMqtt { get; init; }

    /// <summary>Every quirk name <c>--quirk</c> accepts, with what it takes.</summary>
    public static IReadOnlyList<(string Name, string Help)> Known { get; } =
    [
        ("no-mqtt", "the firmware has no MQTT: every AT+MQTT* command answers ERROR"),
    ];

    /// <summary>Parses <c>--quirk</c> values onto <paramref name="start"/> (a profile's defaults); null and an error naming the value when one is wrong.</summary>
    public static Quirks? Parse(IEnumerable<string> specs, Quirks start, out string? error)
    {
        var q = start;
        foreach (string spec in specs)
        {
            int eq = spec.IndexOf('=', StringComparison.Ordinal);
            string name = eq < 0 ? spec : spec[..eq];
            string? value = eq < 0 ? null : spec[(eq + 1)..];
            switch (name)
            {
                // split-subrecv, urc-in-prompt and busy-while-receiving are accepted once the engine does them (issue 16).
                case "no-mqtt":
                    q = q with { NoMqtt = true };
                    break;
                default:
                    error = $"--quirk: '{spec}' is not one of {string.Join(", ", Known.Select(k => k.Name))}.";
                    return null;
            }

            if (value is not null)
            {
                error = $"--quirk {name} takes no value.";
                return null;
            }
        }

        error = null;
        return q;
    }

    /// <summary>A profile's own quirks with those asked for on top (a value asked for wins).</summary>
    public static Quirks Merge(Quirks profile, Quirks asked) => new()
    {
        SplitSubrecvBytes = asked.SplitSubrecvBytes ?? profile.SplitSubrecvBytes,
        UrcInPrompt = profile.UrcInPrompt || asked.UrcInPrompt,
        BusyWhileReceiving = profile.BusyWhileReceiving || asked.BusyWhileReceiving,
        NoMqtt = profile.NoMqtt || asked.NoMqtt,
    };

    /// <summary>The quirks that are on, as <c>--quirk</c> writes them (logs, <c>GET /api/info</c>, the snapshot).</summary>
    public IReadOnlyList<string> Names()
    {
        var names = new List<string>();
        if (SplitSubrecvBytes is { } b)
        {
            names.Add(b == DefaultSplitBytes ? "split-subrecv" : string.Create(CultureInfo.InvariantCulture, $"split-subrecv={b}"));
        }

        if (UrcInPrompt)
        {
            names.Add("urc-in-prompt");
        }

        if (BusyWhileReceiving)
        {
            names.Add("busy-while-receiving");
        }

        if (NoMqtt)
        {
            names.Add("no-mqtt");
        }

        return names;
    }
}
