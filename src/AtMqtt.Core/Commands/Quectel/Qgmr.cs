using AtMqtt.Core.Commands.Cellular;

namespace AtMqtt.Core.Commands.Quectel;

/// <summary>AT+QGMR (Quectel): the revision with its build (<c>BG95M3LAR02A03_01.011.01.011</c>); only the execution form exists.</summary>
internal static class Qgmr
{
    public static readonly Command[] Commands =
    [
        new("AT+QGMR", execute: static (m, ref _) => Answer.Info(m, m.Network.Module.ExtendedIdentification)),
    ];
}
