using System.Net;
using Microsoft.Extensions.Logging;
using MQTTnet.Server;

namespace AtMqtt.Cli.Broker;

/// <summary>MQTTnet's broker in-process on 127.0.0.1, so the modem works with nothing else installed.</summary>
internal sealed class EmbeddedBroker : IAsyncDisposable
{
    private readonly MqttServer _server;
    private readonly ILogger _log;

    private EmbeddedBroker(MqttServer server, int port, ILogger log)
    {
        _server = server;
        Port = port;
        _log = log;
    }

    public int Port { get; }

    public static async Task<EmbeddedBroker> StartAsync(int port, ILogger log)
    {
        var options = new MqttServerOptionsBuilder()
            .WithDefaultEndpoint()
            .WithDefaultEndpointBoundIPAddress(IPAddress.Loopback)
            .WithDefaultEndpointPort(port)
            .WithPersistentSessions()
            .WithMaxPendingMessagesPerClient(100_000)
            .Build();
        var server = new MqttServerFactory().CreateMqttServer(options);
        await server.StartAsync().ConfigureAwait(false);
        log.LogInformation("Embedded MQTT broker listening on 127.0.0.1:{Port}", port);
        return new EmbeddedBroker(server, port, log);
    }

    public async ValueTask DisposeAsync()
    {
        await _server.StopAsync().ConfigureAwait(false);
        _server.Dispose();
        _log.LogInformation("Embedded MQTT broker stopped");
    }
}
