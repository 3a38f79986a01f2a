namespace AtMqtt.Core.Commands.Cellular;

/// <summary>The 3GPP TS 27.007 commands every cellular module answers, in the order the profiles list them.</summary>
internal static class Standard
{
    public static readonly Command[] Commands =
    [
        .. Identification.Commands,
        .. Cmee.Commands,
        .. Cpin.Commands,
        .. Cfun.Commands,
        .. Csq.Commands,
        .. Creg.Commands,
        .. Cops.Commands,
        .. Cgatt.Commands,
        .. Cgact.Commands,
        .. Cgdcont.Commands,
    ];
}
