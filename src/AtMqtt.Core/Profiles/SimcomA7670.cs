using AtMqtt.Core.Commands;
using AtMqtt.Core.Commands.Simcom;
using AtMqtt.Core.Dialects;

namespace AtMqtt.Core.Profiles;

/// <summary>
/// SIMCom A7670E-FASE (LTE Cat-1, A76XX family) as the A76XX manuals V1.09/V2.03 and real captures show it
/// (docs/simcom.md): two MQTT clients, AT+CMQTT*, result URCs after the network's time. The command table
/// is a plain list of families.
/// </summary>
internal static class SimcomA7670
{
    public const string Name = "simcom-a7670";

    private const string Revision = "A011B07A7670M7_F";

    public static Profile Create() => new()
    {
        Name = Name,
        Dialect = Dialect.EspAt() with { Name = "simcom" },
        Commands = new CommandTable(
        [
            .. Basic.Attention,
            .. CmqttStart.Commands,
            .. CmqttAccq.Commands,
            .. CmqttSslCfg.Commands,
            .. CmqttCfg.Commands,
            .. CmqttWill.Commands,
            .. CmqttConnect.Commands,
            .. CmqttPublish.Commands,
            .. CmqttSubscribe.Commands,
            .. CmqttUnsubscribe.Commands,
        ]),
        VersionLines = _ => ["+CGMR: " + Revision],
        Clients = 2,
        ResultDelay = TimeSpan.FromMilliseconds(300),
        Reporter = static i => new SimcomClient(i),
    };
}
