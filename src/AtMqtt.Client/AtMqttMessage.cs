using System.Text;

namespace AtMqtt.Client;

/// <summary>
/// An MQTT message the module delivered (<c>+MQTTSUBRECV</c>). The AT command set does not tell the
/// QoS or retain flag of a received message, so only the topic and the payload are known.
/// </summary>
public sealed class AtMqttMessage
{
    private readonly byte[] _payload;
    private string? _text;

    /// <summary>Creates a message (for tests and fakes; the client creates them as they arrive).</summary>
    /// <param name="topic">The topic the message was published to.</param>
    /// <param name="payload">The payload bytes; copied.</param>
    public AtMqttMessage(string topic, ReadOnlySpan<byte> payload)
    {
        ArgumentNullException.ThrowIfNull(topic);
        Topic = topic;
        _payload = payload.ToArray();
    }

    internal AtMqttMessage(string topic, byte[] payload, bool owned)
    {
        Topic = topic;
        _payload = owned ? payload : (byte[])payload.Clone();
    }

    /// <summary>The topic the message was published to.</summary>
    public string Topic { get; }

    /// <summary>The payload, raw and whole, exactly as the module delivered it.</summary>
    public ReadOnlyMemory<byte> Payload => _payload;

    /// <summary>The payload decoded as UTF-8 (invalid sequences become U+FFFD).</summary>
    public string PayloadText => _text ??= Encoding.UTF8.GetString(_payload);

    /// <summary>A copy of the payload.</summary>
    public byte[] ToArray() => (byte[])_payload.Clone();

    /// <inheritdoc />
    public override string ToString() => $"{Topic} ({_payload.Length} bytes)";
}
