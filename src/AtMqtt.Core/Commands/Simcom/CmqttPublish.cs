using AtMqtt.Core.Parsing;

namespace AtMqtt.Core.Commands.Simcom;

/// <summary>
/// AT+CMQTTTOPIC=&lt;i&gt;,&lt;len&gt; (1-1024) and AT+CMQTTPAYLOAD=&lt;i&gt;,&lt;len&gt; (1-10240): <c>\r\n&gt;</c>, exactly len
/// bytes, <c>OK</c>. AT+CMQTTPUB=&lt;i&gt;,&lt;qos&gt;,&lt;pub_timeout&gt;[,&lt;retained&gt;[,&lt;dup&gt;]] (timeout 1-180 s on
/// A76XX): <c>OK</c>, then <c>+CMQTTPUB: &lt;i&gt;,0</c> once the broker acknowledged it (QoS 1/2) or it went out
/// (QoS 0); err 17 when no acknowledgement came in time, 11 when the connection went meanwhile. PUB clears the
/// topic and payload; no topic: err 18; no payload: an empty message (SIM7600 AN 5.1.2). With CFG "argtopic" 1
/// the form is AT+CMQTTPUB=&lt;i&gt;,"&lt;topic&gt;",&lt;qos&gt;,&lt;req_length&gt;[,&lt;retained&gt;] (A76XX MQTT-EX): the topic
/// inline (up to 500 bytes), <c>\r\n&gt;</c>, exactly req_length (1-10240) payload bytes, <c>OK</c>, then the result
/// as above, waiting for the broker up to the client's optimeout (the form has no pub_timeout).
/// </summary>
internal static class CmqttPublish
{
    public static readonly Command[] Commands =
    [
        new("AT+CMQTTTOPIC", set: static (m, ref a) => Entry(m, ref a, "+CMQTTTOPIC", 1024, static (c, d) => c.Topic = d), test: static (m, ref _) => Cmqtt.Info(m, "+CMQTTTOPIC: (0-1),(1-1024)")),
        new("AT+CMQTTPAYLOAD", set: static (m, ref a) => Entry(m, ref a, "+CMQTTPAYLOAD", 10240, static (c, d) => c.Payload = d), test: static (m, ref _) => Cmqtt.Info(m, "+CMQTTPAYLOAD: (0-1),(1-10240)")),
        new("AT+CMQTTPUB", set: Publish, test: static (m, ref _) => Cmqtt.Info(m, "+CMQTTPUB: (0-1),(0-2),(1-180),(0-1),(0-1)")),
    ];

    private static ValueTask Entry(Modem m, ref ArgReader a, string name, int max, Action<SimcomClient, byte[]> keep)
    {
        if (!a.Arity(2, 2) || !Cmqtt.Client(m, ref a, 0, out _, out var client) || !a.Int(1, int.MinValue, int.MaxValue, out int length))
        {
            return Cmqtt.Error(m);
        }

        return !client.Acquired ? Cmqtt.Refuse(m, name, client.Index, CmqttResult.ClientNotAcquired)
            : length < 1 || length > max ? Cmqtt.Refuse(m, name, client.Index, CmqttResult.LengthOutOfRange)
            : Cmqtt.Data(m, length, (modem, data) => Cmqtt.Entered(modem, name, client, data, d => keep(client, d)));
    }

    private static ValueTask Publish(Modem m, ref ArgReader a)
    {
        if (Cmqtt.Client(m, ref a, 0, out var argLink, out var argClient) && argClient.ArgTopic == 1)
        {
            return Inline(m, ref a, argLink, argClient);
        }

        if (!a.Arity(3, 5) || !Cmqtt.Client(m, ref a, 0, out var link, out var client)
            || !a.Int(1, 0, 2, out int qos) || !a.Int(2, 1, 180, out int seconds)
            || !a.OptInt(3, 0, 1, 0, 0, 0, out int retained) || !a.OptInt(4, 0, 1, 0, 0, 0, out _))
        {
            return Cmqtt.Error(m);
        }

        if (!client.Acquired)
        {
            return Cmqtt.Refuse(m, "+CMQTTPUB", client.Index, CmqttResult.ClientNotAcquired);
        }

        var topic = client.Topic;
        var payload = client.Payload ?? [];
        client.Topic = null;
        client.Payload = null;
        if (topic is null)
        {
            return Cmqtt.Refuse(m, "+CMQTTPUB", client.Index, CmqttResult.TopicEmpty);
        }

        if (Cmqtt.NotConnected(link) is int err and not 0)
        {
            return Cmqtt.Refuse(m, "+CMQTTPUB", client.Index, err);
        }

        return Go(m, link, client, System.Text.Encoding.UTF8.GetString(topic), payload, qos, retained, TimeSpan.FromSeconds(seconds));
    }

    private static ValueTask Inline(Modem m, ref ArgReader a, Mqtt.MqttLink link, SimcomClient client)
    {
        if (!a.Arity(4, 5) || !a.Bytes(1, SimcomClient.InlineTopicBytes, 0, 0, out byte[] topic) || topic.Length == 0
            || !a.Int(2, 0, 2, out int qos) || !a.Int(3, int.MinValue, int.MaxValue, out int length) || !a.OptInt(4, 0, 1, 0, 0, 0, out int retained))
        {
            return Cmqtt.Error(m);
        }

        if (!client.Acquired)
        {
            return Cmqtt.Refuse(m, "+CMQTTPUB", client.Index, CmqttResult.ClientNotAcquired);
        }

        if (length is < 1 or > 10240)
        {
            return Cmqtt.Refuse(m, "+CMQTTPUB", client.Index, CmqttResult.LengthOutOfRange);
        }

        if (!Cmqtt.Utf8Ok(client, topic))
        {
            return Cmqtt.Refuse(m, "+CMQTTPUB", client.Index, CmqttResult.BadUtf8);
        }

        string topicText = System.Text.Encoding.UTF8.GetString(topic);
        return Cmqtt.Data(m, length, (modem, data) =>
        {
            if (!Cmqtt.Utf8Ok(client, data))
            {
                return Cmqtt.Refuse(modem, "+CMQTTPUB", client.Index, CmqttResult.BadUtf8);
            }

            return Cmqtt.NotConnected(link) is int err and not 0
                ? Cmqtt.Refuse(modem, "+CMQTTPUB", client.Index, err)
                : Go(modem, link, client, topicText, data, qos, retained, TimeSpan.FromSeconds(client.OpTimeout));
        });
    }

    private static ValueTask Go(Modem m, Mqtt.MqttLink link, SimcomClient client, string topic, byte[] payload, int qos, int retained, TimeSpan wait)
    {
        int idx = client.Index;
        return Cmqtt.Accept(m, client, async () =>
        {
            bool ok = await link.PublishAsync(topic, payload, qos, retained == 1, wait).ConfigureAwait(false);
            int result = ok ? CmqttResult.Success : link.IsConnected ? CmqttResult.Timeout : CmqttResult.NoConnection;
            return SimcomClient.Line("+CMQTTPUB", idx, result);
        });
    }
}
