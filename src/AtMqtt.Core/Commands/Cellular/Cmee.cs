using System.Globalization;

namespace AtMqtt.Core.Commands.Cellular;

/// <summary>AT+CMEE: how a failing network command reports (0 <c>ERROR</c>, 1 <c>+CME ERROR: &lt;n&gt;</c>, 2 its text).</summary>
internal static class Cmee
{
    public static readonly Command[] Commands =
    [
        new("AT+CMEE",
            query: static (m, ref _) => Answer.Info(m, string.Create(CultureInfo.InvariantCulture, $"+CMEE: {m.Network.Cmee}")),
            set: static (m, ref a) =>
            {
                if (!a.Arity(1, 1) || !a.Int(0, 0, 2, out int n))
                {
                    return m.Fail(a.Error);
                }

                m.Network.Cmee = n;
                return m.Ok();
            },
            test: static (m, ref _) => Answer.Info(m, "+CMEE: (0-2)")),
    ];
}
