using AtMqtt.Core.Commands;
using AtMqtt.Core.Dialects;

namespace AtMqtt.Core.Profiles;

/// <summary>ESP-AT v4.1.1.0 (ESP32): LONG*, ALPN and SNI, lwt_msg 128, no timeout_ms.</summary>
internal static class EspAt41
{
    public const string Name = "esp-at-4.1";

    // Built once: immutable, shared by every modem of this profile.
    private static readonly CommandTable Table = new(
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
    ]);

    public static Profile Create(int maxPubRaw) => new()
    {
        Name = Name,
        Dialect = Dialect.EspAt(maxPubRaw) with { TimeoutParameter = false },
        Commands = Table,
        VersionLines = v => Basic.EspAtVersionLines(v, "4.1.1.0", "Jul 31 2025 08:37:48", "v5.4.1", "Jul 31 2025 08:37:48", "v4.1.1.0"),
    };
}
