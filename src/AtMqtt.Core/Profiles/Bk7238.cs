using AtMqtt.Core.Commands;
using AtMqtt.Core.Dialects;

namespace AtMqtt.Core.Profiles;

/// <summary>Beken BK7238 AT firmware as its MQTT page (the seed) documents it.</summary>
internal static class Bk7238
{
    public const string Name = "bk7238";

    public static Profile Create() => new()
    {
        Name = Name,
        Dialect = Dialect.Seed,
        Commands = new CommandTable(
        [
            .. Basic.Commands,
            .. MqttUserConfig.Commands,
            .. MqttLong.Commands,
            .. MqttConnectionConfig.Commands,
            .. MqttAlpn.Commands,
            .. MqttSni.Commands,
            .. MqttConnect.Commands,
            .. MqttPublish.Commands,
            .. MqttPublishRaw.Commands,
            .. MqttSubscribe.Commands,
            .. MqttUnsubscribe.Commands,
            .. MqttClean.Commands,
            .. MqttRxQueue.Commands,
            .. SystemCommands.Commands,
            .. Wifi.Commands,
            .. Sntp.Commands,
        ]),
        VersionLines = v => Basic.AtMqttVersionLines(v, "seed"),
    };
}
