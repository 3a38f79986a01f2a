using AtMqtt.Core.Commands;
using AtMqtt.Core.Dialects;

namespace AtMqtt.Core.Profiles;

/// <summary>ESP-AT v3.2.0.0 (ESP32): LONG* and ALPN, no SNI, lwt_msg 64, no timeout_ms.</summary>
internal static class EspAt32
{
    public const string Name = "esp-at-3.2";

    // Built once: immutable, shared by every modem of this profile.
    private static readonly CommandTable Table = new(
    [
        .. Basic.Commands,
        .. MqttUserConfig.Commands,
        .. MqttLong.Commands,
        .. MqttConnectionConfig.Commands,
        .. MqttAlpn.Commands,
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
        Dialect = Dialect.EspAt(maxPubRaw) with { LwtMessageMaxBytes = 64, TimeoutParameter = false },
        Commands = Table,
        VersionLines = v => Basic.EspAtVersionLines(v, "3.2.0.0", "Jul 28 2023 07:05:28", "v5.0.2", "Jul 28 2023 09:47:28", "v3.2.0.0"),
    };
}
