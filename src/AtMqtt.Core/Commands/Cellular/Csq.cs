namespace AtMqtt.Core.Commands.Cellular;

/// <summary>AT+CSQ: the profile's signal while registered, <c>99,99</c> (not known) without service.</summary>
internal static class Csq
{
    public static readonly Command[] Commands =
    [
        new("AT+CSQ",
            execute: static (m, ref _) => Answer.Info(m, "+CSQ: " + (m.Network.Registered ? m.Network.Module.Signal : "99,99")),
            test: static (m, ref _) => Answer.Info(m, "+CSQ: (0-31,99),(0-7,99)")),
    ];
}
