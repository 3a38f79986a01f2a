using System.Text;
using AtMqtt.Core.Mqtt;
using AtMqtt.Core.Parsing;

namespace AtMqtt.Core.Commands.Simcom;

/// <summary>
/// AT+CMQTTSUBTOPIC=&lt;i&gt;,&lt;len&gt;,&lt;qos&gt; adds a filter to the client's list (<c>\r\n&gt;</c>, len bytes,
/// <c>OK</c>; the list holds 5120 bytes at most). AT+CMQTTSUB=&lt;i&gt;[,&lt;dup&gt;] subscribes the list in one SUBSCRIBE
/// and clears it; AT+CMQTTSUB=&lt;i&gt;,&lt;len&gt;,&lt;qos&gt;[,&lt;dup&gt;] takes one filter after <c>\r\n&gt;</c>. Either way
/// <c>OK</c>, then <c>+CMQTTSUB: &lt;i&gt;,0</c>; a filter the broker refused (SUBACK 0x80): err 12 (as hosts see
/// it, reference §5); no SUBACK in time: err 17. An empty list: err 18. With CFG "argtopic" 1 the one-topic form is
/// AT+CMQTTSUB=&lt;i&gt;,"&lt;topic&gt;",&lt;qos&gt; (A76XX MQTT-EX: the topic inline, up to 500 bytes, no data phase).
/// </summary>
internal static class CmqttSubscribe
{
    public static readonly Command[] Commands =
    [
        new("AT+CMQTTSUBTOPIC", set: Topic, test: static (m, ref _) => Cmqtt.Info(m, "+CMQTTSUBTOPIC: (0-1),(1-1024),(0-2)")),
        new("AT+CMQTTSUB", set: Subscribe, test: static (m, ref _) => Cmqtt.Info(m, "+CMQTTSUB: (0-1),(1-1024),(0-2),(0-1)")),
    ];

    private static ValueTask Topic(Modem m, ref ArgReader a)
    {
        if (!a.Arity(3, 3) || !Cmqtt.Client(m, ref a, 0, out _, out var client) || !a.Int(1, int.MinValue, int.MaxValue, out int length) || !a.Int(2, 0, 2, out int qos))
        {
            return Cmqtt.Error(m);
        }

        return !client.Acquired ? Cmqtt.Refuse(m, "+CMQTTSUBTOPIC", client.Index, CmqttResult.ClientNotAcquired)
            : length < 1 || length > 1024 || client.ListLength + length > SimcomClient.ListBytes ? Cmqtt.Refuse(m, "+CMQTTSUBTOPIC", client.Index, CmqttResult.LengthOutOfRange)
            : Cmqtt.Data(m, length, (modem, data) => Cmqtt.Entered(modem, "+CMQTTSUBTOPIC", client, data, d => client.SubTopics.Add((Encoding.UTF8.GetString(d), qos))));
    }

    private static ValueTask Subscribe(Modem m, ref ArgReader a)
    {
        if (!a.Arity(1, 4) || !Cmqtt.Client(m, ref a, 0, out var link, out var client))
        {
            return Cmqtt.Error(m);
        }

        if (a.Count <= 2)
        {
            // The list form.
            if (!a.OptInt(1, 0, 1, 0, 0, 0, out _))
            {
                return Cmqtt.Error(m);
            }

            if (!client.Acquired)
            {
                return Cmqtt.Refuse(m, "+CMQTTSUB", client.Index, CmqttResult.ClientNotAcquired);
            }

            List<Subscription> filters = [.. client.SubTopics.Select(s => new Subscription(s.Filter, s.Qos))];
            client.SubTopics.Clear();
            return filters.Count == 0 ? Cmqtt.Refuse(m, "+CMQTTSUB", client.Index, CmqttResult.TopicEmpty)
                : Cmqtt.NotConnected(link) is int err and not 0 ? Cmqtt.Refuse(m, "+CMQTTSUB", client.Index, err)
                : Go(m, link, client, filters);
        }

        if (client.ArgTopic == 1)
        {
            return Inline(m, ref a, link, client);
        }

        if (!a.Int(1, int.MinValue, int.MaxValue, out int length) || !a.Int(2, 0, 2, out int qos) || !a.OptInt(3, 0, 1, 0, 0, 0, out _))
        {
            return Cmqtt.Error(m);
        }

        if (!client.Acquired)
        {
            return Cmqtt.Refuse(m, "+CMQTTSUB", client.Index, CmqttResult.ClientNotAcquired);
        }

        if (length is < 1 or > 1024)
        {
            return Cmqtt.Refuse(m, "+CMQTTSUB", client.Index, CmqttResult.LengthOutOfRange);
        }

        return Cmqtt.Data(m, length, (modem, data) =>
        {
            if (!Cmqtt.Utf8Ok(client, data))
            {
                return Cmqtt.Refuse(modem, "+CMQTTSUB", client.Index, CmqttResult.BadUtf8);
            }

            return Cmqtt.NotConnected(link) is int err and not 0
                ? Cmqtt.Refuse(modem, "+CMQTTSUB", client.Index, err)
                : Go(modem, link, client, [new Subscription(Encoding.UTF8.GetString(data), qos)]);
        });
    }

    private static ValueTask Inline(Modem m, ref ArgReader a, MqttLink link, SimcomClient client)
    {
        if (!a.Arity(3, 3) || !a.Bytes(1, SimcomClient.InlineTopicBytes, 0, 0, out byte[] topic) || topic.Length == 0 || !a.Int(2, 0, 2, out int qos))
        {
            return Cmqtt.Error(m);
        }

        return !client.Acquired ? Cmqtt.Refuse(m, "+CMQTTSUB", client.Index, CmqttResult.ClientNotAcquired)
            : !Cmqtt.Utf8Ok(client, topic) ? Cmqtt.Refuse(m, "+CMQTTSUB", client.Index, CmqttResult.BadUtf8)
            : Cmqtt.NotConnected(link) is int err and not 0 ? Cmqtt.Refuse(m, "+CMQTTSUB", client.Index, err)
            : Go(m, link, client, [new Subscription(Encoding.UTF8.GetString(topic), qos)]);
    }

    private static ValueTask Go(Modem m, MqttLink link, SimcomClient client, List<Subscription> filters)
    {
        int idx = client.Index;
        var wait = TimeSpan.FromSeconds(client.OpTimeout);
        return Cmqtt.Accept(m, client, async () =>
        {
            var granted = await link.SubscribeManyAsync(filters, wait).ConfigureAwait(false);
            int result = granted is null ? (link.IsConnected ? CmqttResult.Timeout : CmqttResult.NoConnection)
                : granted.Contains(128) ? CmqttResult.InvalidParameter
                : CmqttResult.Success;
            return SimcomClient.Line("+CMQTTSUB", idx, result);
        });
    }
}
