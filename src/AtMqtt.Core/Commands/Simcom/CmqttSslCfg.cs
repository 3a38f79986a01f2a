using System.Globalization;
using AtMqtt.Core.Parsing;

namespace AtMqtt.Core.Commands.Simcom;

/// <summary>
/// AT+CMQTTSSLCFG=&lt;session_id&gt;,&lt;ssl_ctx_index&gt;: the SSL context (0..9, AT+CSSLCFG) a TLS client
/// (ACCQ server_type 1) connects with; never set, the context numbered as the client. Cleared by DISC and by a
/// failed CONNECT (A76XX manual). <c>?</c>: <c>+CMQTTSSLCFG: &lt;i&gt;,&lt;ctx&gt;</c> per client, the context empty when unset.
/// </summary>
internal static class CmqttSslCfg
{
    public static readonly Command[] Commands =
    [
        new("AT+CMQTTSSLCFG", query: Query, set: Set, test: static (m, ref _) => Cmqtt.Info(m, "+CMQTTSSLCFG: (0,1),(0-9)")),
    ];

    private static ValueTask Query(Modem m, ref ArgReader a) => !CmqttService.Of(m).Started
        ? Cmqtt.Error(m)
        : Cmqtt.Info(m, Cmqtt.All(m).Select(c => string.Create(CultureInfo.InvariantCulture, $"+CMQTTSSLCFG: {c.Client.Index},{c.Client.SslContext?.ToString(CultureInfo.InvariantCulture)}")));

    private static ValueTask Set(Modem m, ref ArgReader a)
    {
        if (!a.Arity(2, 2) || !Cmqtt.Client(m, ref a, 0, out _, out var client) || !a.Int(1, 0, 9, out int context))
        {
            return Cmqtt.Error(m);
        }

        client.SslContext = context;
        return m.Ok();
    }
}
