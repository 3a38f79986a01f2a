using AtMqtt.Core.Mqtt;
using AtMqtt.Core.Parsing;

namespace AtMqtt.Core.Commands.Quectel;

/// <summary>
/// AT+QMTUNS=&lt;client_idx&gt;,&lt;msgID&gt;,"&lt;topic1&gt;"[,"&lt;topic2&gt;"...] (up to five filters, one UNSUBSCRIBE).
/// <c>OK</c>, then <c>+QMTUNS: &lt;idx&gt;,&lt;msgID&gt;,0</c>, or <c>,2</c> when no UNSUBACK came.
/// </summary>
internal static class QmtUnsubscribe
{
    public static readonly Command[] Commands = [new("AT+QMTUNS", set: Set, test: Test, blocking: true)];

    private static ValueTask Test(Modem m, ref ArgReader a) => Qmt.Lines(m, "+QMTUNS: (0-5),(1-65535),\"<topic>\"");

    private static ValueTask Set(Modem m, ref ArgReader a)
    {
        if (a.Count < 3 || a.Count - 2 > QmtSubscribe.MaxFilters
            || !Qmt.Client(m, ref a, 0, out var link, out var client)
            || !a.Int(1, 1, 65535, out int msgId))
        {
            return Qmt.Error(m);
        }

        var filters = new List<string>();
        for (int i = 2; i < a.Count; i++)
        {
            if (!a.Str(i, 255, 0, 0, out string filter) || !Topics.IsValidFilter(filter))
            {
                return Qmt.Error(m);
            }

            filters.Add(filter);
        }

        if (link.Phase != LinkPhase.Connected)
        {
            return Qmt.Error(m);
        }

        int idx = link.Index;
        var wait = Qmt.PacketWait(client);
        return Qmt.Accept(m, link, client, async () =>
            Qmt.Urc("+QMTUNS", idx, msgId, await link.UnsubscribeManyAsync(filters, wait).ConfigureAwait(false) ? 0 : 2));
    }
}
