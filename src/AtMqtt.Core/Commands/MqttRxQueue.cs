using System.Globalization;

namespace AtMqtt.Core.Commands;

/// <summary>
/// AT+MQTTRXQUEUE? (an AtMqtt extension): <c>+MQTTRXQUEUE:0,&lt;waiting&gt;,&lt;limit&gt;,&lt;dropped&gt;,&lt;too_large&gt;</c> —
/// QoS 0 messages waiting for the host, the bound, how many were dropped since start, and how many
/// messages over <c>--max-message-bytes</c> made the modem close the broker connection.
/// </summary>
internal static class MqttRxQueue
{
    public static readonly Command[] Commands = [new("AT+MQTTRXQUEUE", query: static (m, ref _) => Query(m))];

    private static ValueTask Query(Modem m)
    {
        var q = m.Urcs;
        m.Response.Line(string.Create(CultureInfo.InvariantCulture, $"+MQTTRXQUEUE:0,{q.Qos0Waiting},{q.Qos0Limit},{q.Qos0Dropped},{q.TooLarge}"));
        return m.Ok();
    }
}
