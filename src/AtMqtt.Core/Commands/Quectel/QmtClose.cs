using AtMqtt.Core.Mqtt;
using AtMqtt.Core.Parsing;

namespace AtMqtt.Core.Commands.Quectel;

/// <summary>
/// AT+QMTCLOSE=&lt;client_idx&gt;: closes the client's network connection, opened or connected (no DISCONNECT:
/// the broker publishes the will). <c>OK</c>, then <c>+QMTCLOSE: &lt;idx&gt;,0</c>. A client that is not open is ERROR;
/// one closed by <c>+QMTSTAT</c> closes again with result 0 (hosts clean up that way).
/// </summary>
internal static class QmtClose
{
    public static readonly Command[] Commands = [new("AT+QMTCLOSE", set: Set, test: Test, blocking: true)];

    private static ValueTask Test(Modem m, ref ArgReader a) => Qmt.Lines(m, "+QMTCLOSE: (0-5)");

    private static ValueTask Set(Modem m, ref ArgReader a)
    {
        if (a.Count != 1 || !Qmt.Client(m, ref a, 0, out var link, out var client))
        {
            return Qmt.Error(m);
        }

        if (link.Phase is LinkPhase.Idle or LinkPhase.Opening)
        {
            return Qmt.Error(m);
        }

        int idx = link.Index;
        return Qmt.Accept(m, link, client, async () =>
        {
            await link.CloseAsync(graceful: false, "AT+QMTCLOSE").ConfigureAwait(false);
            return Qmt.Urc("+QMTCLOSE", idx, 0);
        });
    }
}
