using AtMqtt.TestSupport;
using Xunit;

namespace AtMqtt.EspAt.Tests.Harness;

/// <summary>
/// One real mosquitto per test class, on a free loopback port. Under CI=true a missing mosquitto
/// fails the tests (MosquittoBroker throws; nothing here catches it).
/// </summary>
public sealed class MosquittoFixture : IAsyncLifetime
{
    private MosquittoBroker? _broker;

    public MosquittoBroker Broker => _broker ?? throw new InvalidOperationException("mosquitto is not running");

    public int Port => Broker.Port;

    public async Task InitializeAsync() => _broker = await MosquittoBroker.StartAsync();

    public Task<MqttProbe> ProbeAsync(string? clientId = null) => MqttProbe.ConnectAsync(FreePort.Host, Port, clientId);

    public async Task DisposeAsync()
    {
        if (_broker is not null)
        {
            await _broker.DisposeAsync();
        }
    }
}

/// <summary>Unique names, so that tests sharing a broker never see each other's messages.</summary>
internal static class Unique
{
    public static string Id(string prefix) => prefix + "-" + Guid.NewGuid().ToString("N")[..12];

    public static string Topic(string prefix) => "espat/" + Id(prefix);
}
