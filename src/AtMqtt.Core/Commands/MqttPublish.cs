using AtMqtt.Core.Parsing;

namespace AtMqtt.Core.Commands;

/// <summary>
/// AT+MQTTPUB=&lt;LinkID&gt;,&lt;"topic"&gt;,&lt;"data"&gt;,&lt;qos&gt;,&lt;retain&gt;[,&lt;timeout_ms&gt;].
/// OK only once the message is done: written (QoS 0), PUBACK (1) or PUBCOMP (2).
/// </summary>
internal static class MqttPublish
{
    public static readonly Command[] Commands = [new("AT+MQTTPUB", set: Set, blocking: true)];

    private static ValueTask Set(Modem m, ref ArgReader a)
    {
        if (!a.Arity(5, 6)
            || !CommonArgs.LinkId(ref a)
            || !CommonArgs.Topic(ref a, 1, filter: false, out string topic)
            || !a.Bytes(2, int.MaxValue, MqttError.DataReadFailed, MqttError.DataReadFailed, out byte[] data)
            || !CommonArgs.Qos(ref a, 3, out int qos)
            || !CommonArgs.Retain(ref a, 4, out bool retain)
            || !CommonArgs.Timeout(ref a, 5, out var timeout))
        {
            return m.Fail(a.Error);
        }

        if (data.Length == 0)
        {
            return m.Fail(ErrorCode.Mqtt(MqttError.DataIsNull));
        }

        if (!m.Link.IsConnected)
        {
            return m.Fail(ErrorCode.Mqtt(MqttError.InDisconnectedState));
        }

        return PublishAsync(m, topic, data, qos, retain, timeout);
    }

    private static async ValueTask PublishAsync(Modem m, string topic, byte[] data, int qos, bool retain, TimeSpan timeout)
    {
        if (await m.Link.PublishAsync(topic, data, qos, retain, timeout).ConfigureAwait(false))
        {
            m.Response.Ok();
        }
        else
        {
            m.Response.Error(ErrorCode.Mqtt(MqttError.PublishFailed));
        }
    }
}
