using AtMqtt.Core.Commands;
using AtMqtt.Core.Dialects;

namespace AtMqtt.Core.Profiles;

/// <summary>ESP-AT v5.0.0.0, the newest release (the esp-at dialect).</summary>
internal static class EspAt50
{
    public const string Name = "esp-at-5.0";

    public static Profile Create(int maxPubRaw) => new()
    {
        Name = Name,
        Description = "ESP-AT v5.0.0.0, the newest release (the esp-at dialect).",
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
