using System.Net;
using System.Security.Cryptography.X509Certificates;
using Microsoft.Extensions.Logging;
using MQTTnet.Adapter;
using MQTTnet.Diagnostics.Logger;
using MQTTnet.Exceptions;
using MQTTnet.Formatter;
using MQTTnet.Packets;
using MQTTnet.Server;

namespace AtMqtt.Cli.Broker;

/// <summary>
/// A client id for a client that sent none, as MQTT lets a broker do: 3.1.1 section 3.1.3.1 for a client
/// that asks for a clean session (one that asks to keep its session must name it, and is still refused
/// with "identifier rejected"), 5.0 for any client (the CONNACK tells it the id). <c>mosquitto_pub</c>
/// without <c>-i</c> is such a client, and mosquitto accepts it the same way.
/// </summary>
/// <remarks>
/// MQTTnet 5 refuses every empty id of a 3.1.1 client: its ValidatingConnection event can assign one only
/// to an MQTT 5 client (<see cref="ValidatingConnectionEventArgs.AssignedClientIdentifier"/>), and the
/// CONNECT packet it validates is not reachable from the event. So the listener hands MQTTnet each
/// connection through <see cref="Channel"/>, which fills in the id of such a CONNECT as it is read,
/// before MQTTnet validates it; MQTT 5 goes through the event. It also makes the refusal of a 3.1.1
/// client that sent no id but asked to keep its session the CONNACK the standard asks for.
/// </remarks>
internal sealed class ClientIdAssignment(IMqttServerAdapter inner, ILogger log) : IMqttServerAdapter
{
    private Func<IMqttChannelAdapter, Task>? _handler;

    public Func<IMqttChannelAdapter, Task> ClientHandler
    {
        get => _handler!;
        set
        {
            _handler = value;
            inner.ClientHandler = channel => value(new Channel(channel, log));
        }
    }

    /// <summary>A new id, unique as mosquitto's are (<c>auto-</c> and a UUID).</summary>
    public static string NewId() => "auto-" + Guid.NewGuid().ToString("D").ToUpperInvariant();

    /// <summary>The MQTT 5 half: MQTTnet takes the id from the event and tells it to the client in its CONNACK.</summary>
    public static Task OnValidatingConnection(ValidatingConnectionEventArgs e, ILogger log)
    {
        if (string.IsNullOrEmpty(e.ClientId) && e.ProtocolVersion == MqttProtocolVersion.V500)
        {
            e.AssignedClientIdentifier = NewId();
            log.LogDebug("A client from {Remote} sent no client id; assigned {ClientId}", Endpoints.Show(e.RemoteEndPoint), e.AssignedClientIdentifier);
        }

        return Task.CompletedTask;
    }

    public Task StartAsync(MqttServerOptions options, IMqttNetLogger logger) => inner.StartAsync(options, logger);

    public Task StopAsync() => inner.StopAsync();

    public void Dispose() => inner.Dispose();

    /// <summary>A client's connection, passed through but for the client id of its first packet.</summary>
    private sealed class Channel(IMqttChannelAdapter inner, ILogger log) : IMqttChannelAdapter
    {
        private bool _connectSeen;

        public long BytesReceived => inner.BytesReceived;

        public long BytesSent => inner.BytesSent;

        public X509Certificate2 ClientCertificate => inner.ClientCertificate;

        public EndPoint RemoteEndPoint => inner.RemoteEndPoint;

        public EndPoint LocalEndPoint => inner.LocalEndPoint;

        public bool IsSecureConnection => inner.IsSecureConnection;

        public MqttPacketFormatterAdapter PacketFormatterAdapter => inner.PacketFormatterAdapter;

        public Task ConnectAsync(CancellationToken cancellationToken) => inner.ConnectAsync(cancellationToken);

        public Task DisconnectAsync(CancellationToken cancellationToken) => inner.DisconnectAsync(cancellationToken);

        public async Task<MqttPacket> ReceivePacketAsync(CancellationToken cancellationToken)
        {
            MqttPacket packet;
            try
            {
                packet = await inner.ReceivePacketAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (MqttProtocolViolationException ex) when (!_connectSeen && ex.Message.Contains("MQTT-3.1.3-7", StringComparison.Ordinal))
            {
                // MQTTnet's decoder throws at an empty id without a clean session, and the connection would
                // close without a word. MQTT-3.1.3-8 wants CONNACK 0x02 (identifier rejected) first: MQTTnet
                // sends that for an empty id, so it gets one (the rest of the packet no longer matters).
                _connectSeen = true;
                log.LogDebug("A client from {Remote} sent no client id and asked to keep its session: refused", Endpoints.Show(inner.RemoteEndPoint));
                return new MqttConnectPacket { ClientId = "", CleanSession = false };
            }

            if (!_connectSeen && packet is MqttConnectPacket connect)
            {
                // Packets are read one at a time on a connection: no other read races this one.
                _connectSeen = true;
                if (string.IsNullOrEmpty(connect.ClientId) && connect.CleanSession && inner.PacketFormatterAdapter.ProtocolVersion != MqttProtocolVersion.V500)
                {
                    connect.ClientId = NewId();
                    log.LogDebug("A client from {Remote} sent no client id; assigned {ClientId}", Endpoints.Show(inner.RemoteEndPoint), connect.ClientId);
                }
            }

            return packet;
        }

        public void ResetStatistics() => inner.ResetStatistics();

        public Task SendPacketAsync(MqttPacket packet, CancellationToken cancellationToken) => inner.SendPacketAsync(packet, cancellationToken);

        public void Dispose() => inner.Dispose();
    }
}
