using AtMqtt.Core.Commands.Cellular;

namespace AtMqtt.Core.Commands.Quectel;

/// <summary>AT+QISDE (Quectel): whether AT+QISEND echoes its data, 1 by default. Kept for hosts that set it; no socket command here reads it.</summary>
internal static class Qisde
{
    public static readonly Command[] Commands =
    [
        new("AT+QISDE",
            query: static (m, ref _) => Answer.Info(m, m.Network.SendDataEcho ? "+QISDE: 1" : "+QISDE: 0"),
            set: static (m, ref a) =>
            {
                if (!a.Arity(1, 1) || !a.Int(0, 0, 1, out int echo))
                {
                    return m.Fail(a.Error);
                }

                m.Network.SendDataEcho = echo == 1;
                return m.Ok();
            },
            test: static (m, ref _) => Answer.Info(m, "+QISDE: (0,1)")),
    ];
}
