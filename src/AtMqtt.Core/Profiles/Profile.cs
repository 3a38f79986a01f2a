using AtMqtt.Core.Commands;
using AtMqtt.Core.Dialects;

namespace AtMqtt.Core.Profiles;

/// <summary>
/// One firmware generation of one module family (<c>--profile</c>), as data: the dialect (limits and
/// how lines are written), the commands that exist and in which form, what <c>AT+GMR</c> prints and
/// the quirks that release really has. Each profile is one file in this folder; no handler asks which
/// profile it runs in (SPEC section 9).
/// </summary>
public sealed record Profile
{
    public required string Name { get; init; }

    public required Dialect Dialect { get; init; }

    public required CommandTable Commands { get; init; }

    /// <summary><c>AT+GMR</c>'s lines before <c>OK</c>, given the program's version.</summary>
    public required Func<string, IReadOnlyList<string>> VersionLines { get; init; }

    /// <summary>The misbehaviour this release really has, on without <c>--quirk</c> (none unless documented).</summary>
    public Quirks DefaultQuirks { get; init; } = Quirks.None;

    /// <summary>
    /// The longest command line the module takes, in bytes without the terminator; a longer one is discarded
    /// and answered <c>ERROR</c> (docs/profiles.md, "Command line limit"). ESP-AT's documented 256 unless the
    /// module's documents or firmware say otherwise.
    /// </summary>
    public int MaxLineBytes { get; init; } = Framing.LineFramer.MaxLineBytes;

    /// <summary>Independent MQTT clients of the module (ESP-AT's one LinkID; Quectel's client_idx 0..5): <see cref="Modem.Links"/>.</summary>
    public int Clients { get; init; } = 1;

    /// <summary>
    /// The timing model (docs/profiles.md): how long after a command's <c>OK</c> its result URC comes at the
    /// earliest, as the network's time on a real module. 0 where the result is part of the response (ESP-AT);
    /// <c>--result-delay</c> (<see cref="ModemOptions.ResultDelay"/>) overrides it.
    /// </summary>
    public TimeSpan ResultDelay { get; init; } = TimeSpan.Zero;

    /// <summary>How each link tells the host what happens on it (given the client index): the family's <see cref="Mqtt.ILinkReporter"/>.</summary>
    public Func<int, Mqtt.ILinkReporter> Reporter { get; init; } = Mqtt.EspAtLinkReporter.Create;

    /// <summary>
    /// The cellular module, for the 3GPP and vendor network commands (AT+CPIN?, AT+CREG?, AT+QIACT, AT+NETOPEN...):
    /// null on the Wi-Fi modules.
    /// </summary>
    public Device.CellularModule? Cellular { get; init; }

    /// <summary>What the module writes when it starts (on every host attach and after a reset).</summary>
    public string Boot => Cellular?.Boot ?? "ready\r\n";

    /// <summary>The Wi-Fi (seed and ESP-AT) profile names, the default first, then the ESP-AT releases oldest first.</summary>
    public static IReadOnlyList<string> Names { get; } = [Bk7238.Name, EspAt22.Name, EspAt32.Name, EspAt41.Name, EspAt50.Name];

    /// <summary>The cellular modules (docs/cellular.md, docs/quectel.md, docs/simcom.md).</summary>
    public static IReadOnlyList<string> CellularNames { get; } = [QuectelBg95.Name, QuectelEc21.Name, SimcomA7670.Name];

    /// <summary>Every name <c>--profile</c> accepts: the Wi-Fi profiles, then the cellular ones.</summary>
    public static IReadOnlyList<string> AllNames { get; } = [.. Names, .. CellularNames];

    /// <summary>Resolves a <c>--profile</c> value; null when there is no such profile.</summary>
    public static Profile? FromName(string name, int maxPubRaw = 65536) => name switch
    {
        Bk7238.Name => Bk7238.Create(),
        EspAt22.Name => EspAt22.Create(maxPubRaw),
        EspAt32.Name => EspAt32.Create(maxPubRaw),
        EspAt41.Name => EspAt41.Create(maxPubRaw),
        EspAt50.Name => EspAt50.Create(maxPubRaw),
        QuectelBg95.Name => QuectelBg95.Create(),
        QuectelEc21.Name => QuectelEc21.Create(),
        SimcomA7670.Name => SimcomA7670.Create(),
        _ => null,
    };

    /// <summary>
    /// The profile a <c>--dialect</c> stands for: <c>seed</c> is the seed page's module (bk7238), <c>esp-at</c>
    /// the newest ESP-AT release (esp-at-5.0), with that dialect's limits. <c>--dialect esp-at</c> keeps
    /// AtMqtt's own AT+GMR, as before profiles existed; <c>--profile esp-at-5.0</c> prints the release's.
    /// </summary>
    public static Profile ForDialect(Dialect dialect) => dialect.Name == Dialect.Seed.Name
        ? Bk7238.Create() with { Dialect = dialect }
        : EspAt50.Create(dialect.PubRawMaxBytes) with
        {
            Dialect = dialect,
            VersionLines = v => Basic.AtMqttVersionLines(v, dialect.Name),
        };

    /// <summary>Every command some profile knows, by name (fault and scenario validation before a modem exists).</summary>
    public static IReadOnlyList<string> AllCommandNames { get; } =
        [.. AllNames.SelectMany(n => FromName(n)!.Commands.All.Select(c => c.Name)).Distinct(StringComparer.Ordinal)];
}
