using AtMqtt.Core.Commands;
using AtMqtt.Core.Dialects;

namespace AtMqtt.Core.Profiles;

/// <summary>ESP-AT v4.1.0.0.</summary>
internal static class EspAt41
{
    public const string Name = "esp-at-4.1";

    public static Profile Create(int maxPubRaw) => new()
    {
        Name = Name,
        Description = "ESP-AT v4.1.0.0.",
        Dialect = Dialect.EspAt(maxPubRaw),
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
            .. SysMfg.Commands,
            .. Wifi.Commands,
            .. Sntp.Commands,
        ]),
        VersionLines = v => Basic.AtMqttVersionLines(v, "esp-at"),
    };
}
