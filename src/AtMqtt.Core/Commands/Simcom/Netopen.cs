using AtMqtt.Core.Commands.Cellular;

namespace AtMqtt.Core.Commands.Simcom;

/// <summary>
/// AT+NETOPEN / AT+NETCLOSE (SIMCom socket service). NETOPEN: <c>OK</c>, then <c>+NETOPEN: 0</c> (context 1 is
/// activated if it is not), or <c>+NETOPEN: 1</c> when the network gives no context; already open:
/// <c>+IP ERROR: Network is already opened</c> and <c>ERROR</c>. <c>AT+NETOPEN?</c>: <c>+NETOPEN: &lt;0|1&gt;</c>.
/// NETCLOSE: <c>OK</c>, then <c>+NETCLOSE: 0</c>; not open: <c>+IP ERROR: Network is already closed</c> and <c>ERROR</c>.
/// Both result URCs come the profile's result delay after the <c>OK</c> (the timing model, as AT+CMQTT*'s).
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

        // The result is the network's: it follows the OK as a URC (research §2.7), after the timing model's delay.
        int error = m.Network.OpenNet();
        Later(m, error == 0 ? "+NETOPEN: 0" : "+NETOPEN: 1");
        return m.Ok();
    }

    private static ValueTask Close(Modem m)
    {
        if (!m.Network.CloseNet())
        {
            return Answer.LineThenError(m, "+IP ERROR: Network is already closed");
        }

        Later(m, "+NETCLOSE: 0");
        return m.Ok();
    }

    /// <summary>The result URC, no sooner than the modem's result delay after the OK, in the order of the commands.</summary>
    private static void Later(Modem m, string line) =>
        SimcomClient.Later(m.FamilyState<NetService>().Actions, m, m.Options.TimeProvider.GetTimestamp(), () => Task.FromResult<string?>(line));

    /// <summary>The socket service's results, one after the other (one per modem).</summary>
    private sealed class NetService
    {
        public SemaphoreSlim Actions { get; } = new(1, 1);
    }
}
