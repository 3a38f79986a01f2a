using System.Globalization;
using AtMqtt.Core.Device;

namespace AtMqtt.Core.Commands.Cellular;

/// <summary>
/// AT+COPS: the one simulated operator (the 3GPP test network 001-01, named AtMqtt). <c>?</c> answers
/// <c>+COPS: &lt;mode&gt;,&lt;format&gt;,"&lt;oper&gt;",&lt;AcT&gt;</c> while registered, <c>+COPS: &lt;mode&gt;</c>
/// otherwise; <c>=0</c> automatic, <c>=1,&lt;format&gt;,"&lt;oper&gt;"</c> that operator (another one: no
/// network service), <c>=2</c> deregisters, <c>=3,&lt;format&gt;</c> sets the format, <c>=4</c> as 1 then 0.
/// </summary>
internal static class Cops
{
    public static readonly Command[] Commands =
    [
        new("AT+COPS", query: Query, set: Set, test: Test, blocking: true),
    ];

    private static ValueTask Query(Modem m, ref Parsing.ArgReader a)
    {
        var n = m.Network;
        int mode = n.CopsMode;
        return Answer.Info(m, n.Registered
            ? string.Create(CultureInfo.InvariantCulture, $"+COPS: {mode},{n.CopsFormat},\"{Name(n.CopsFormat)}\",{n.Module.AccessTechnology}")
            : string.Create(CultureInfo.InvariantCulture, $"+COPS: {mode}"));
    }

    private static ValueTask Set(Modem m, ref Parsing.ArgReader a)
    {
        if (!a.Arity(1, 4) || !a.Int(0, 0, 4, out int mode) || !DeviceArgs.OptInt(ref a, 1, 0, 2, m.Network.CopsFormat, out int format)
            || !DeviceArgs.OptText(ref a, 2, 32, out string? oper) || !DeviceArgs.OptInt(ref a, 3, 0, 9, 0, out _))
        {
            return m.Fail(a.Error);
        }

        if (mode is 1 or 4 && oper is null)
        {
            return m.Fail(Parsing.ErrorCode.ParamCount(3, a.Count));
        }

        if (a.Has(1))
        {
            m.Network.CopsFormat = format;
        }

        if (mode == 3)
        {
            return m.Ok();
        }

        if (mode == 1 && oper != Name(format))
        {
            return Answer.CmeError(m, CmeErrors.NoNetworkService);
        }

        // 4 (manual, else automatic) ends in automatic whichever operator it named.
        var urcs = m.Network.SetCopsMode(mode == 4 ? 0 : mode);
        m.Response.Ok();
        Answer.Urcs(m, urcs);
        return ValueTask.CompletedTask;
    }

    private static ValueTask Test(Modem m, ref Parsing.ArgReader a) => Answer.Info(m, string.Create(CultureInfo.InvariantCulture,
        $"+COPS: (2,\"{CellularModule.OperatorName}\",\"{CellularModule.OperatorName}\",\"{CellularModule.OperatorNumeric}\",{m.Network.Module.AccessTechnology}),,(0-4),(0-2)"));

    private static string Name(int format) => format == 2 ? CellularModule.OperatorNumeric : CellularModule.OperatorName;
}
