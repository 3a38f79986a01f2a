using System.Globalization;
using AtMqtt.Core.Mqtt;
using AtMqtt.Core.Parsing;

namespace AtMqtt.Core.Commands.Simcom;

/// <summary>
/// AT+CMQTTACCQ=&lt;i&gt;,"&lt;clientID&gt;"[,&lt;server_type&gt;] (A76XX: no 4th MQTT-version parameter; that is
/// CFG "version") and AT+CMQTTREL=&lt;i&gt;. ACCQ on an acquired index: <c>+CMQTTACCQ: &lt;i&gt;,19</c> then
/// <c>ERROR</c>; REL of an index never acquired: err 20; REL of a connected client: err 14 (DISC first).
/// </summary>
internal static class CmqttAccq
{
    public static readonly Command[] Commands =
    [
        new("AT+CMQTTACCQ", query: Query, set: Acquire, test: static (m, ref _) => Cmqtt.Info(m, "+CMQTTACCQ: (0-1),(1-128)[,(0-1)]")),
        new("AT+CMQTTREL", query: static (m, ref _) => CmqttService.Of(m).Started ? m.Ok() : Cmqtt.Error(m), set: Release, test: static (m, ref _) => Cmqtt.Info(m, "+CMQTTREL: (0-1)")),
    ];

    private static ValueTask Query(Modem m, ref ArgReader a) => !CmqttService.Of(m).Started
        ? Cmqtt.Error(m)
        : Cmqtt.Info(m, Cmqtt.All(m).Select(c => string.Create(CultureInfo.InvariantCulture, $"+CMQTTACCQ: {c.Client.Index},\"{c.Client.ClientId}\",{c.Client.ServerType}")));

    private static ValueTask Acquire(Modem m, ref ArgReader a)
    {
        if (!a.Arity(2, 3) || !Cmqtt.Client(m, ref a, 0, out _, out var client)
            || !a.Str(1, 128, 0, 0, out string clientId) || clientId.Length == 0
            || !a.OptInt(2, 0, 1, 0, 0, 0, out int serverType))
        {
            return Cmqtt.Error(m);
        }

        if (client.Acquired)
        {
            return Cmqtt.Refuse(m, "+CMQTTACCQ", client.Index, CmqttResult.ClientUsed);
        }

        client.Acquire(clientId, serverType);
        return m.Ok();
    }

    private static ValueTask Release(Modem m, ref ArgReader a)
    {
        if (!a.Arity(1, 1) || !Cmqtt.Client(m, ref a, 0, out var link, out var client))
        {
            return Cmqtt.Error(m);
        }

        if (!client.Acquired)
        {
            return Cmqtt.Refuse(m, "+CMQTTREL", client.Index, CmqttResult.ClientNotAcquired);
        }

        if (link.Phase is LinkPhase.Connecting or LinkPhase.Connected)
        {
            return Cmqtt.Refuse(m, "+CMQTTREL", client.Index, CmqttResult.ClientBusy);
        }

        client.Release();
        return m.Ok();
    }
}
