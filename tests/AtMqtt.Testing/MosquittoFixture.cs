using Xunit;

namespace AtMqtt.Testing;

/// <summary>
/// One real mosquitto for the tests of a class (<c>IClassFixture&lt;MosquittoFixture&gt;</c>), on a free
/// loopback port, never stopped by them (a test that stops a broker starts its own
/// <see cref="MosquittoBroker"/>). Nagle is off: with mosquitto's default every request/answer exchange
/// can wait out a delayed ACK. Under CI=true a missing mosquitto fails the class (MosquittoBroker throws).
/// </summary>
public sealed class MosquittoFixture : IAsyncLifetime
{
    private MosquittoBroker? _broker;

    /// <summary>The running broker.</summary>
    public MosquittoBroker Broker => _broker ?? throw new InvalidOperationException("mosquitto is not running");

    /// <summary>The broker's MQTT port on <see cref="FreePort.Host"/>.</summary>
    public int Port => Broker.Port;

    /// <inheritdoc/>
    public async Task InitializeAsync() => _broker = await MosquittoBroker.StartAsync(["set_tcp_nodelay true"]);

    /// <summary>An independent MQTT client of this broker.</summary>
    public Task<MqttProbe> ProbeAsync(string? clientId = null) => MqttProbe.ConnectAsync(FreePort.Host, Port, clientId);

    /// <inheritdoc/>
    public async Task DisposeAsync()
    {
        if (_broker is not null)
        {
            await _broker.DisposeAsync();
        }
    }
}
