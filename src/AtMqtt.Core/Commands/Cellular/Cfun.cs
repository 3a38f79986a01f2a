using System.Globalization;
using AtMqtt.Core.Device;

namespace AtMqtt.Core.Commands.Cellular;

/// <summary>
/// AT+CFUN=&lt;fun&gt;[,&lt;rst&gt;]: 0 minimum functionality (radio and SIM off), 1 full, 4 radio off; rst 1
/// restarts the module after <c>OK</c> (its boot lines follow). What each level keeps is
/// <see cref="CellularNetwork.SetFun"/>'s.
/// </summary>
internal static class Cfun
{
    public static readonly Command[] Commands =
    [
        new("AT+CFUN",
            query: static (m, ref _) => Answer.Info(m, string.Create(CultureInfo.InvariantCulture, $"+CFUN: {m.Network.Fun}")),
            set: Set,
            test: static (m, ref _) => Answer.Info(m, "+CFUN: (0,1,4),(0,1)"),
            blocking: true),
    ];

    private static ValueTask Set(Modem m, ref Parsing.ArgReader a)
    {
        if (!a.Arity(1, 2) || !a.Int(0, 0, 4, out int fun) || !(fun != 2 && fun != 3 || a.Fail(Parsing.ErrorCode.ParamInvalid(0)))
            || !DeviceArgs.OptInt(ref a, 1, 0, 1, 0, out int reset))
        {
            return m.Fail(a.Error);
        }

        if (reset == 1)
        {
            // The module restarts into full functionality whatever fun asked for (27.007: "reset before setting").
            m.Response.Ok();
            return m.RestartAsync();
        }

        var urcs = m.Network.SetFun(fun);
        m.Response.Ok();
        Answer.Urcs(m, urcs);
        return ValueTask.CompletedTask;
    }
}
