using AtMqtt.Core.Commands;
using AtMqtt.Core.Commands.Quectel;
using AtMqtt.Core.Dialects;

namespace AtMqtt.Core.Profiles;

/// <summary>
/// Quectel BG95-M3 (firmware BG95M3LAR02A03): six MQTT clients (client_idx 0..5) driven by AT+QMT*,
/// TLS through AT+QSSLCFG contexts, results as URCs a few hundred milliseconds after their OK
/// (docs/quectel.md). The cellular start-up commands come from the cellular families.
/// </summary>
internal static class QuectelBg95
{
    public const string Name = "quectel-bg95";

    public static Profile Create() => new()
    {
        Name = Name,
        Dialect = Dialect.Quectel,
        Clients = 6,

        // research §4: a real host drops a result URC that comes within about 0.2 s of its OK; real modules take 0.2-1.5 s.
        ResultDelay = TimeSpan.FromMilliseconds(300),
        Reporter = index => new QuectelClient(index),
        Commands = new CommandTable(
        [
            .. Basic.Commands.Where(c => c.Name is "AT" or "ATE0" or "ATE1"),
            .. QmtConfig.Commands,
            .. QmtOpen.Commands,
            .. QmtClose.Commands,
            .. QmtConnect.Commands,
            .. QmtDisconnect.Commands,
            .. QmtSubscribe.Commands,
            .. QmtUnsubscribe.Commands,
            .. QmtPublish.Commands,
            .. QmtPublishEx.Commands,
            .. QmtReceive.Commands,
            .. QsslConfig.Commands,
        ]),
        VersionLines = _ => ["BG95M3LAR02A03"],
    };
}
