using AtMqtt.Core.Commands.Cellular;

namespace AtMqtt.Core.Commands.Simcom;

/// <summary>AT+SIMCOMATI (SIMCom): the product information lines as a real A7670E-FASE prints them, with this modem's IMEI.</summary>
internal static class Simcomati
{
    public static readonly Command[] Commands =
    [
        new("AT+SIMCOMATI", execute: static (m, ref _) => Answer.Info(m, m.Network.Module.ExtendedIdentification)),
    ];
}
