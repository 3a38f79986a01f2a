using System.Text;
using AtMqtt.Core.Mqtt;
using AtMqtt.Core.Parsing;

namespace AtMqtt.Core.Commands.Simcom;

/// <summary>
/// AT+CMQTTUNSUBTOPIC=&lt;i&gt;,&lt;len&gt; adds a filter to the client's unsubscribe list (<c>\r\n&gt;</c>, len bytes,
/// <c>OK</c>). AT+CMQTTUNSUB=&lt;i&gt;,&lt;dup&gt; unsubscribes the list in one UNSUBSCRIBE and clears it;
/// AT+CMQTTUNSUB=&lt;i&gt;,&lt;len&gt;,&lt;dup&gt; takes one filter after <c>\r\n&gt;</c>. <c>OK</c>, then
/// <c>+CMQTTUNSUB: &lt;i&gt;,0</c>; no UNSUBACK in time: err 17; an empty list: err 18. With CFG "argtopic" 1 the
/// one-topic form is AT+CMQTTUNSUB=&lt;i&gt;,"&lt;topic&gt;"[,&lt;dup&gt;] (A76XX MQTT-EX: inline, up to 500 bytes).
/// </summary>
internal static class CmqttUnsubscribe
{
    public static readonly Command[] Commands =
    [
        new("AT+CMQTTUNSUBTOPIC", set: Topic, test: static (m, ref _) => Cmqtt.Info(m, "+CMQTTUNSUBTOPIC: (0-1),(1-1024)")),
        new("AT+CMQTTUNSUB", set: Unsubscribe, test: static (m, ref _) => Cmqtt.Info(m, "+CMQTTUNSUB: (0-1),(1-1024),(0-1)")),
    ];

    private static ValueTask Topic(Modem m, ref ArgReader a)
    {
        if (!a.Arity(2, 2) || !Cmqtt.Client(m, ref a, 0, out _, out var client) || !a.Int(1, int.MinValue, int.MaxValue, out int length))
        {
            return Cmqtt.Error(m);
        }

        return !client.Acquired ? Cmqtt.Refuse(m, "+CMQTTUNSUBTOPIC", client.Index, CmqttResult.ClientNotAcquired)
            : length < 1 || length > 1024 || client.ListLength + length > SimcomClient.ListBytes ? Cmqtt.Refuse(m, "+CMQTTUNSUBTOPIC", client.Index, CmqttResult.LengthOutOfRange)
            : Cmqtt.Data(m, length, (modem, data) => Cmqtt.Entered(modem, "+CMQTTUNSUBTOPIC", client, data, d => client.UnsubTopics.Add(Encoding.UTF8.GetString(d))));
    }

    private static ValueTask Unsubscribe(Modem m, ref ArgReader a)
    {
        if (!a.Arity(2, 3) || !Cmqtt.Client(m, ref a, 0, out var link, out var client))
        {
            return Cmqtt.Error(m);
        }

        if (client.ArgTopic == 1 && a.IsQuoted(1))
        {
            return Inline(m, ref a, link, client);
        }

        if (a.Count == 2)
        {
            // The list form.
            if (!a.Int(1, 0, 1, out _))
            {
                return Cmqtt.Error(m);
            }

            if (!client.Acquired)
            {
                return Cmqtt.Refuse(m, "+CMQTTUNSUB", client.Index, CmqttResult.ClientNotAcquired);
            }

            List<string> filters = [.. client.UnsubTopics];
            client.UnsubTopics.Clear();
            return filters.Count == 0 ? Cmqtt.Refuse(m, "+CMQTTUNSUB", client.Index, CmqttResult.TopicEmpty)
                : Cmqtt.NotConnected(link) is int err and not 0 ? Cmqtt.Refuse(m, "+CMQTTUNSUB", client.Index, err)
                : Go(m, link, client, filters);
        }

        if (!a.Int(1, int.MinValue, int.MaxValue, out int length) || !a.Int(2, 0, 1, out _))
        {
            return Cmqtt.Error(m);
        }

        if (!client.Acquired)
        {
            return Cmqtt.Refuse(m, "+CMQTTUNSUB", client.Index, CmqttResult.ClientNotAcquired);
        }

        if (length is < 1 or > 1024)
        {
            return Cmqtt.Refuse(m, "+CMQTTUNSUB", client.Index, CmqttResult.LengthOutOfRange);
        }

        return Cmqtt.Data(m, length, (modem, data) =>
        {
            if (!Cmqtt.Utf8Ok(client, data))
            {
                return Cmqtt.Refuse(modem, "+CMQTTUNSUB", client.Index, CmqttResult.BadUtf8);
            }

            return Cmqtt.NotConnected(link) is int err and not 0
                ? Cmqtt.Refuse(modem, "+CMQTTUNSUB", client.Index, err)
                : Go(modem, link, client, [Encoding.UTF8.GetString(data)]);
        });
    }

    private static ValueTask Inline(Modem m, ref ArgReader a, MqttLink link, SimcomClient client)
    {
        if (!a.Bytes(1, SimcomClient.InlineTopicBytes, 0, 0, out byte[] topic) || topic.Length == 0 || !a.OptInt(2, 0, 1, 0, 0, 0, out _))
        {
            return Cmqtt.Error(m);
        }

        return !client.Acquired ? Cmqtt.Refuse(m, "+CMQTTUNSUB", client.Index, CmqttResult.ClientNotAcquired)
            : !Cmqtt.Utf8Ok(client, topic) ? Cmqtt.Refuse(m, "+CMQTTUNSUB", client.Index, CmqttResult.BadUtf8)
            : Cmqtt.NotConnected(link) is int err and not 0 ? Cmqtt.Refuse(m, "+CMQTTUNSUB", client.Index, err)
            : Go(m, link, client, [Encoding.UTF8.GetString(topic)]);
    }

    private static ValueTask Go(Modem m, MqttLink link, SimcomClient client, List<string> filters)
    {
        int idx = client.Index;
        var wait = TimeSpan.FromSeconds(client.OpTimeout);
        return Cmqtt.Accept(m, client, async () =>
        {
            bool ok = await link.UnsubscribeManyAsync(filters, wait).ConfigureAwait(false);
            int result = ok ? CmqttResult.Success : link.IsConnected ? CmqttResult.Timeout : CmqttResult.NoConnection;
            return SimcomClient.Line("+CMQTTUNSUB", idx, result);
        });
    }
}
