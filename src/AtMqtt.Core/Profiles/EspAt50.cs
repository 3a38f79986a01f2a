using AtMqtt.Core.Commands;
using AtMqtt.Core.Dialects;

namespace AtMqtt.Core.Profiles;

/// <summary>ESP-AT v5.0.0.0, the newest release (what --dialect esp-at stands for): every command, timeout_ms.</summary>
internal static class EspAt50
{
    public const string Name = "esp-at-5.0";

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
        Dialect = Dialect.EspAt(maxPubRaw),
        Commands = Table,
        VersionLines = v => Basic.EspAtVersionLines(v, "5.0.0.0", "Oct 17 2025 08:55:06", "v5.5.1", "Oct 17 2025 19:46:13", "v5.0.0.0"),
    };
}
