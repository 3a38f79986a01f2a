using System.Globalization;
using AtMqtt.Core.Device;

namespace AtMqtt.Core.Commands.Cellular;

/// <summary>
/// AT+CGACT: <c>?</c> lists every defined context <c>+CGACT: &lt;cid&gt;,&lt;state&gt;</c>;
/// <c>=&lt;state&gt;[,&lt;cid&gt;...]</c> (no cid: every defined one) activates or deactivates. Activation fails
/// with "operation not allowed" for an undefined context, "no network service" unregistered or detached,
/// and "unspecified GPRS error" while a pdp-deactivated fault has the network refuse it.
/// </summary>
internal static class Cgact
{
    public static readonly Command[] Commands =
    [
        new("AT+CGACT",
            query: static (m, ref _) => Answer.Info(m, [.. m.Network.Contexts().Select(c => string.Create(CultureInfo.InvariantCulture, $"+CGACT: {c.Id},{(c.Active ? 1 : 0)}"))]),
            set: Set,
            test: static (m, ref _) => Answer.Info(m, "+CGACT: (0,1)"),
            blocking: true),
    ];

    private static ValueTask Set(Modem m, ref Parsing.ArgReader a)
    {
        var n = m.Network;
        if (!a.Arity(1, 1 + n.Module.MaxContextId) || !a.Int(0, 0, 1, out int state))
        {
            return m.Fail(a.Error);
        }

        var ids = new List<int>();
        for (int i = 1; i < a.Count; i++)
        {
            if (!a.Int(i, 1, n.Module.MaxContextId, out int cid))
            {
                return m.Fail(a.Error);
            }

            ids.Add(cid);
        }

        if (ids.Count == 0)
        {
            ids.AddRange(n.Contexts().Select(c => c.Id));
        }

        foreach (int cid in ids)
        {
            if (state == 0)
            {
                n.Deactivate(cid);
            }
            else if (n.Activate(cid) is not 0 and int error)
            {
                return Answer.CmeError(m, error);
            }
        }

        return m.Ok();
    }
}
