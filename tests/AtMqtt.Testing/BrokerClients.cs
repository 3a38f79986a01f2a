using System.Text;

namespace AtMqtt.Testing;

/// <summary>
/// The harness's MQTT clients of the modem's broker: one that publishes to the device (connected on first use,
/// kept), and the probes <see cref="IAtMqttModem.BrokerMessagesAsync"/> hands out (disposed with the modem).
/// </summary>
internal sealed class BrokerClients(Func<CancellationToken, Task<BrokerEndpoint>> broker) : IAsyncDisposable
{
    private readonly SemaphoreSlim _gate = new(1, 1);
    private readonly List<MqttProbe> _probes = [];
    private MqttProbe? _publisher;
    private bool _disposed;

    public async Task PublishAsync(string topic, ReadOnlyMemory<byte> payload, int qos, bool retain, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(topic);
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            if (_publisher is not { IsConnected: true })
            {
                if (_publisher is not null)
                {
                    await _publisher.DisposeAsync().ConfigureAwait(false);
                    _publisher = null;
                }

                var endpoint = await broker(cancellationToken).ConfigureAwait(false);
                _publisher = await MqttProbe.ConnectAsync(endpoint.Host, endpoint.Port, "atmqtt-testing-" + Guid.NewGuid().ToString("N")[..12]).ConfigureAwait(false);
            }

            await _publisher.PublishAsync(topic, payload.ToArray(), qos, retain).ConfigureAwait(false);
        }
        finally
        {
            _gate.Release();
        }
    }

    public Task PublishAsync(string topic, string payload, int qos, bool retain, CancellationToken cancellationToken) =>
        PublishAsync(topic, Encoding.UTF8.GetBytes(payload), qos, retain, cancellationToken);

    public async Task<MqttProbe> SubscribeAsync(string topicFilter, int qos, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(topicFilter);
        var endpoint = await broker(cancellationToken).ConfigureAwait(false);
        var probe = await MqttProbe.ConnectAsync(endpoint.Host, endpoint.Port).ConfigureAwait(false);
        try
        {
            await probe.SubscribeAsync(topicFilter, qos).ConfigureAwait(false);
        }
        catch
        {
            await probe.DisposeAsync().ConfigureAwait(false);
            throw;
        }

        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            _probes.Add(probe);
        }
        finally
        {
            _gate.Release();
        }

        return probe;
    }

    public async ValueTask DisposeAsync()
    {
        await _gate.WaitAsync().ConfigureAwait(false);
        try
        {
            _disposed = true;
            foreach (var probe in _probes)
            {
                await probe.DisposeAsync().ConfigureAwait(false);
            }

            _probes.Clear();
            if (_publisher is not null)
            {
                await _publisher.DisposeAsync().ConfigureAwait(false);
            }
        }
        finally
        {
            _gate.Release();
        }
    }
}
