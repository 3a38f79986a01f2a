using AtMqtt.Core.Commands;
using AtMqtt.Core.Dialects;

namespace AtMqtt.Core.Profiles;

/// <summary>ESP-AT v2.2.0.0 (ESP32, ESP32-C3).</summary>
internal static class EspAt22
{
    public const string Name = "esp-at-2.2";

    public static Profile Create(int maxPubRaw) => new()
    {
        Name = Name,
        Description = "ESP-AT v2.2.0.0 (ESP32, ESP32-C3).",
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
            .. SysFlash.Commands,
            .. Wifi.Commands,
            .. Sntp.Commands,
        ]),
        VersionLines = v => Basic.AtMqttVersionLines(v, "esp-at"),
    };
}
