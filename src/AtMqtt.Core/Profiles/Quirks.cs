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

    /// <summary>
    /// subscribe-log-only: <c>ALREADY SUBSCRIBE</c> and <c>NO UNSUBSCRIBE</c> go to the module's log UART (the
    /// program's log), and the command port shows only <c>OK</c> (ESP-AT issue #453).
    /// </summary>
    public bool SubscribeLogOnly { get; init; }

    /// <summary>
    /// conn-fail-state: after a failed AT+MQTTCONN, AT+MQTTCONN? shows state 2 with the host, port and path
    /// empty and reconnect 0 (<c>+MQTTCONN:0,2,1,"","","",0</c>, ESP-AT issue #427).
    /// </summary>
    public bool ConnFailState { get; init; }

    /// <summary>Every quirk name <c>--quirk</c> accepts, with what it takes.</summary>
    public static IReadOnlyList<(string Name, string Help)> Known { get; } =
    [
        ("split-subrecv", "[=BYTES] a message over BYTES (default 1024, MQTT header included) arrives as several +MQTTSUBRECV lines"),
        ("urc-in-prompt", "a queued URC may come between OK and > (ESP-AT issue #539)"),
        ("busy-while-receiving", "a line that arrives while a URC is being written gets busy p..."),
        ("no-mqtt", "the firmware has no MQTT: every AT+MQTT* command answers ERROR"),
        ("subscribe-log-only", "ALREADY SUBSCRIBE and NO UNSUBSCRIBE go to the log, the host sees only OK (ESP-AT issue #453)"),
        ("conn-fail-state", "after a failed AT+MQTTCONN, AT+MQTTCONN? shows state 2 with empty host, port and path (ESP-AT issue #427)"),
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
                case "split-subrecv":
                    int bytes = DefaultSplitBytes;
                    if (value is not null && (!int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out bytes) || bytes < 64 || bytes > 1 << 20))
                    {
                        error = $"--quirk split-subrecv={value}: BYTES must be a whole number from 64 to 1048576.";
                        return null;
                    }

                    q = q with { SplitSubrecvBytes = bytes };
                    continue;
                case "urc-in-prompt":
                    q = q with { UrcInPrompt = true };
                    break;
                case "busy-while-receiving":
                    q = q with { BusyWhileReceiving = true };
                    break;
                case "no-mqtt":
                    q = q with { NoMqtt = true };
                    break;
                case "subscribe-log-only":
                    q = q with { SubscribeLogOnly = true };
                    break;
                case "conn-fail-state":
                    q = q with { ConnFailState = true };
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
        SubscribeLogOnly = profile.SubscribeLogOnly || asked.SubscribeLogOnly,
        ConnFailState = profile.ConnFailState || asked.ConnFailState,
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

        if (SubscribeLogOnly)
        {
            names.Add("subscribe-log-only");
        }

        if (ConnFailState)
        {
            names.Add("conn-fail-state");
        }

        return names;
    }
}
