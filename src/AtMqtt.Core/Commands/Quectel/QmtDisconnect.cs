using AtMqtt.Core.Mqtt;
using AtMqtt.Core.Parsing;

namespace AtMqtt.Core.Commands.Quectel;

/// <summary>
/// AT+QMTDISC=&lt;client_idx&gt;: MQTT DISCONNECT (no will), and the network connection closes with it.
/// <c>OK</c>, then <c>+QMTDISC: &lt;idx&gt;,0</c>. A client that is not connected is ERROR.
/// </summary>
internal static class QmtDisconnect
{
    public static readonly Command[] Commands = [new("AT+QMTDISC", set: Set, test: Test, blocking: true)];

    private static ValueTask Test(Modem m, ref ArgReader a) => Qmt.Lines(m, "+QMTDISC: (0-5)");

    private static ValueTask Set(Modem m, ref ArgReader a)
    {
        if (a.Count != 1 || !Qmt.Client(m, ref a, 0, out var link, out var client) || link.Phase != LinkPhase.Connected)
        {
            return Qmt.Error(m);
        }

        int idx = link.Index;
        return Qmt.Accept(m, link, client, async () =>
        {
            await link.CloseAsync(graceful: true).ConfigureAwait(false);
            return Qmt.Urc("+QMTDISC", idx, 0);
        });
    }
}
