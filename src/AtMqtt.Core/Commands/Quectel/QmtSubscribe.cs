using System.Globalization;
using AtMqtt.Core.Mqtt;
using AtMqtt.Core.Parsing;

namespace AtMqtt.Core.Commands.Quectel;

/// <summary>
/// AT+QMTSUB=&lt;client_idx&gt;,&lt;msgID&gt;,"&lt;topic1&gt;",&lt;qos1&gt;[,"&lt;topic2&gt;",&lt;qos2&gt;...] (up to five
/// filters, one SUBSCRIBE). <c>OK</c>, then <c>+QMTSUB: &lt;idx&gt;,&lt;msgID&gt;,0,&lt;granted QoS of each filter&gt;</c>
/// (128: the broker refused that filter), or <c>+QMTSUB: &lt;idx&gt;,&lt;msgID&gt;,2</c> when no SUBACK came.
/// </summary>
internal static class QmtSubscribe
{
    public const int MaxFilters = 5;

    public static readonly Command[] Commands = [new("AT+QMTSUB", set: Set, test: Test, blocking: true)];

    private static ValueTask Test(Modem m, ref ArgReader a) => Qmt.Lines(m, "+QMTSUB: (0-5),(1-65535),\"<topic>\",(0-2)");

    private static ValueTask Set(Modem m, ref ArgReader a)
    {
        if (a.Count < 4 || a.Count % 2 != 0 || (a.Count - 2) / 2 > MaxFilters
            || !Qmt.Client(m, ref a, 0, out var link, out var client)
            || !a.Int(1, 1, 65535, out int msgId))
        {
            return Qmt.Error(m);
        }

        var filters = new List<Subscription>();
        for (int i = 2; i < a.Count; i += 2)
        {
            if (!a.Str(i, 255, 0, 0, out string filter) || !a.Int(i + 1, 0, 2, out int qos) || !Topics.IsValidFilter(filter))
            {
                return Qmt.Error(m);
            }

            filters.Add(new Subscription(filter, qos));
        }

        if (link.Phase != LinkPhase.Connected)
        {
            return Qmt.Error(m);
        }

        int idx = link.Index;
        var wait = Qmt.PacketWait(client);
        return Qmt.Accept(m, link, client, async () =>
        {
            var granted = await link.SubscribeManyAsync(filters, wait).ConfigureAwait(false);
            return granted is null
                ? Qmt.Urc("+QMTSUB", idx, msgId, 2)
                : string.Create(CultureInfo.InvariantCulture, $"+QMTSUB: {idx},{msgId},0,{string.Join(',', granted)}");
        });
    }
}
