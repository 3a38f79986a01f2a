using System.Globalization;
using AtMqtt.Core.Mqtt;
using AtMqtt.Core.Parsing;

namespace AtMqtt.Core.Commands.Quectel;

/// <summary>
/// AT+QMTCONN=&lt;client_idx&gt;,"&lt;clientID&gt;"[,"&lt;username&gt;"[,"&lt;password&gt;"]]: the MQTT CONNECT on the
/// opened connection, with the client's QMTCFG settings (version, keepalive, session, will). <c>OK</c>, then
/// <c>+QMTCONN: &lt;idx&gt;,0,&lt;ret_code&gt;</c> with the broker's CONNACK code (0 accepted, 1..5 refused), or
/// <c>+QMTCONN: &lt;idx&gt;,2</c> when no CONNACK came. AT+QMTCONN? gives each open client's state:
/// 1 initializing, 2 connecting, 3 connected, 4 disconnecting.
/// </summary>
internal static class QmtConnect
{
    public static readonly Command[] Commands = [new("AT+QMTCONN", query: Query, set: Set, test: Test, blocking: true)];

    private static ValueTask Test(Modem m, ref ArgReader a) => Qmt.Lines(m, "+QMTCONN: (0-5),<clientID>,<username>,<password>");

    private static ValueTask Query(Modem m, ref ArgReader a)
    {
        foreach (var link in m.Links)
        {
            int state = link.Phase switch
            {
                LinkPhase.Opened => 1,
                LinkPhase.Connecting => 2,
                LinkPhase.Connected => 3,
                _ => 0,
            };
            if (state != 0)
            {
                Qmt.Info(m, string.Create(CultureInfo.InvariantCulture, $"+QMTCONN: {link.Index},{state}"));
            }
        }

        return m.Ok();
    }

    private static ValueTask Set(Modem m, ref ArgReader a)
    {
        string username = "";
        byte[] password = [];
        if (a.Count is < 2 or > 4
            || !Qmt.Client(m, ref a, 0, out var link, out var client)
            || !a.Str(1, 256, 0, 0, out string clientId)
            || (a.Count > 2 && !a.Str(2, 256, 0, 0, out username))
            || (a.Count > 3 && !a.Bytes(3, 256, 0, 0, out password)))
        {
            return Qmt.Error(m);
        }

        // CONNECT goes on an opened connection, once.
        if (link.Phase != LinkPhase.Opened || link.Target is not { } target || link.User is not { } opened)
        {
            return Qmt.Error(m);
        }

        link.Configure(new UserConfig(opened.Scheme, clientId, username, password, 0, 0, ""));
        var will = client.WillFlag == 1;
        link.Configure(new ConnectionConfig(
            client.KeepAlive,
            DisableCleanSession: client.CleanSession == 0,
            will ? client.WillTopic : "",
            will ? client.WillMessage : [],
            will ? client.WillQos : 0,
            will && client.WillRetain == 1)
        {
            KeepAliveZeroIsOff = true,
            ProtocolVersion = client.Version,
        });
        int idx = link.Index;
        var wait = Qmt.PacketWait(client);
        return Qmt.Accept(m, link, client, async () =>
        {
            ushort failure = await link.ConnectAsync(target, wait).ConfigureAwait(false);
            if (failure == 0)
            {
                return Qmt.Urc("+QMTCONN", idx, 0, 0);
            }

            // A refusal is the CONNACK's code; anything else is a CONNECT that could not be sent or answered.
            return link.LastRefusal != 0 ? Qmt.Urc("+QMTCONN", idx, 0, link.LastRefusal) : Qmt.Urc("+QMTCONN", idx, 2);
        });
    }
}
