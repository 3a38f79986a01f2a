using AtMqtt.Core.Commands.Cellular;

namespace AtMqtt.Core.Commands.Simcom;

/// <summary>
/// AT+NETOPEN / AT+NETCLOSE (SIMCom socket service). NETOPEN: <c>OK</c>, then <c>+NETOPEN: 0</c> (context 1 is
/// activated if it is not), or <c>+NETOPEN: 1</c> when the network gives no context; already open:
/// <c>+IP ERROR: Network is already opened</c> and <c>ERROR</c>. <c>AT+NETOPEN?</c>: <c>+NETOPEN: &lt;0|1&gt;</c>.
/// NETCLOSE: <c>OK</c>, then <c>+NETCLOSE: 0</c>; not open: <c>+IP ERROR: Network is already closed</c> and <c>ERROR</c>.
/// </summary>
internal static class Netopen
{
    public static readonly Command[] Commands =
    [
        new("AT+NETOPEN", execute: static (m, ref _) => Open(m), query: static (m, ref _) => Answer.Info(m, m.Network.NetOpen ? "+NETOPEN: 1" : "+NETOPEN: 0"), blocking: true),
        new("AT+NETCLOSE", execute: static (m, ref _) => Close(m), blocking: true),
    ];

    private static ValueTask Open(Modem m)
    {
        if (m.Network.NetOpen)
        {
            return Answer.LineThenError(m, "+IP ERROR: Network is already opened");
        }

        // The result is the network's: it follows the OK as a URC (research §2.7).
        int error = m.Network.OpenNet();
        m.Response.Ok();
        Answer.Urcs(m, [error == 0 ? "+NETOPEN: 0" : "+NETOPEN: 1"]);
        return ValueTask.CompletedTask;
    }

    private static ValueTask Close(Modem m)
    {
        if (!m.Network.CloseNet())
        {
            return Answer.LineThenError(m, "+IP ERROR: Network is already closed");
        }

        m.Response.Ok();
        Answer.Urcs(m, ["+NETCLOSE: 0"]);
        return ValueTask.CompletedTask;
    }
}
