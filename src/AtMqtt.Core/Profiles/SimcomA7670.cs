using AtMqtt.Core.Commands;
using AtMqtt.Core.Commands.Cellular;
using AtMqtt.Core.Commands.Simcom;
using AtMqtt.Core.Device;
using AtMqtt.Core.Dialects;

namespace AtMqtt.Core.Profiles;

/// <summary>
/// SIMCom A7670E-FASE (LTE Cat-1, A76XX family), firmware A011B07A7670M7_F, as real captures and the A76XX
/// manuals V1.09/V2.03 show it: two MQTT clients driven by AT+CMQTT* (docs/simcom.md), result URCs after the
/// network's time, and the cellular start-up commands (docs/cellular.md).
/// </summary>
internal static class SimcomA7670
{
    public const string Name = "simcom-a7670";

    private const string Revision = "A011B07A7670M7_F";
    private const string Imei = "001000000007673";
    private const string Capabilities = "+GCAP: +CGSM,+FCLASS,+DS";

    public static readonly CellularModule Module = new()
    {
        Manufacturer = "SIMCOM INCORPORATED",
        Model = "A7670E-FASE",
        IdentificationLines = ["Manufacturer: SIMCOM INCORPORATED", "Model: A7670E-FASE", "Revision: " + Revision, "IMEI: " + Imei, Capabilities],
        RevisionLine = "+CGMR: " + Revision,
        ExtendedIdentification =
        [
            "Manufacturer: SIMCOM INCORPORATED",
            "Model: A7670E-FASE",
            "Revision: " + Revision,
            "A7670M7_B07V01_240927",
            "QCN:",
            "IMEI: " + Imei,
            "MEID:",
            Capabilities,
            "DeviceInfo:",
        ],
        Imei = Imei,
        DefaultCmee = 0,
        MaxContextId = 15,
        CgdcontTrailingFields = 4,
        BearerAtAttach = true,
        AccessTechnology = 7,
        Signal = "27,99",
        AreaCode = "0001",
        CellId = "00000A01",
        ServingCellTail = "147,EUTRAN-BAND8,3500,3,0,14,38,37,2",
        SimReadyUrcs = ["+CPIN: READY", "SMS DONE", "PB DONE"],
        PdpDeactivatedUrc = "+CGEV: NW PDN DEACT {0}",
        BearerActivatedUrc = "+CGEV: EPS PDN ACT 1",
        NetworkClosedUrc = "+CIPEVENT: NETWORK CLOSED UNEXPECTEDLY",
        Boot = "\r\n*ATREADY: 1\r\n\r\n+CPIN: READY\r\n\r\n+CGEV: EPS PDN ACT 1\r\n\r\nSMS DONE\r\n\r\nPB DONE\r\n",
    };

    // Built once: immutable, shared by every modem of this profile.
    private static readonly CommandTable Table = new(
    [
        .. Basic.Attention,
        .. Standard.Commands,
        .. Simcomati.Commands,
        .. Cpsi.Commands,
        .. Netopen.Commands,
        .. Ipaddr.Commands,
        .. Csslcfg.Commands,
        .. Ccert.Commands,
        .. CmqttStart.Commands,
        .. CmqttAccq.Commands,
        .. CmqttSslCfg.Commands,
        .. CmqttCfg.Commands,
        .. CmqttWill.Commands,
        .. CmqttConnect.Commands,
        .. CmqttPublish.Commands,
        .. CmqttSubscribe.Commands,
        .. CmqttUnsubscribe.Commands,
    ]);

    public static Profile Create() => new()
    {
        Name = Name,
        Dialect = Dialect.EspAt() with { Name = "simcom" },
        Clients = 2,

        // No source gives the A76XX's (ASR) limit; its MQTT-EX inline forms carry a 500-byte topic on one line (docs/profiles.md).
        MaxLineBytes = 1024,

        // research §4: result URCs come a few hundred milliseconds after their OK on real modules.
        ResultDelay = TimeSpan.FromMilliseconds(300),
        Reporter = static i => new SimcomClient(i),
        Commands = Table,
        VersionLines = _ => ["+CGMR: " + Revision],
        Cellular = Module,
    };
}
