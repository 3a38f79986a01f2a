using AtMqtt.Core.Commands.Cellular;
using AtMqtt.Core.Device;

namespace AtMqtt.Core.Commands.Simcom;

/// <summary>
/// AT+CPSI? (SIMCom): the serving cell. Registered: <c>+CPSI: LTE,Online,001-01,0x&lt;tac&gt;,&lt;ci&gt;,...</c>
/// with the profile's captured radio fields; without service <c>+CPSI: NO SERVICE,Online</c>, radio off
/// <c>+CPSI: NO SERVICE,Low Power Mode</c>. The periodic report (<c>AT+CPSI=&lt;time&gt;</c>) is not modelled.
/// </summary>
internal static class Cpsi
{
    public static readonly Command[] Commands =
    [
        new("AT+CPSI", query: static (m, ref _) => Answer.Info(m, Line(m.Network))),
    ];

    private static string Line(CellularNetwork n)
    {
        if (n.Fun != 1)
        {
            return "+CPSI: NO SERVICE,Low Power Mode";
        }

        if (!n.Registered)
        {
            return "+CPSI: NO SERVICE,Online";
        }

        var module = n.Module;
        long cell = Convert.ToInt64(module.CellId, 16);
        return FormattableString.Invariant(
            $"+CPSI: LTE,Online,{CellularModule.OperatorNumeric[..3]}-{CellularModule.OperatorNumeric[3..]},0x{module.AreaCode},{cell},{module.ServingCellTail}");
    }
}
