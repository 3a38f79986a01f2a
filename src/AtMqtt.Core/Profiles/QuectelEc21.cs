using AtMqtt.Core.Commands;
using AtMqtt.Core.Commands.Cellular;
using AtMqtt.Core.Commands.Quectel;
using AtMqtt.Core.Device;
using AtMqtt.Core.Dialects;

namespace AtMqtt.Core.Profiles;

/// <summary>
/// Quectel EC21-E (LTE Cat 1, Qualcomm, the "LTE Standard" EC2x family), firmware EC21EFAR06A08M4G: the BG95's six
/// AT+QMT* clients with what a host notices as different (docs/quectel.md, "quectel-ec21"): ATI and revision lines,
/// the boot and SIM-ready URCs with <c>+QIND: PB DONE</c>, LTE (AcT 7) registration, four fields after the PDP address
/// in AT+CGDCONT?, QMTCFG "version" 3 at power-on, and AT+QMTPUBEX in the length-and-prompt form with its
/// <c>+QMTPUBEX</c> result URC.
/// </summary>
internal static class QuectelEc21
{
    public const string Name = "quectel-ec21";

    private const string Revision = "EC21EFAR06A08M4G";

    public static readonly CellularModule Module = QuectelBg95.Module with
    {
        Model = "EC21",
        IdentificationLines = ["Quectel", "EC21", "Revision: " + Revision],
        RevisionLine = Revision,
        ExtendedIdentification = [Revision + "_20.200.20.200"],
        Imei = "001000000000218",
        CgdcontTrailingFields = 4,
        AccessTechnology = 7,
        SimReadyUrcs = ["+CPIN: READY", "+QUSIM: 1", "+QIND: SMS DONE", "+QIND: PB DONE"],
        Boot = "\r\nRDY\r\n\r\n+CPIN: READY\r\n\r\n+QUSIM: 1\r\n\r\n+QIND: SMS DONE\r\n\r\n+QIND: PB DONE\r\n",
    };

    // Built once: immutable, shared by every modem of this profile. The BG95's table but for AT+QMTPUBEX's form.
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
        .. QmtPublishEx.Prompted,
        .. QmtReceive.Commands,
        .. QsslConfig.Commands,
    ]);

    public static Profile Create() => QuectelBg95.Create() with
    {
        Name = Name,

        // An EC20 host's header: "3 is v3.1, 4 is v3.1.1, default 3" (research 1.1; the BG95 says 4).
        Reporter = index => new QuectelClient(index, defaultVersion: 3),
        Commands = Table,
        VersionLines = _ => [Revision],
        Cellular = Module,
    };
}
