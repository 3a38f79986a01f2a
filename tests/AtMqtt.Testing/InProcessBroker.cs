using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using MQTTnet.Protocol;
using MQTTnet.Server;
using Xunit;

namespace AtMqtt.Testing;

/// <summary>What a client sent in its CONNECT, as the broker saw it.</summary>
/// <param name="ClientId">The client ID.</param>
/// <param name="UserName">The user name, if any.</param>
/// <param name="Password">The password as text, if any.</param>
/// <param name="CleanSession">The clean-session flag.</param>
/// <param name="KeepAlive">The keepalive in seconds (-1 if the broker did not see one).</param>
/// <param name="RawPassword">The password bytes, byte for byte (null when empty or absent).</param>
public sealed record ConnectInfo(string ClientId, string? UserName, string? Password, bool CleanSession, int KeepAlive, byte[]? RawPassword);

/// <summary>
/// MQTTnet's in-process broker on a free 127.0.0.1 port. It records every CONNECT (so that tests can
/// check long or binary credentials byte for byte), refuses clients whose user name is
/// <see cref="RefusedUser"/> or that <see cref="Refuse(string)"/> names, refuses subscriptions under
/// <see cref="DeniedPrefix"/>, and can drop a client.
/// </summary>
public sealed class InProcessBroker : IAsyncDisposable
{
    /// <summary>CONNECTs with this user name are refused (CONNACK "bad user name or password").</summary>
    public const string RefusedUser = "refuse-me";

    /// <summary>Subscriptions to filters starting with this are refused in SUBACK (0x80).</summary>
    public const string DeniedPrefix = "denied/";

    private readonly ConcurrentDictionary<string, ConnectInfo> _connects = new();
    private readonly ConcurrentDictionary<string, int> _connectCounts = new();
    private readonly ConcurrentDictionary<string, MqttConnectReasonCode> _refused = new();
    private readonly ConcurrentDictionary<string, bool> _closedOnConnect = new();
    private MqttServer? _server;

    private InProcessBroker()
    {
    }

    /// <summary>The loopback port the broker listens on.</summary>
    public int Port { get; private set; }

    /// <summary>The MQTTnet server itself.</summary>
    public MqttServer Server => _server ?? throw new InvalidOperationException("not started");

    /// <summary>All CONNECTs seen, by client ID (the last one of each client).</summary>
    public IReadOnlyDictionary<string, ConnectInfo> Connects => _connects;

    /// <summary>Starts a broker on a free loopback port (another port if someone takes it first).</summary>
    /// <param name="maxPendingMessagesPerClient">The broker's queue per client; null for MQTTnet's default.</param>
    public static async Task<InProcessBroker> StartAsync(int? maxPendingMessagesPerClient = null)
    {
        var broker = new InProcessBroker();
        for (int attempt = 0; ; attempt++)
        {
            int port = FreePort.Get();
            var builder = new MqttServerOptionsBuilder()
                .WithDefaultEndpoint()
                .WithDefaultEndpointBoundIPAddress(IPAddress.Loopback)
                .WithDefaultEndpointPort(port);
            if (maxPendingMessagesPerClient is { } max)
            {
                builder = builder.WithMaxPendingMessagesPerClient(max);
            }

            var server = new MqttServerFactory().CreateMqttServer(builder.Build());
            server.ValidatingConnectionAsync += broker.OnConnectAsync;
            server.InterceptingSubscriptionAsync += OnSubscribeAsync;
            try
            {
                await server.StartAsync();
                broker._server = server;
                broker.Port = port;
                return broker;
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
    public void Refuse(string clientId) => _refused[clientId] = MqttConnectReasonCode.ServerUnavailable;

    /// <summary>
    /// Refuses every CONNECT from <paramref name="clientId"/> with <paramref name="code"/> until <see cref="Allow"/>
    /// (an MQTT 3.1.1 client gets the CONNACK return code MQTTnet maps it to: unsupported protocol version 1,
    /// client identifier not valid 2, server unavailable 3, bad user name or password 4, not authorized 5).
    /// </summary>
    public void Refuse(string clientId, MqttConnectReasonCode code) => _refused[clientId] = code;

    /// <summary>
    /// Closes the connection of every CONNECT from <paramref name="clientId"/> without a CONNACK until
    /// <see cref="Allow"/>: the broker's handler fails, and MQTTnet drops the connection it was validating.
    /// </summary>
    public void CloseOnConnect(string clientId) => _closedOnConnect[clientId] = true;

    /// <summary>Accepts <paramref name="clientId"/> again after <see cref="Refuse(string)"/> or <see cref="CloseOnConnect"/>.</summary>
    public void Allow(string clientId)
    {
        _refused.TryRemove(clientId, out _);
        _closedOnConnect.TryRemove(clientId, out _);
    }

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

#if ATMQTT_CORE
    /// <summary>
    /// An <see cref="InMemoryModem"/> (default options, <c>ready</c> consumed) connected to this broker with
    /// <see cref="InMemoryModem.ConfigureAndConnectAsync"/>; disposed again if the connection fails.
    /// </summary>
    public async Task<InMemoryModem> ConnectedModemAsync()
    {
        var modem = await InMemoryModem.StartAsync();
        try
        {
            await modem.ConfigureAndConnectAsync(Port);
        }
        catch
        {
            await modem.DisposeAsync();
            throw;
        }

        return modem;
    }
#endif

    /// <summary>Drops a client's connection from the broker side.</summary>
    public async Task KickAsync(string clientId)
    {
        var clients = await Server.GetClientsAsync();
        var client = clients.Single(c => c.Id == clientId);
        await client.DisconnectAsync(new MqttServerClientDisconnectOptions { ReasonCode = MqttDisconnectReasonCode.AdministrativeAction });
    }

    /// <summary>Stops the broker.</summary>
    public async ValueTask DisposeAsync()
    {
        if (_server is { } server)
        {
            await server.StopAsync();
            server.Dispose();
        }
    }

    private Task OnConnectAsync(ValidatingConnectionEventArgs e)
    {
        _connects[e.ClientId] = new ConnectInfo(e.ClientId, e.UserName, e.Password, e.CleanSession == true, e.KeepAlivePeriod ?? -1,
            e.RawPassword is { Length: > 0 } raw ? raw.ToArray() : null);
        _connectCounts.AddOrUpdate(e.ClientId, 1, (_, n) => n + 1);
        if (_closedOnConnect.ContainsKey(e.ClientId))
        {
            throw new InvalidOperationException($"{e.ClientId}: closed without a CONNACK, as the test asked");
        }

        if (_refused.TryGetValue(e.ClientId, out var code))
        {
            e.ReasonCode = code;
        }
        else if (e.UserName == RefusedUser)
        {
            e.ReasonCode = MqttConnectReasonCode.BadUserNameOrPassword;
        }

        return Task.CompletedTask;
    }

    private static Task OnSubscribeAsync(InterceptingSubscriptionEventArgs e)
    {
        if (e.TopicFilter.Topic.StartsWith(DeniedPrefix, StringComparison.Ordinal))
        {
            e.ProcessSubscription = false;
            e.Response.ReasonCode = MqttSubscribeReasonCode.UnspecifiedError;
        }

        return Task.CompletedTask;
    }
}

/// <summary>An <see cref="InProcessBroker"/> shared by the tests of a class (an xUnit class fixture).</summary>
public sealed class BrokerFixture : IAsyncLifetime
{
    /// <inheritdoc cref="InProcessBroker.RefusedUser"/>
    public const string RefusedUser = InProcessBroker.RefusedUser;

    /// <inheritdoc cref="InProcessBroker.DeniedPrefix"/>
    public const string DeniedPrefix = InProcessBroker.DeniedPrefix;

    private InProcessBroker? _broker;

    /// <summary>The broker (started by <see cref="InitializeAsync"/>).</summary>
    public InProcessBroker Broker => _broker ?? throw new InvalidOperationException("not started");

    /// <inheritdoc cref="InProcessBroker.Port"/>
    public int Port => Broker.Port;

    /// <inheritdoc cref="InProcessBroker.Server"/>
    public MqttServer Server => Broker.Server;

    /// <summary>Starts the broker.</summary>
    public async Task InitializeAsync() => _broker = await InProcessBroker.StartAsync();

    /// <inheritdoc cref="InProcessBroker.LastConnect"/>
    public ConnectInfo? LastConnect(string clientId) => Broker.LastConnect(clientId);

    /// <inheritdoc cref="InProcessBroker.ConnectCount"/>
    public int ConnectCount(string clientId) => Broker.ConnectCount(clientId);

    /// <inheritdoc cref="InProcessBroker.Refuse(string)"/>
    public void Refuse(string clientId) => Broker.Refuse(clientId);

    /// <inheritdoc cref="InProcessBroker.Refuse(string, MqttConnectReasonCode)"/>
    public void Refuse(string clientId, MqttConnectReasonCode code) => Broker.Refuse(clientId, code);

    /// <inheritdoc cref="InProcessBroker.CloseOnConnect"/>
    public void CloseOnConnect(string clientId) => Broker.CloseOnConnect(clientId);

    /// <inheritdoc cref="InProcessBroker.Allow"/>
    public void Allow(string clientId) => Broker.Allow(clientId);

    /// <inheritdoc cref="InProcessBroker.WaitRetainedAsync"/>
    public Task WaitRetainedAsync(string topic, TimeSpan timeout) => Broker.WaitRetainedAsync(topic, timeout);

    /// <inheritdoc cref="InProcessBroker.ProbeAsync"/>
    public Task<MqttProbe> ProbeAsync() => Broker.ProbeAsync();

#if ATMQTT_CORE
    /// <inheritdoc cref="InProcessBroker.ConnectedModemAsync"/>
    public Task<InMemoryModem> ConnectedModemAsync() => Broker.ConnectedModemAsync();
#endif

    /// <inheritdoc cref="InProcessBroker.KickAsync"/>
    public Task KickAsync(string clientId) => Broker.KickAsync(clientId);

    /// <summary>Stops the broker.</summary>
    public async Task DisposeAsync()
    {
        if (_broker is not null)
        {
            await _broker.DisposeAsync();
        }
    }
}
