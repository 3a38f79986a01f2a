using AtMqtt.Core.Mqtt;
using AtMqtt.Core.Parsing;

namespace AtMqtt.Core.Commands;

/// <summary>AT+MQTTUNSUB=&lt;LinkID&gt;,&lt;"topic"&gt;[,&lt;timeout_ms&gt;]: waits for UNSUBACK; <c>NO UNSUBSCRIBE</c> when there is nothing to undo.</summary>
internal static class MqttUnsubscribe
{
    public static readonly Command[] Commands = [new("AT+MQTTUNSUB", set: Set, blocking: true)];

    private static ValueTask Set(Modem m, ref ArgReader a)
    {
        if (!CommonArgs.Arity(m, ref a, 2, 3)
            || !CommonArgs.LinkId(ref a)
            || !CommonArgs.Topic(ref a, 1, filter: true, out string filter)
            || !CommonArgs.Timeout(ref a, 2, out var timeout))
        {
            return m.Fail(a.Error);
        }

        return UnsubscribeAsync(m, filter, timeout);
    }

    private static async ValueTask UnsubscribeAsync(Modem m, string filter, TimeSpan timeout)
    {
        switch (await m.Link.UnsubscribeAsync(filter, timeout).ConfigureAwait(false))
        {
            case MqttLink.UnsubscribeOutcome.Unsubscribed:
                m.Response.Ok();
                break;
            case MqttLink.UnsubscribeOutcome.NotSubscribed:
                m.Notice("NO UNSUBSCRIBE");
                m.Response.Ok();
                break;
            default:
                m.Response.Error(ErrorCode.Mqtt(MqttError.UnsubscribeFailed));
                break;
        }
    }
}
