using AtMqtt.Core.Commands;
using AtMqtt.Core.Commands.Cellular;
using AtMqtt.Core.Commands.Quectel;
using AtMqtt.Core.Device;
using AtMqtt.Core.Dialects;

namespace AtMqtt.Core.Profiles;

/// <summary>
/// Quectel BG95-M3 (LTE Cat-M), firmware BG95M3LAR02A03_01.011.01.011, as real captures show it: six MQTT
/// clients (client_idx 0..5) driven by AT+QMT*, TLS through AT+QSSLCFG contexts, results as URCs a few hundred
/// milliseconds after their OK (docs/quectel.md), and the cellular start-up commands (docs/cellular.md).
/// </summary>
internal static class QuectelBg95
{
    public const string Name = "quectel-bg95";

    private const string Revision = "BG95M3LAR02A03";

    /// <summary>The command line limit of Quectel's Qualcomm-based modules (BG95, EC21): 560 bytes less the NUL.</summary>
    public const int QualcommLineBytes = 559;

    public static readonly CellularModule Module = new()
    {
        Manufacturer = "Quectel",
        Model = "BG95-M3",
        IdentificationLines = ["Quectel", "BG95-M3", "Revision: " + Revision],
        RevisionLine = Revision,
        ExtendedIdentification = [Revision + "_01.011.01.011"],
        Imei = "001000000000959",
        DefaultCmee = 1,
        MaxContextId = 16,
        CgdcontTrailingFields = 3,
        BearerAtAttach = false,
        AccessTechnology = 8,
        Signal = "28,0",
        AreaCode = "0001",
        CellId = "00000A01",
        SimReadyUrcs = ["+CPIN: READY", "+QUSIM: 1", "+QIND: SMS DONE"],
        PdpDeactivatedUrc = "+QIURC: \"pdpdeact\",{0}",
        Boot = "\r\nRDY\r\n\r\n+CPIN: READY\r\n\r\n+QUSIM: 1\r\n\r\n+QIND: SMS DONE\r\n",
    };

    // Built once: immutable, shared by every modem of this profile.
    private static readonly CommandTable Table = new(
    [
        .. Basic.Attention,
        .. Standard.Commands,
        .. Qgmr.Commands,
        .. Qicsgp.Commands,
        .. Qiact.Commands,
        .. Qisde.Commands,
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
        .. Qfile.Commands,
    ]);

    public static Profile Create() => new()
    {
        Name = Name,
        Dialect = Dialect.Quectel,
        Clients = 6,

        // Qualcomm's AT command processor (BG95 is an MDM9205): DSAT_MAX_LINE_SIZE 560 with the terminating NUL (docs/profiles.md).
        MaxLineBytes = QualcommLineBytes,

        // research §4: a real host drops a result URC that comes within about 0.2 s of its OK; real modules take 0.2-1.5 s.
        ResultDelay = TimeSpan.FromMilliseconds(300),
        Reporter = index => new QuectelClient(index),
        Commands = Table,
        VersionLines = _ => [Revision],
        Cellular = Module,
    };
}
