using AtMqtt.Core.Parsing;

namespace AtMqtt.Core.Commands;

/// <summary>
/// AT+MQTTPUBRAW=&lt;LinkID&gt;,&lt;"topic"&gt;,&lt;length&gt;[,&lt;qos&gt;][,&lt;retain&gt;][,&lt;timeout_ms&gt;]:
/// <c>\r\nOK\r\n\r\n&gt;</c>, exactly &lt;length&gt; raw bytes, then the dialect's result line.
/// </summary>
internal static class MqttPublishRaw
{
    public static readonly Command[] Commands = [new("AT+MQTTPUBRAW", set: Set)];

    private static ValueTask Set(Modem m, ref ArgReader a)
    {
        var dialect = m.Dialect;
        if (!CommonArgs.Arity(m, ref a, 3, 6)
            || !CommonArgs.LinkId(ref a)
            || !CommonArgs.Topic(ref a, 1, filter: false, out string topic)
            || !a.Int(2, 1, dialect.PubRawMaxBytes, MqttError.PublishLengthReadFailed, MqttError.PublishLengthValueIsWrong, out int length)
            || !a.OptInt(3, 0, 2, 0, MqttError.QosReadFailed, MqttError.QosValueIsWrong, out int qos)
            || !a.OptInt(4, 0, 1, 0, MqttError.RetainReadFailed, MqttError.RetainValueIsWrong, out int retain)
            || !CommonArgs.Timeout(ref a, 5, out var timeout))
        {
            return m.Fail(a.Error);
        }

        if (!m.Link.IsConnected)
        {
            return m.Fail(ErrorCode.Mqtt(MqttError.InDisconnectedState));
        }

        m.Response.Ok();
        m.Response.Raw("\r\n>"u8);
        m.BeginDataPhase(length, dialect.PubRawFail, (modem, data) => PublishAsync(modem, topic, data, qos, retain == 1, timeout));
        return ValueTask.CompletedTask;
    }

    private static async ValueTask PublishAsync(Modem m, string topic, byte[] data, int qos, bool retain, TimeSpan timeout)
    {
        bool ok = await m.Link.PublishAsync(topic, data, qos, retain, timeout).ConfigureAwait(false);
        m.Response.Final(ok ? m.Dialect.PubRawOk : m.Dialect.PubRawFail);
    }
}
