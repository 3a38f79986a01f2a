using System.Globalization;
using AtMqtt.Core.Mqtt;
using AtMqtt.Core.Parsing;

namespace AtMqtt.Core.Commands;

/// <summary>AT+MQTTSUB=&lt;LinkID&gt;,&lt;"topic"&gt;,&lt;qos&gt;[,&lt;timeout_ms&gt;] (waits for SUBACK) and AT+MQTTSUB?.</summary>
internal static class MqttSubscribe
{
    public static readonly Command[] Commands = [new("AT+MQTTSUB", query: Query, set: Set, blocking: true)];

    private static ValueTask Query(Modem m, ref ArgReader a)
    {
        string state = m.Link.StateText;
        foreach (var s in m.Link.Subscriptions)
        {
            m.Response.Line(string.Create(CultureInfo.InvariantCulture, $"+MQTTSUB:0,{state},\"{s.Filter}\",{s.Qos}"));
        }

        return m.Ok();
    }

    private static ValueTask Set(Modem m, ref ArgReader a)
    {
        if (!CommonArgs.Arity(m, ref a, 3, 4)
            || !CommonArgs.LinkId(ref a)
            || !CommonArgs.Topic(ref a, 1, filter: true, out string filter)
            || !CommonArgs.Qos(ref a, 2, out int qos)
            || !CommonArgs.Timeout(ref a, 3, out var timeout))
        {
            return m.Fail(a.Error);
        }

        if (m.Link.User is null)
        {
            return m.Fail(ErrorCode.Mqtt(MqttError.NoConfigured));
        }

        if (m.Checks.Enabled)
        {
            Instrument.HostCheckHooks.Subscribing(m, filter, m.CurrentLine);
        }

        return SubscribeAsync(m, filter, qos, timeout);
    }

    private static async ValueTask SubscribeAsync(Modem m, string filter, int qos, TimeSpan timeout)
    {
        switch (await m.Link.SubscribeAsync(filter, qos, timeout).ConfigureAwait(false))
        {
            case MqttLink.SubscribeOutcome.Subscribed:
                m.Response.Ok();
                break;
            case MqttLink.SubscribeOutcome.AlreadySubscribed:
                m.Notice("ALREADY SUBSCRIBE");
                m.Response.Ok();
                break;
            default:
                m.Response.Error(ErrorCode.Mqtt(MqttError.SubscribeFailed));
                break;
        }
    }
}
