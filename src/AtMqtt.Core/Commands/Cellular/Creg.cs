using AtMqtt.Core.Device;

namespace AtMqtt.Core.Commands.Cellular;

/// <summary>
/// AT+CREG, AT+CGREG, AT+CEREG (one family: circuit, GPRS and EPS registration). <c>?</c> answers
/// <c>+CREG: &lt;n&gt;,&lt;stat&gt;</c> (with n=2 and registered also <c>,"&lt;tac&gt;","&lt;ci&gt;",&lt;AcT&gt;</c>);
/// <c>=&lt;n&gt;</c> sets the URC mode: 0 none, 1 <c>+CREG: &lt;stat&gt;</c> on each change, 2 with the location.
/// </summary>
internal static class Creg
{
    public static readonly Command[] Commands =
    [
        Registration("AT+CREG", CellularNetwork.Creg),
        Registration("AT+CGREG", CellularNetwork.Cgreg),
        Registration("AT+CEREG", CellularNetwork.Cereg),
    ];

    private static Command Registration(string name, int which) => new(name,
        query: (m, ref _) => Answer.Info(m, m.Network.RegistrationLine(which)),
        set: (m, ref a) =>
        {
            if (!a.Arity(1, 1) || !a.Int(0, 0, 2, out int n))
            {
                return m.Fail(a.Error);
            }

            m.Network.SetUrcMode(which, n);
            return m.Ok();
        },
        test: (m, ref _) => Answer.Info(m, name[2..] + ": (0-2)"));
}
