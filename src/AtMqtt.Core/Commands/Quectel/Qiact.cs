using System.Globalization;
using AtMqtt.Core.Commands.Cellular;

namespace AtMqtt.Core.Commands.Quectel;

/// <summary>
/// AT+QIACT / AT+QIDEACT (Quectel): <c>AT+QIACT=&lt;cid&gt;</c> activates a context (<c>ERROR</c> when it is
/// already active or the module is not registered, as real BG95/BG770A logs show: plain <c>ERROR</c>, not
/// +CME ERROR); <c>AT+QIACT?</c> lists the active ones, <c>+QIACT: &lt;cid&gt;,1,&lt;type&gt;,"&lt;ip&gt;"</c>;
/// <c>AT+QIDEACT=&lt;cid&gt;</c> deactivates (<c>OK</c> also when it was not active).
/// </summary>
internal static class Qiact
{
    public static readonly Command[] Commands =
    [
        new("AT+QIACT", query: Query, set: Activate, test: static (m, ref _) => Answer.Info(m, Range(m, "+QIACT")), blocking: true),
        new("AT+QIDEACT", set: Deactivate, test: static (m, ref _) => Answer.Info(m, Range(m, "+QIDEACT")), blocking: true),
    ];

    private static ValueTask Query(Modem m, ref Parsing.ArgReader a) =>
        Answer.Info(m, [.. m.Network.Contexts().Where(c => c.Active).Select(c => string.Create(CultureInfo.InvariantCulture,
            $"+QIACT: {c.Id},1,{Array.IndexOf(Cgdcont.Types, c.Type) + 1},\"{c.Address}\""))]);

    private static ValueTask Activate(Modem m, ref Parsing.ArgReader a)
    {
        if (!a.Arity(1, 1) || !a.Int(0, 1, m.Network.Module.MaxContextId, out int cid))
        {
            return m.Fail(a.Error);
        }

        if (m.Network.Context(cid) is { Active: true } || m.Network.Activate(cid) != 0)
        {
            return m.Fail(0);
        }

        return m.Ok();
    }

    private static ValueTask Deactivate(Modem m, ref Parsing.ArgReader a)
    {
        if (!a.Arity(1, 1) || !a.Int(0, 1, m.Network.Module.MaxContextId, out int cid))
        {
            return m.Fail(a.Error);
        }

        m.Network.Deactivate(cid);
        return m.Ok();
    }

    private static string Range(Modem m, string name) => string.Create(CultureInfo.InvariantCulture, $"{name}: (1-{m.Network.Module.MaxContextId})");
}
