using AtMqtt.Core.Commands;
using AtMqtt.Core.Commands.Cellular;
using AtMqtt.Core.Commands.Quectel;
using AtMqtt.Core.Device;
using AtMqtt.Core.Dialects;

namespace AtMqtt.Core.Profiles;

/// <summary>
/// Quectel BG95-M3 (LTE Cat-M), firmware BG95M3LAR02A03_01.011.01.011, as real captures show it
/// (docs/cellular.md). The command table is a plain list of families.
/// </summary>
internal static class QuectelBg95
{
    public const string Name = "quectel-bg95";

    private const string Revision = "BG95M3LAR02A03";

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

    public static Profile Create() => new()
    {
        Name = Name,
        Dialect = Dialect.EspAt() with { Name = "quectel" },
        Commands = new CommandTable(
        [
            .. Basic.Attention,
            .. Identification.Commands,
            .. Cmee.Commands,
            .. Cpin.Commands,
            .. Cfun.Commands,
            .. Csq.Commands,
            .. Creg.Commands,
            .. Cops.Commands,
            .. Cgatt.Commands,
            .. Cgact.Commands,
            .. Cgdcont.Commands,
            .. Qgmr.Commands,
            .. Qicsgp.Commands,
            .. Qiact.Commands,
            .. Qisde.Commands,
        ]),
        VersionLines = _ => [Revision],
        Cellular = Module,
    };
}
