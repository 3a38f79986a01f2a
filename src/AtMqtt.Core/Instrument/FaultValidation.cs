using System.Globalization;
using System.Text;
using AtMqtt.Core.Profiles;

namespace AtMqtt.Core.Instrument;

/// <summary>
/// Which parameters each fault kind takes, their ranges, and the messages that say what was wrong
/// (the control API's 400s). Field names are the JSON ones (<c>drop_rate</c>, not DropRate).
/// </summary>
internal static class FaultValidation
{
    public const double MaxSeconds = 86_400;
    public const int MaxMs = 600_000;
    public const int MaxCount = 1_000_000;
    public const int MinBaud = 80;
    public const int MaxBaud = 5_000_000;

    public static readonly IReadOnlyList<string> Packets = ["puback", "pubcomp", "suback", "unsuback", "connack"];
    public static readonly IReadOnlyList<string> Directions = ["to-host", "to-modem", "both"];

    private const string Seconds = "seconds", Ms = "ms", Packet = "packet", Count = "count", Command = "command",
        Code = "code", DropRate = "drop_rate", FlipRate = "flip_rate", Direction = "direction", Seed = "seed", Baud = "baud";

    /// <summary>Per kind: the parameters it requires, then those it accepts.</summary>
    private static readonly Dictionary<string, (string[] Required, string[] Optional)> Parameters = new()
    {
        [FaultKinds.WifiDrop] = ([], [Seconds]),
        [FaultKinds.BrokerUnreachable] = ([Seconds], []),
        [FaultKinds.BrokerStall] = ([Seconds], []),
        [FaultKinds.AckDelay] = ([Ms], [Packet, Seconds]),
        [FaultKinds.PublishFail] = ([Count], []),
        [FaultKinds.Error] = ([Command, Code], [Count]),
        [FaultKinds.Busy] = ([Ms], []),
        [FaultKinds.UrcInPrompt] = ([], []),
        [FaultKinds.UartNoise] = ([DropRate, FlipRate, Direction], [Seconds, Seed]),
        [FaultKinds.SlowHostLink] = ([Baud], [Seconds]),
        [FaultKinds.RegistrationLost] = ([], [Seconds]),
        [FaultKinds.PdpDeactivated] = ([], [Seconds]),
    };

    /// <summary>
    /// Checks <paramref name="spec"/>; returns it with the kind interned and defaults filled in. An error
    /// fault's command is checked against <paramref name="table"/> (a modem's profile and the commands it
    /// answers), or, before a modem exists (a scenario file), against every command some profile knows.
    /// </summary>
    public static FaultSpec Validate(FaultSpec spec, (string Profile, IReadOnlyList<string> Commands)? table = null)
    {
        bool cellular = IsCellular(table);
        string kinds = string.Join(", ", Kinds(table));
        if (string.IsNullOrEmpty(spec.Kind))
        {
            throw new FaultSpecException($"kind: required; one of {kinds}");
        }

        var kind = FaultKinds.Known.FirstOrDefault(k => k == spec.Kind);
        if (kind is null || (table is not null && !cellular && FaultKinds.Cellular.Contains(kind)))
        {
            throw new FaultSpecException(kind is null
                ? $"kind: unknown fault kind '{Clip(spec.Kind)}'; one of {kinds}"
                : $"kind: {kind} is a mobile network's fault, for a cellular profile ({string.Join(", ", Profile.CellularNames)}); this modem is the {table!.Value.Profile} profile");
        }

        if (cellular && kind == FaultKinds.WifiDrop)
        {
            // A cellular module has no Wi-Fi station: its network goes with the mobile network's faults (docs/cellular.md).
            throw new FaultSpecException($"kind: wifi-drop is a Wi-Fi module's fault; this modem is the {table!.Value.Profile} profile, a cellular one: registration-lost or pdp-deactivated take its network away");
        }

        var (required, optional) = Parameters[kind];
        foreach (var (name, present) in Present(spec))
        {
            bool isRequired = Array.IndexOf(required, name) >= 0;
            if (present && !isRequired && Array.IndexOf(optional, name) < 0)
            {
                throw new FaultSpecException($"{name}: {kind} does not take {name}; it takes {Takes(required, optional)}");
            }

            if (!present && isRequired)
            {
                throw new FaultSpecException($"{name}: required for {kind} ({Range(name)}); it takes {Takes(required, optional)}");
            }
        }

        CheckRange(Seconds, spec.Seconds, s => s > 0 && s <= MaxSeconds);
        CheckRange(Ms, spec.Ms, ms => ms >= 1 && ms <= MaxMs);
        CheckRange(Count, spec.Count, c => c >= 1 && c <= MaxCount);
        CheckRange(DropRate, spec.DropRate, r => r >= 0 && r <= 1);
        CheckRange(FlipRate, spec.FlipRate, r => r >= 0 && r <= 1);
        CheckRange(Baud, spec.Baud, b => b >= MinBaud && b <= MaxBaud);
        if (spec.Packet is { } packet && !Packets.Contains(packet))
        {
            throw new FaultSpecException($"packet: '{Clip(packet)}' is not one of {string.Join(", ", Packets)}");
        }

        if (spec.Direction is { } direction && !Directions.Contains(direction))
        {
            throw new FaultSpecException($"direction: '{Clip(direction)}' is not one of {string.Join(", ", Directions)}");
        }

        string? command = null;
        if (spec.Command is { } asked)
        {
            var known = table?.Commands ?? Profile.AllCommandNames;
            command = known.FirstOrDefault(c => string.Equals(c, asked, StringComparison.OrdinalIgnoreCase))
                ?? throw new FaultSpecException(table is { } t
                    ? $"command: '{Clip(asked)}' is not a command of this modem ({t.Profile} profile); one of {string.Join(", ", known)}"
                    : $"command: '{Clip(asked)}' is not a command any profile knows; one of {string.Join(", ", known)}");
        }

        if (spec.Code is { } code && !TryParseCode(code, out _))
        {
            throw new FaultSpecException($"code: '{Clip(code)}' is not an error code ({Range(Code)})");
        }

        return spec with
        {
            Kind = kind,
            Command = command,
            Count = kind == FaultKinds.Error ? spec.Count ?? 1 : spec.Count,
            Seed = kind == FaultKinds.UartNoise ? spec.Seed ?? Random.Shared.Next() : null,
        };
    }

    /// <summary>
    /// The kinds a modem with <paramref name="table"/> takes (none: before a modem exists, every kind but the
    /// cellular ones): a cellular modem has the mobile network's faults and no Wi-Fi station to drop.
    /// </summary>
    public static IReadOnlyList<string> Kinds((string Profile, IReadOnlyList<string> Commands)? table) =>
        IsCellular(table) ? CellularKinds : FaultKinds.All;

    private static readonly IReadOnlyList<string> CellularKinds = [.. FaultKinds.Known.Where(k => k != FaultKinds.WifiDrop)];

    // A cellular modem answers AT+CREG; its network faults are listed (and taken) only there.
    private static bool IsCellular((string Profile, IReadOnlyList<string> Commands)? table) => table is { } t && t.Commands.Contains("AT+CREG");

    /// <summary>How long a fault lasts by itself; null: until ended, or used up.</summary>
    public static TimeSpan? Duration(FaultSpec spec) => spec.Kind switch
    {
        FaultKinds.Busy => TimeSpan.FromMilliseconds(spec.Ms!.Value),
        _ => spec.Seconds is { } s ? TimeSpan.FromSeconds(s) : null,
    };

    public static uint ParseCode(string code) => TryParseCode(code, out uint value) ? value : 0;

    public static bool TryParseCode(string code, out uint value)
    {
        if (code.StartsWith("0x", StringComparison.OrdinalIgnoreCase))
        {
            value = 0;
            return code.Length is > 2 and <= 10 && uint.TryParse(code.AsSpan(2), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out value);
        }

        return uint.TryParse(code, NumberStyles.None, CultureInfo.InvariantCulture, out value);
    }

    /// <summary>The fault as a sentence for its events: kind and parameters.</summary>
    public static string Describe(FaultSpec spec)
    {
        var text = new StringBuilder(spec.Kind);
        foreach (var (name, value) in Values(spec))
        {
            if (value is not null)
            {
                text.Append(' ').Append(name).Append('=').Append(value);
            }
        }

        return text.ToString();
    }

    private static IEnumerable<(string Name, bool Present)> Present(FaultSpec spec) =>
        Values(spec).Select(v => (v.Name, v.Value is not null));

    private static IEnumerable<(string Name, string? Value)> Values(FaultSpec spec) =>
    [
        (Seconds, spec.Seconds?.ToString(CultureInfo.InvariantCulture)),
        (Ms, spec.Ms?.ToString(CultureInfo.InvariantCulture)),
        (Packet, spec.Packet),
        (Count, spec.Count?.ToString(CultureInfo.InvariantCulture)),
        (Command, spec.Command),
        (Code, spec.Code),
        (DropRate, spec.DropRate?.ToString(CultureInfo.InvariantCulture)),
        (FlipRate, spec.FlipRate?.ToString(CultureInfo.InvariantCulture)),
        (Direction, spec.Direction),
        (Seed, spec.Seed?.ToString(CultureInfo.InvariantCulture)),
        (Baud, spec.Baud?.ToString(CultureInfo.InvariantCulture)),
    ];

    private static string Takes(string[] required, string[] optional)
    {
        if (required.Length == 0 && optional.Length == 0)
        {
            return "no parameters";
        }

        return string.Join(", ", required.Concat(optional.Select(o => o + " (optional)")));
    }

    private static string Range(string name) => name switch
    {
        Seconds => $"a number of seconds, more than 0, at most {MaxSeconds}",
        Ms => $"milliseconds, 1 to {MaxMs}",
        Count => $"1 to {MaxCount}",
        DropRate or FlipRate => "a fraction from 0 to 1",
        Baud => $"{MinBaud} to {MaxBaud}",
        Packet => "one of " + string.Join(", ", Packets),
        Direction => "one of " + string.Join(", ", Directions),
        Command => "a command name as the host writes it, e.g. AT+MQTTPUB",
        Code => "hex 0x0 to 0xFFFFFFFF, e.g. 0x01090000, or its decimal value",
        _ => "an integer",
    };

    private static void CheckRange<T>(string name, T? value, Func<T, bool> valid)
        where T : struct, IFormattable
    {
        if (value is { } v && !valid(v))
        {
            throw new FaultSpecException($"{name}: {v.ToString(null, CultureInfo.InvariantCulture)} is out of range ({Range(name)})");
        }
    }

    private static void CheckRange(string name, double? value, Func<double, bool> valid)
    {
        if (value is { } v && (double.IsNaN(v) || !valid(v)))
        {
            throw new FaultSpecException($"{name}: {v.ToString(CultureInfo.InvariantCulture)} is out of range ({Range(name)})");
        }
    }

    /// <summary>A request's own text, shortened, for a message that quotes it.</summary>
    private static string Clip(string text) => text.Length <= 40 ? text : text[..40] + "...";
}
