using AtMqtt.Core.Commands;
using AtMqtt.Core.Dialects;

namespace AtMqtt.Core.Profiles;

/// <summary>ESP-AT v2.2.0.0 (ESP32, ESP32-C3): AT+MQTTCLIENTID/USERNAME/PASSWORD, no LONG*, ALPN or SNI, lwt_msg 64, no timeout_ms.</summary>
internal static class EspAt22
{
    public const string Name = "esp-at-2.2";

    // Built once: immutable, shared by every modem of this profile.
    private static readonly CommandTable Table = new(
    [
        .. Basic.Commands,
        .. MqttUserConfig.Commands,
        .. MqttCredentials.Commands,
        .. MqttConnectionConfig.Commands,
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
    ]);

    public static Profile Create(int maxPubRaw) => new()
    {
        Name = Name,
        Dialect = Dialect.EspAt(maxPubRaw) with { LwtMessageMaxBytes = 64, TimeoutParameter = false },
        Commands = Table,
        VersionLines = v => Basic.EspAtVersionLines(v, "2.2.0.0", "Jul  2 2021 06:44:05", "v4.2.2", "Jul  2 2021 11:54:43", "2.2.0"),
    };
}
