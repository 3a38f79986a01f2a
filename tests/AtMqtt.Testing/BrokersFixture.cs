using Xunit;

namespace AtMqtt.Testing;

/// <summary>
/// Two brokers shared by the tests of a class (<c>IClassFixture&lt;BrokersFixture&gt;</c>): MQTTnet's broker
/// in the test process (<see cref="BrokerKind.InProcess"/>, with a large queue per client for floods) and
/// a real mosquitto (<see cref="BrokerKind.Mosquitto"/>), so that a theory can run against either.
/// </summary>
public sealed class BrokersFixture : IAsyncLifetime
{
    private InProcessBroker? _inProcess;
    private MosquittoBroker? _mosquitto;

    /// <summary>MQTTnet's broker in this process.</summary>
    public InProcessBroker InProcess => _inProcess ?? throw new InvalidOperationException("not started");

    /// <summary>The mosquitto.</summary>
    public MosquittoBroker Mosquitto => _mosquitto ?? throw new InvalidOperationException("not started");

    /// <summary>The loopback port of the broker of <paramref name="kind"/> (<see cref="BrokerKind.InProcess"/> or <see cref="BrokerKind.Mosquitto"/>).</summary>
    public int Port(BrokerKind kind) => kind switch
    {
        BrokerKind.InProcess => InProcess.Port,
        BrokerKind.Mosquitto => Mosquitto.Port,
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, "this fixture holds an in-process broker and a mosquitto"),
    };

    /// <summary>An independent MQTT client of the broker of <paramref name="kind"/>.</summary>
    public Task<MqttProbe> ProbeAsync(BrokerKind kind) => MqttProbe.ConnectAsync(FreePort.Host, Port(kind));

    /// <inheritdoc/>
    public async Task InitializeAsync()
    {
        _inProcess = await InProcessBroker.StartAsync(maxPendingMessagesPerClient: 200_000);
        _mosquitto = await MosquittoBroker.StartAsync();
    }

    /// <inheritdoc/>
    public async Task DisposeAsync()
    {
        if (_inProcess is not null)
        {
            await _inProcess.DisposeAsync();
        }

        if (_mosquitto is not null)
        {
            await _mosquitto.DisposeAsync();
        }
    }
}
