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

/// <summary>One embedded broker and one mosquitto, shared by the tests of a class.</summary>
public sealed class BrokersFixture : IAsyncLifetime
{
    private InProcessBroker? _embedded;
    private MosquittoBroker? _mosquitto;

    public InProcessBroker Embedded => _embedded ?? throw new InvalidOperationException("not started");

    public MosquittoBroker Mosquitto => _mosquitto ?? throw new InvalidOperationException("not started");

    public int Port(BrokerKind kind) => kind == BrokerKind.Embedded ? Embedded.Port : Mosquitto.Port;

    public Task<MqttProbe> ProbeAsync(BrokerKind kind) => MqttProbe.ConnectAsync(FreePort.Host, Port(kind));

    public async Task InitializeAsync()
    {
        _embedded = await InProcessBroker.StartAsync(maxPendingMessagesPerClient: 200_000);
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
