using System.Globalization;
using System.Text;
using AtMqtt.Core.Mqtt;
using AtMqtt.Core.Mqtt.Transport;
using AtMqtt.Core.Parsing;

namespace AtMqtt.Core.Commands.Simcom;

/// <summary>
/// AT+CMQTTCONNECT=&lt;i&gt;,"tcp://&lt;host&gt;[:&lt;port&gt;]",&lt;keepalive&gt;,&lt;clean_session&gt;[,"&lt;user&gt;"[,"&lt;pass&gt;"]]
/// with the client's ACCQ id and server_type (1: TLS), its will and CFG "version". The socket is opened
/// before the answer: a socket that cannot be opened is <c>+CMQTTCONNECT: &lt;i&gt;,3</c> (25: the name did not
/// resolve) then <c>ERROR</c>, as a real A7670E answers (ECM-20); otherwise <c>OK</c>, then
/// <c>+CMQTTCONNECT: &lt;i&gt;,0</c>, or 27..31 for CONNACK codes 1..5, 26 when the broker closed without a CONNACK,
/// 17 when none came within optimeout. AT+CMQTTDISC=&lt;i&gt;[,&lt;timeout&gt;]: DISCONNECT, <c>OK</c>, then
/// <c>+CMQTTDISC: &lt;i&gt;,0</c> (a lost connection is cleaned up the same way; never connected: err 11).
/// </summary>
internal static class CmqttConnect
{
    public static readonly Command[] Commands =
    [
        new("AT+CMQTTCONNECT", query: Query, set: Connect, test: static (m, ref _) => Cmqtt.Info(m, "+CMQTTCONNECT: (0-1),(9-256),(1-64800),(0-1)[,<user_name>,<pass_word>]"), blocking: true),
        new("AT+CMQTTDISC", query: DiscQuery, set: Disconnect, test: static (m, ref _) => Cmqtt.Info(m, "+CMQTTDISC: (0-1),(0,1-180)")),
    ];

    private static ValueTask Query(Modem m, ref ArgReader a)
    {
        if (!CmqttService.Of(m).Started)
        {
            return Cmqtt.Error(m);
        }

        // The password is not printed back (the manual's read form has it; a secret never goes back out).
        return Cmqtt.Info(m, Cmqtt.All(m).Select(c => c.Link.IsConnected && c.Client.Connected is { } s
            ? string.Create(CultureInfo.InvariantCulture, $"+CMQTTCONNECT: {c.Client.Index},\"{s.Address}\",{s.KeepAlive},{s.Clean}{(s.User is null ? "" : $",\"{s.User}\"")}")
            : string.Create(CultureInfo.InvariantCulture, $"+CMQTTCONNECT: {c.Client.Index}")));
    }

    private static ValueTask DiscQuery(Modem m, ref ArgReader a) => !CmqttService.Of(m).Started
        ? Cmqtt.Error(m)
        : Cmqtt.Info(m, Cmqtt.All(m).Select(c => string.Create(CultureInfo.InvariantCulture, $"+CMQTTDISC: {c.Client.Index},{(c.Link.IsConnected ? 0 : 1)}")));

    private static ValueTask Connect(Modem m, ref ArgReader a)
    {
        string? user = null;
        byte[]? password = null;
        if (!a.Arity(4, 6) || !Cmqtt.Client(m, ref a, 0, out var link, out var client)
            || !a.Str(1, 256, 0, 0, out string address)
            || !a.Int(2, 1, 64800, out int keepAlive) || !a.Int(3, 0, 1, out int clean)
            || (a.Count > 4 && !a.Str(4, 256, 0, 0, out user))
            || (a.Count > 5 && !a.Bytes(5, 256, 0, 0, out password))
            || !Target(address, out string host, out int port))
        {
            return Cmqtt.Error(m);
        }

        if (!client.Acquired)
        {
            return Cmqtt.Refuse(m, "+CMQTTCONNECT", client.Index, CmqttResult.ClientNotAcquired);
        }

        if (link.Phase is LinkPhase.Opening or LinkPhase.Opened or LinkPhase.Connecting or LinkPhase.Connected)
        {
            return Cmqtt.Refuse(m, "+CMQTTCONNECT", client.Index, CmqttResult.NotSupported);
        }

        int scheme = 1;
        TlsCredentials? credentials = null;
        if (client.ServerType == 1)
        {
            // The SSL context (AT+CMQTTSSLCFG; never set, the one numbered as the client) is read now: a file it
            // names that the store lacks, or one that does not parse, is err 33 (no certificate) before any socket.
            try
            {
                (scheme, var settings, credentials) = Csslcfg.Tls(m, client.SslContext ?? client.Index);
                link.Configure(settings);
            }
            catch (TransportException)
            {
                client.SslContext = null;
                return Cmqtt.Refuse(m, "+CMQTTCONNECT", client.Index, CmqttResult.NoCertificate);
            }
        }

        var config = new UserConfig(scheme, client.ClientId, user ?? "", password ?? [], 0, 0, "");
        bool will = client.WillTopic.Length > 0;
        link.Configure(new ConnectionConfig(keepAlive, DisableCleanSession: clean == 0, will ? client.WillTopic : "", will ? client.WillMessage ?? [] : [], will ? client.WillQos : 0, false)
        {
            ProtocolVersion = client.Version,
        });
        return ConnectAsync(m, link, client, new BrokerTarget(host, port, Reconnect: false), config, credentials, (address, keepAlive, clean, user, null));
    }

    private static async ValueTask ConnectAsync(Modem m, MqttLink link, SimcomClient client, BrokerTarget target, UserConfig config, TlsCredentials? credentials, (string, int, int, string?, string?) shown)
    {
        var wait = TimeSpan.FromSeconds(client.OpTimeout);

        // No bearer (radio off, not attached, the context down): the socket cannot open, as under a network fault.
        if (m.Network.Context(SimcomClient.BearerContext) is not { Active: true })
        {
            client.SslContext = null;
            await Cmqtt.Refuse(m, "+CMQTTCONNECT", client.Index, CmqttResult.SockConnectFail).ConfigureAwait(false);
            return;
        }

        if (await link.OpenAsync(target, config, wait, credentials).ConfigureAwait(false) is { } failure)
        {
            client.SslContext = null;
            int err = failure switch
            {
                OpenFailure.HostNotFound => CmqttResult.DnsError,
                OpenFailure.Tls => CmqttResult.HandshakeFail,
                _ => CmqttResult.SockConnectFail,
            };
            await Cmqtt.Refuse(m, "+CMQTTCONNECT", client.Index, err).ConfigureAwait(false);
            return;
        }

        int idx = client.Index;
        var time = m.Options.TimeProvider;
        await Cmqtt.Accept(m, client, async () =>
        {
            long started = time.GetTimestamp();
            ushort error = await link.ConnectAsync(target, wait).ConfigureAwait(false);
            if (error == 0)
            {
                client.Connected = shown;
                return SimcomClient.Line("+CMQTTCONNECT", idx, CmqttResult.Success);
            }

            client.SslContext = null;
            int result = link.LastRefusal != 0 ? CmqttResult.Refused(link.LastRefusal)
                : time.GetElapsedTime(started) >= wait ? CmqttResult.Timeout
                : CmqttResult.ClosedByServer;
            return SimcomClient.Line("+CMQTTCONNECT", idx, result);
        }).ConfigureAwait(false);
    }

    /// <summary><c>tcp://host[:port]</c>, 9..256 bytes (TLS too: server_type chooses it); the port defaults to 1883.</summary>
    private static bool Target(string address, out string host, out int port)
    {
        host = "";
        port = 1883;
        if (Encoding.UTF8.GetByteCount(address) < 9 || !address.StartsWith("tcp://", StringComparison.OrdinalIgnoreCase))
        {
            return false;
        }

        string rest = address[6..];
        int colon = rest.LastIndexOf(':');
        if (colon >= 0)
        {
            if (!int.TryParse(rest.AsSpan(colon + 1), NumberStyles.None, CultureInfo.InvariantCulture, out port) || port is < 1 or > 65535)
            {
                return false;
            }

            rest = rest[..colon];
        }

        host = rest.TrimEnd('/');
        return host.Length > 0;
    }

    private static ValueTask Disconnect(Modem m, ref ArgReader a)
    {
        if (!a.Arity(1, 2) || !Cmqtt.Client(m, ref a, 0, out var link, out var client) || !a.OptInt(1, 0, 180, 0, 0, 0, out _))
        {
            return Cmqtt.Error(m);
        }

        if (!client.Acquired)
        {
            return Cmqtt.Refuse(m, "+CMQTTDISC", client.Index, CmqttResult.ClientNotAcquired);
        }

        var phase = link.Phase;
        if (phase is not (LinkPhase.Connected or LinkPhase.Dropped))
        {
            return Cmqtt.Refuse(m, "+CMQTTDISC", client.Index, CmqttResult.NoConnection);
        }

        int idx = client.Index;
        return Cmqtt.Accept(m, client, async () =>
        {
            // A connection still up gets its DISCONNECT (no will); a lost one is only cleaned up.
            await link.CloseAsync(graceful: phase == LinkPhase.Connected, "AT+CMQTTDISC after the connection was lost").ConfigureAwait(false);
            client.SslContext = null;
            client.Connected = null;
            return SimcomClient.Line("+CMQTTDISC", idx, CmqttResult.Success);
        });
    }
}
