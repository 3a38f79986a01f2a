using MQTTnet;

namespace AtMqtt.Core.Output;

/// <summary>
/// The acknowledgement of a received QoS 1 or 2 message, sent (PUBACK, PUBREC) once its line has been
/// written to the host. A QoS 2 message that the broker delivers again on a new connection before it
/// released the first delivery is acknowledged through this same object, on the new connection.
/// </summary>
public sealed class InboundAck(MqttApplicationMessageReceivedEventArgs received)
{
    private readonly Lock _gate = new();
    private MqttApplicationMessageReceivedEventArgs _current = received;
    private bool _written;

    /// <summary>
    /// The broker delivered the message again on <paramref name="again"/>. True when its line has already
    /// been written, so the caller acknowledges at once; else the acknowledgement goes on
    /// <paramref name="again"/> once it is written.
    /// </summary>
    public bool Redelivered(MqttApplicationMessageReceivedEventArgs again)
    {
        lock (_gate)
        {
            if (!_written)
            {
                _current = again;
            }

            return _written;
        }
    }

    /// <summary>The line went to the host: acknowledge on the latest connection the message came on.</summary>
    internal Task AcknowledgeAsync(CancellationToken cancellationToken)
    {
        MqttApplicationMessageReceivedEventArgs current;
        lock (_gate)
        {
            _written = true;
            current = _current;
        }

        return current.AcknowledgeAsync(cancellationToken);
    }
}
