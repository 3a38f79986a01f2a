using AtMqtt.Core.Device;

namespace AtMqtt.Core.Commands.Cellular;

/// <summary>AT+CGATT: packet-domain attach; <c>=1</c> without registration fails with "no network service", <c>=0</c> drops the contexts.</summary>
internal static class Cgatt
{
    public static readonly Command[] Commands =
    [
        new("AT+CGATT",
            query: static (m, ref _) => Answer.Info(m, m.Network.Attached ? "+CGATT: 1" : "+CGATT: 0"),
            set: static (m, ref a) =>
            {
                if (!a.Arity(1, 1) || !a.Int(0, 0, 1, out int state))
                {
                    return m.Fail(a.Error);
                }

                if (!m.Network.TrySetAttached(state == 1, out var urcs))
                {
                    return Answer.CmeError(m, CmeErrors.NoNetworkService);
                }

                m.Response.Ok();
                Answer.Urcs(m, urcs);
                return ValueTask.CompletedTask;
            },
            test: static (m, ref _) => Answer.Info(m, "+CGATT: (0,1)"),
            blocking: true),
    ];
}
