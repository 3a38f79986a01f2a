using System.Buffers;
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
        // Validation runs on the line's bytes: nothing is allocated until the message is sent.
        if (!CommonArgs.Arity(m, ref a, 5, 6)
            || !CommonArgs.LinkId(ref a)
            || !CommonArgs.TopicName(ref a, 1, out var topic)
            || !a.Span(2, int.MaxValue, MqttError.DataReadFailed, MqttError.DataReadFailed, out var data)
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

        byte[] payload = ArrayPool<byte>.Shared.Rent(data.Length);
        data.CopyTo(payload);
        return PublishAsync(m, m.Link.TopicString(topic), payload, data.Length, qos, retain, timeout);
    }

    private static async ValueTask PublishAsync(Modem m, string topic, byte[] payload, int length, int qos, bool retain, TimeSpan timeout)
    {
        try
        {
            bool ok = await m.Link.PublishAsync(topic, payload.AsMemory(0, length), qos, retain, timeout).ConfigureAwait(false);
            if (ok)
            {
                m.Response.Ok();
            }
            else
            {
                m.Response.Error(ErrorCode.Mqtt(MqttError.PublishFailed));
            }
        }
        finally
        {
            // MQTTnet has written the packet (and had it acknowledged) once PublishAsync returns.
            ArrayPool<byte>.Shared.Return(payload);
        }
    }
}
