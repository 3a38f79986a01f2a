using System.Globalization;
using System.Text;
using AtMqtt.Core.Device;

namespace AtMqtt.Core.Commands.Cellular;

/// <summary>
/// AT+CGDCONT: <c>=&lt;cid&gt;,"&lt;type&gt;","&lt;apn&gt;"[,...]</c> defines a context (the further 3GPP
/// parameters are accepted and not kept), <c>=&lt;cid&gt;</c> alone forgets it (not while active: "operation
/// not allowed"). <c>?</c> lists the defined ones as the module prints them:
/// <c>+CGDCONT: 1,"IP","apn","0.0.0.0",0,0,0</c> (BG95: 3 fields after the address, SIMCom 4).
/// </summary>
internal static class Cgdcont
{
    /// <summary>3GPP TS 23.003: an APN is at most 100 octets.</summary>
    public const int ApnMaxBytes = 100;

    public static readonly string[] Types = ["IP", "IPV6", "IPV4V6"];

    public static readonly Command[] Commands =
    [
        new("AT+CGDCONT", query: Query, set: Set, test: Test),
    ];

    private static ValueTask Query(Modem m, ref Parsing.ArgReader a)
    {
        string tail = string.Concat(Enumerable.Repeat(",0", m.Network.Module.CgdcontTrailingFields));
        return Answer.Info(m, [.. m.Network.Contexts().Select(c => string.Create(CultureInfo.InvariantCulture,
            $"+CGDCONT: {c.Id},\"{c.Type}\",\"{c.Apn}\",\"{Unassigned(c.Type)}\"{tail}"))]);
    }

    private static ValueTask Set(Modem m, ref Parsing.ArgReader a)
    {
        var n = m.Network;
        if (!a.Arity(1, 12) || !a.Int(0, 1, n.Module.MaxContextId, out int cid)
            || !DeviceArgs.OptText(ref a, 1, 8, out string? type)
            || !(type is null || Types.Contains(type.ToUpperInvariant()) || a.Fail(Parsing.ErrorCode.ParamInvalid(1)))
            || !DeviceArgs.OptText(ref a, 2, ApnMaxBytes, out string? apn))
        {
            return m.Fail(a.Error);
        }

        if (a.Count == 1)
        {
            return n.Undefine(cid) ? m.Ok() : Answer.CmeError(m, CmeErrors.OperationNotAllowed);
        }

        // An active context's new settings apply from its next activation (as AT+QICSGP's).
        n.Define(cid, (type ?? "IP").ToUpperInvariant(), apn ?? "");
        return m.Ok();
    }

    private static ValueTask Test(Modem m, ref Parsing.ArgReader a)
    {
        int max = m.Network.Module.MaxContextId;
        return Answer.Info(m, [.. Types.Select(t => string.Create(CultureInfo.InvariantCulture, $"+CGDCONT: (1-{max}),\"{t}\",,,(0-2),(0-4)"))]);
    }

    /// <summary>The address field of a context that asked for none: IPv4 zeros, or the IPv6 form in dotted decimal (SIM7600 capture).</summary>
    internal static string Unassigned(string type) => type == "IP" ? "0.0.0.0" : new StringBuilder().AppendJoin('.', Enumerable.Repeat('0', 16)).ToString();
}
