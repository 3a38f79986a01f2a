using AtMqtt.Core.Commands;
using AtMqtt.Core.Dialects;

namespace AtMqtt.Core.Profiles;

/// <summary>Beken BK7238 AT firmware as its MQTT page (the seed) documents it.</summary>
internal static class Bk7238
{
    public const string Name = "bk7238";

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
        .. Wifi.Commands,
        .. Sntp.Commands,
    ]);

    public static Profile Create() => new()
    {
        Name = Name,
        Dialect = Dialect.Seed,
        Commands = Table,
        VersionLines = v => Basic.AtMqttVersionLines(v, "seed"),
    };
}
