namespace AtMqtt.Core.Commands.Cellular;

/// <summary>
/// The identification family as the profile's module prints it: ATI, AT+GMR / AT+CGMR (revision),
/// AT+GMI / AT+CGMI (manufacturer), AT+GMM / AT+CGMM (model), AT+GSN / AT+CGSN (IMEI).
/// </summary>
internal static class Identification
{
    public static readonly Command[] Commands =
    [
        new("ATI", execute: static (m, ref _) => Answer.Info(m, m.Network.Module.IdentificationLines)),
        .. Pair("AT+GMR", "AT+CGMR", static m => m.Network.Module.RevisionLine),
        .. Pair("AT+GMI", "AT+CGMI", static m => m.Network.Module.Manufacturer),
        .. Pair("AT+GMM", "AT+CGMM", static m => m.Network.Module.Model),
        .. Pair("AT+GSN", "AT+CGSN", static m => m.Network.Module.Imei),
    ];

    private static Command[] Pair(string v25, string gpp, Func<Modem, string> line) =>
    [
        new(v25, execute: (m, ref _) => Answer.Info(m, line(m)), test: static (m, ref _) => m.Ok()),
        new(gpp, execute: (m, ref _) => Answer.Info(m, line(m)), test: static (m, ref _) => m.Ok()),
    ];
}
