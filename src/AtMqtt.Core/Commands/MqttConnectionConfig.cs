using AtMqtt.Core.Mqtt;
using AtMqtt.Core.Parsing;

namespace AtMqtt.Core.Commands;

/// <summary>AT+MQTTCONNCFG=&lt;LinkID&gt;,&lt;keepalive&gt;,&lt;disable_clean_session&gt;,&lt;"lwt_topic"&gt;,&lt;"lwt_msg"&gt;[,&lt;lwt_qos&gt;][,&lt;lwt_retain&gt;]</summary>
internal static class MqttConnectionConfig
{
    public static readonly Command[] Commands = [new("AT+MQTTCONNCFG", set: Set)];

    private static ValueTask Set(Modem m, ref ArgReader a)
    {
        if (!a.Arity(5, 7)
            || !CommonArgs.LinkId(ref a)
            || !a.Int(1, 0, 7200, MqttError.KeepaliveReadFailed, MqttError.KeepaliveValueIsWrong, out int keepalive)
            || !a.Int(2, 0, 1, MqttError.DisableCleanSessionReadFailed, MqttError.DisableCleanSessionValueIsWrong, out int disableClean)
            || !a.Str(3, 128, MqttError.LwtTopicReadFailed, MqttError.LwtTopicIsOverlength, out string lwtTopic)
            || !a.Bytes(4, m.Dialect.LwtMessageMaxBytes, MqttError.LwtMsgReadFailed, MqttError.LwtMsgIsOverlength, out byte[] lwtMessage)
            || !a.OptInt(5, 0, 2, 0, MqttError.LwtQosReadFailed, MqttError.LwtQosValueIsWrong, out int lwtQos)
            || !a.OptInt(6, 0, 1, 0, MqttError.LwtRetainReadFailed, MqttError.LwtRetainValueIsWrong, out int lwtRetain))
        {
            return m.Fail(a.Error);
        }

        if (lwtTopic.Length > 0 && !Topics.IsValidName(lwtTopic))
        {
            return m.Fail(ErrorCode.Mqtt(MqttError.LwtTopicReadFailed));
        }

        if (CommonArgs.ConfigureState(m) is uint error and not 0)
        {
            return m.Fail(error);
        }

        m.Link.Configure(new ConnectionConfig(keepalive, disableClean == 1, lwtTopic, lwtMessage, lwtQos, lwtRetain == 1));
        return m.Ok();
    }
}
