using AtMqtt.Core.Device;

namespace AtMqtt.Core.Commands.Cellular;

/// <summary>
/// AT+CPIN: the simulated SIM needs no PIN. <c>AT+CPIN?</c> answers <c>+CPIN: READY</c>, or SIM failure
/// while AT+CFUN=0 has it powered down; entering a PIN it does not ask for is "operation not allowed"
/// (a real BG770A's answer to <c>AT+CPIN="0000"</c>).
/// </summary>
internal static class Cpin
{
    public static readonly Command[] Commands =
    [
        new("AT+CPIN",
            query: static (m, ref _) => m.Network.SimReady ? Answer.Info(m, "+CPIN: READY") : Answer.CmeError(m, CmeErrors.SimFailure),
            set: static (m, ref a) =>
            {
                if (!a.Arity(1, 2) || !DeviceArgs.Text(ref a, 0, 8, out _) || !DeviceArgs.OptText(ref a, 1, 8, out _))
                {
                    return m.Fail(a.Error);
                }

                return Answer.CmeError(m, m.Network.SimReady ? CmeErrors.OperationNotAllowed : CmeErrors.SimFailure);
            },
            test: static (m, ref _) => m.Ok()),
    ];
}
