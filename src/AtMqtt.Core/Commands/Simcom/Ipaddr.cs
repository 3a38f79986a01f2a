using AtMqtt.Core.Commands.Cellular;

namespace AtMqtt.Core.Commands.Simcom;

/// <summary>AT+IPADDR (SIMCom): <c>+IPADDR: &lt;ip&gt;</c> (no quotes) of the context AT+NETOPEN opened; not open: <c>+IP ERROR: Network not opened</c> and <c>ERROR</c>.</summary>
internal static class Ipaddr
{
    public static readonly Command[] Commands =
    [
        new("AT+IPADDR", execute: static (m, ref _) => m.Network.NetOpen
            ? Answer.Info(m, "+IPADDR: " + m.Network.Context(1)!.Address)
            : Answer.LineThenError(m, "+IP ERROR: Network not opened")),
    ];
}
