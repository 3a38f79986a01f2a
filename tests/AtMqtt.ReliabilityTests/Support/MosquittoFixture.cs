using AtMqtt.TestSupport;
using Xunit;

namespace AtMqtt.ReliabilityTests.Support;

/// <summary>
/// One mosquitto for a test class that never stops it (tests that stop a broker start their own).
/// Nagle off: with mosquitto's default every request/answer exchange can wait out a delayed ACK.
/// </summary>
public sealed class MosquittoFixture : IAsyncLifetime
{
    private MosquittoBroker? _broker;

    public MosquittoBroker Broker => _broker ?? throw new InvalidOperationException("mosquitto fixture not started");

    public async Task InitializeAsync() => _broker = await MosquittoBroker.StartAsync(["set_tcp_nodelay true"]);

    public async Task DisposeAsync()
    {
        if (_broker is not null)
        {
            await _broker.DisposeAsync();
        }
    }
}
