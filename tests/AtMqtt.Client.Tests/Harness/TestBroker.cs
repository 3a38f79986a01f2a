using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using MQTTnet.Server;
using Xunit;

namespace AtMqtt.Client.Tests.Harness;

/// <summary>Which broker a scenario runs against.</summary>
public enum BrokerKind
{
    /// <summary>MQTTnet's broker inside the test process.</summary>
    Embedded,

    /// <summary>A real mosquitto on a free loopback port.</summary>
    Mosquitto,
}

/// <summary>What a client sent in its CONNECT, as the embedded broker saw it.</summary>
public sealed record ConnectInfo(string ClientId, string? UserName, byte[]? Password, bool CleanSession, int KeepAlive);

/// <summary>
/// MQTTnet's broker on a free 127.0.0.1 port, recording every CONNECT (so that tests can check long
/// credentials byte for byte) and able to drop a client.
/// </summary>
public sealed class EmbeddedBroker : IAsyncDisposable
{
    private readonly ConcurrentDictionary<string, ConnectInfo> _connects = new();
    private MqttServer? _server;

    public int Port { get; private set; }

    public MqttServer Server => _server ?? throw new InvalidOperationException("not started");

    public static async Task<EmbeddedBroker> StartAsync()
    {
        var broker = new EmbeddedBroker();
        for (int attempt = 0; ; attempt++)
        {
            int port = FreePort.Get();
            var options = new MqttServerOptionsBuilder()
                .WithDefaultEndpoint()
                .WithDefaultEndpointBoundIPAddress(IPAddress.Loopback)
                .WithDefaultEndpointPort(port)
                .WithMaxPendingMessagesPerClient(200_000)
                .Build();
            var server = new MqttServerFactory().CreateMqttServer(options);
            server.ValidatingConnectionAsync += e =>
            {
                broker._connects[e.ClientId] = new ConnectInfo(e.ClientId, e.UserName, e.RawPassword is { Length: > 0 } raw ? raw.ToArray() : null, e.CleanSession == true, e.KeepAlivePeriod ?? -1);
                return Task.CompletedTask;
            };
            try
            {
                await server.StartAsync();
                broker._server = server;
                broker.Port = port;
                return broker;
            }
            catch (SocketException) when (attempt < 5)
            {
                server.Dispose();
            }
        }
    }

    /// <summary>The CONNECT the broker last saw from <paramref name="clientId"/>.</summary>
    public ConnectInfo? LastConnect(string clientId) => _connects.TryGetValue(clientId, out var info) ? info : null;

    /// <summary>All CONNECTs seen, by client ID.</summary>
    public IReadOnlyDictionary<string, ConnectInfo> Connects => _connects;

    /// <summary>Drops a client's connection from the broker side.</summary>
    public async Task KickAsync(string clientId)
    {
        var clients = await Server.GetClientsAsync();
        var client = clients.Single(c => c.Id == clientId);
        await client.DisconnectAsync(new MqttServerClientDisconnectOptions { ReasonCode = MQTTnet.Protocol.MqttDisconnectReasonCode.AdministrativeAction });
    }

    public async ValueTask DisposeAsync()
    {
        if (_server is { } server)
        {
            await server.StopAsync();
            server.Dispose();
        }
    }
}

/// <summary>One embedded broker and one mosquitto, shared by the tests of a class.</summary>
public sealed class BrokersFixture : IAsyncLifetime
{
    private EmbeddedBroker? _embedded;
    private MosquittoBroker? _mosquitto;

    public EmbeddedBroker Embedded => _embedded ?? throw new InvalidOperationException("not started");

    public MosquittoBroker Mosquitto => _mosquitto ?? throw new InvalidOperationException("not started");

    public int Port(BrokerKind kind) => kind == BrokerKind.Embedded ? Embedded.Port : Mosquitto.Port;

    public Task<MqttProbe> ProbeAsync(BrokerKind kind) => MqttProbe.ConnectAsync(FreePort.Host, Port(kind));

    public async Task InitializeAsync()
    {
        _embedded = await EmbeddedBroker.StartAsync();
        _mosquitto = await MosquittoBroker.StartAsync();
    }

    public async Task DisposeAsync()
    {
        if (_embedded is not null)
        {
            await _embedded.DisposeAsync();
        }

        if (_mosquitto is not null)
        {
            await _mosquitto.DisposeAsync();
        }
    }
}
