using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Logging;
using MQTTnet.Server;

namespace AtMqtt.Cli.Broker;

/// <summary>
/// MQTTnet's broker in-process on loopback only (127.0.0.1 and, where the machine has it, ::1), so
/// the modem works with nothing else installed and nothing beyond the machine can reach it. A client
/// without a client id gets one, as from mosquitto (<see cref="ClientIdAssignment"/>).
/// </summary>
internal sealed class EmbeddedBroker : IAsyncDisposable
{
    /// <summary>MQTT's registered port, for <c>--embedded-broker</c> without a port.</summary>
    public const int DefaultPort = 1883;

    private readonly MqttServer _server;
    private readonly ILogger _log;

    private EmbeddedBroker(MqttServer server, int port, ILogger log)
    {
        _server = server;
        Port = port;
        _log = log;
    }

    public int Port { get; }

    /// <summary>Starts the broker on <paramref name="port"/>; 0 picks a free one (<see cref="Port"/> says which).</summary>
    public static async Task<EmbeddedBroker> StartAsync(int port, ILogger log)
    {
        if (port != 0)
        {
            return await StartOnAsync(port, log).ConfigureAwait(false);
        }

        // MQTTnet does not say which port it bound: one the system has just handed out is asked for
        // by number, and another is tried should something take it in between.
        for (int attempt = 1; ; attempt++)
        {
            try
            {
                return await StartOnAsync(FreeLoopbackPort(), log).ConfigureAwait(false);
            }
            catch (SocketException ex) when (ex.SocketErrorCode == SocketError.AddressAlreadyInUse && attempt < 5)
            {
            }
        }
    }

    private static int FreeLoopbackPort()
    {
        using var probe = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        probe.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        return ((IPEndPoint)probe.LocalEndPoint!).Port;
    }

    private static async Task<EmbeddedBroker> StartOnAsync(int port, ILogger log)
    {
        // MQTTnet opens an IPv6 listener too, on [::] unless told otherwise; IPAddress.None leaves it out.
        var v6 = Ipv6LoopbackAvailable() ? IPAddress.IPv6Loopback : IPAddress.None;
        var options = new MqttServerOptionsBuilder()
            .WithDefaultEndpoint()
            .WithDefaultEndpointBoundIPAddress(IPAddress.Loopback)
            .WithDefaultEndpointBoundIPV6Address(v6)
            .WithDefaultEndpointPort(port)
            .WithPersistentSessions()
            .WithMaxPendingMessagesPerClient(100_000)
            .Build();
        var factory = new MqttServerFactory();
        var adapters = factory.DefaultServerAdapters.Select(create => (IMqttServerAdapter)new ClientIdAssignment(create(factory), log)).ToList();
        var server = factory.CreateMqttServer(options, adapters);
        server.ValidatingConnectionAsync += e => ClientIdAssignment.OnValidatingConnection(e, log);
        try
        {
            await server.StartAsync().ConfigureAwait(false);
        }
        catch
        {
            server.Dispose();
            throw;
        }

        log.LogInformation("Embedded MQTT broker listening on {Addresses}", Describe(port, v6));
        return new EmbeddedBroker(server, port, log);
    }

    /// <summary>Where the broker listens, for logs: <c>127.0.0.1:1883 and [::1]:1883</c>.</summary>
    private static string Describe(int port, IPAddress v6) =>
        v6.Equals(IPAddress.None) ? $"{new IPEndPoint(IPAddress.Loopback, port)}" : $"{new IPEndPoint(IPAddress.Loopback, port)} and {new IPEndPoint(v6, port)}";

    public async ValueTask DisposeAsync()
    {
        await _server.StopAsync().ConfigureAwait(false);
        _server.Dispose();
        _log.LogInformation("Embedded MQTT broker stopped");
    }

    /// <summary>False where IPv6 is off or ::1 is not configured: then the broker is on 127.0.0.1 alone.</summary>
    private static bool Ipv6LoopbackAvailable()
    {
        if (!Socket.OSSupportsIPv6)
        {
            return false;
        }

        try
        {
            using var probe = new Socket(AddressFamily.InterNetworkV6, SocketType.Stream, ProtocolType.Tcp);
            probe.Bind(new IPEndPoint(IPAddress.IPv6Loopback, 0));
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }
}
