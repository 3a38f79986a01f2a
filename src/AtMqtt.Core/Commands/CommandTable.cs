namespace AtMqtt.Core.Commands;

/// <summary>
/// Every command the modem knows, listed in code (no reflection: fast to build and trimmable).
/// Immutable, so one table serves every modem in the process.
/// </summary>
public static class CommandTable
{
    public static readonly Command[] All =
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
    ];

    public static Command? Find(ReadOnlySpan<byte> name)
    {
        var all = All;
        for (int i = 0; i < all.Length; i++)
        {
            if (name.SequenceEqual(all[i].NameBytes))
            {
                return all[i];
            }
        }

        return null;
    }
}
