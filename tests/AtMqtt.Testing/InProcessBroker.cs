using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using MQTTnet.Protocol;
using MQTTnet.Server;
using Xunit;

namespace AtMqtt.Testing;

/// <summary>What a client sent in its CONNECT, as the broker saw it.</summary>
public sealed record ConnectInfo(string ClientId, string? UserName, string? Password, bool CleanSession, int KeepAlive);

/// <summary>
/// MQTTnet's in-process broker on a free 127.0.0.1 port, shared by the tests of a class. It records
/// every CONNECT and refuses clients whose user name is <see cref="RefusedUser"/>.
/// </summary>
public sealed class BrokerFixture : IAsyncLifetime
{
    public const string RefusedUser = "refuse-me";

    /// <summary>Subscriptions to filters starting with this are refused in SUBACK (0x80).</summary>
    public const string DeniedPrefix = "denied/";

    private readonly ConcurrentDictionary<string, ConnectInfo> _connects = new();
    private readonly ConcurrentDictionary<string, int> _connectCounts = new();
    private readonly ConcurrentDictionary<string, bool> _refused = new();
    private MqttServer? _server;

    public int Port { get; private set; }

    public MqttServer Server => _server ?? throw new InvalidOperationException("not started");

    public async Task InitializeAsync()
    {
        for (int attempt = 0; ; attempt++)
        {
            int port = FreePort.Get();
            var options = new MqttServerOptionsBuilder()
                .WithDefaultEndpoint()
                .WithDefaultEndpointBoundIPAddress(IPAddress.Loopback)
                .WithDefaultEndpointPort(port)
                .Build();
            var server = new MqttServerFactory().CreateMqttServer(options);
            server.ValidatingConnectionAsync += e =>
            {
                _connects[e.ClientId] = new ConnectInfo(e.ClientId, e.UserName, e.Password, e.CleanSession == true, e.KeepAlivePeriod ?? -1);
                _connectCounts.AddOrUpdate(e.ClientId, 1, (_, n) => n + 1);
                if (_refused.ContainsKey(e.ClientId))
                {
                    e.ReasonCode = MqttConnectReasonCode.ServerUnavailable;
                }
                else if (e.UserName == RefusedUser)
                {
                    e.ReasonCode = MqttConnectReasonCode.BadUserNameOrPassword;
                }

                return Task.CompletedTask;
            };
            server.InterceptingSubscriptionAsync += e =>
            {
                if (e.TopicFilter.Topic.StartsWith(DeniedPrefix, StringComparison.Ordinal))
                {
                    e.ProcessSubscription = false;
                    e.Response.ReasonCode = MqttSubscribeReasonCode.UnspecifiedError;
                }

                return Task.CompletedTask;
            };
            try
            {
                await server.StartAsync();
                _server = server;
                Port = port;
                return;
            }
            catch (SocketException) when (attempt < 5)
            {
                // Someone took the port between FreePort.Get and the bind: try another.
                server.Dispose();
            }
        }
    }

    /// <summary>The CONNECT the broker last saw from <paramref name="clientId"/>.</summary>
    public ConnectInfo? LastConnect(string clientId) => _connects.TryGetValue(clientId, out var info) ? info : null;

    /// <summary>How many CONNECTs the broker saw from <paramref name="clientId"/>.</summary>
    public int ConnectCount(string clientId) => _connectCounts.TryGetValue(clientId, out var n) ? n : 0;

    /// <summary>Refuses (CONNACK "server unavailable") every CONNECT from <paramref name="clientId"/> until <see cref="Allow"/>.</summary>
    public void Refuse(string clientId) => _refused[clientId] = true;

    public void Allow(string clientId) => _refused.TryRemove(clientId, out _);

    /// <summary>
    /// Waits until the broker holds a retained message on <paramref name="topic"/>: a QoS 0 publish has no
    /// acknowledgement, so its OK says nothing about when the broker has it.
    /// </summary>
    public async Task WaitRetainedAsync(string topic, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (!(await Server.GetRetainedMessagesAsync()).Any(m => m.Topic == topic))
        {
            Assert.True(DateTime.UtcNow < deadline, $"No retained message on {topic} after {timeout}");
            await Task.Delay(20);
        }
    }

    /// <summary>An independent client of this broker.</summary>
    public Task<MqttProbe> ProbeAsync() => MqttProbe.ConnectAsync(FreePort.Host, Port);

    /// <summary>Drops a client's connection from the broker side.</summary>
    public async Task KickAsync(string clientId)
    {
        var clients = await Server.GetClientsAsync();
        var client = clients.Single(c => c.Id == clientId);
        await client.DisconnectAsync(new MqttServerClientDisconnectOptions { ReasonCode = MqttDisconnectReasonCode.AdministrativeAction });
    }

    public async Task DisposeAsync()
    {
        if (_server is { } server)
        {
            await server.StopAsync();
            server.Dispose();
        }
    }
}
