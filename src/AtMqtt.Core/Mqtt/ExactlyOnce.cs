using AtMqtt.Core.Output;
using MQTTnet;

namespace AtMqtt.Core.Mqtt;

/// <summary>
/// The receiver's QoS 2 session state (MQTT 3.1.1 section 4.3.3), kept across reconnections so that
/// a broker's redelivery reaches the host once:
/// <list type="bullet">
/// <item>the packet identifier of each QoS 2 message handed to the host (or waiting for it) until its
/// PUBREL: a redelivery (DUP) of one is acknowledged again, not delivered;</item>
/// <item>the last <see cref="Remembered"/> released messages (identifier, topic and payload digest):
/// a broker restarted from a persistence file older than its last PUBREL (mosquitto does this after a
/// SIGKILL, and even after a SIGTERM) sends such a message again as a DUP PUBLISH, where the protocol
/// would have it send PUBREL. A DUP PUBLISH with the identifier, topic and payload of a released
/// message is taken for that replay. The same identifier without DUP is a new message and forgets
/// the record, so a new message is never mistaken for an old one unless its first transmission was
/// lost and it repeats the old one's identifier, topic and payload exactly.</item>
/// </list>
/// Not thread-safe: the link calls it under its lock.
/// </summary>
internal sealed class ExactlyOnce
{
    public const int Remembered = 256;

    private readonly Dictionary<ushort, (InboundAck Ack, long Digest)> _held = [];
    private (ushort Id, long Digest)[]? _released;
    private int _next;

    /// <summary>
    /// A QoS 2 message arrived: its acknowledgement if it is new (to be delivered), or null if it is a
    /// redelivery, in which case <paramref name="e"/>'s AutoAcknowledge says whether MQTTnet answers
    /// PUBREC at once (the host has it) or the first copy's write will (it is still waiting).
    /// </summary>
    public InboundAck? Admit(MqttApplicationMessageReceivedEventArgs e)
    {
        ushort id = e.PacketIdentifier;
        long digest = Digest(e.ApplicationMessage);
        if (e.ApplicationMessage.Dup)
        {
            if (_held.TryGetValue(id, out var held) && held.Digest == digest)
            {
                e.AutoAcknowledge = held.Ack.Redelivered(e);
                return null;
            }

            if (IsReleased(id, digest))
            {
                e.AutoAcknowledge = true;
                return null;
            }
        }
        else
        {
            Forget(id);
        }

        var ack = new InboundAck(e);
        _held[id] = (ack, digest);
        return ack;
    }

    /// <summary>PUBREL: the broker is done with the message; its identifier may name a new one.</summary>
    public void Release(ushort id)
    {
        if (!_held.Remove(id, out var held))
        {
            return;
        }

        _released ??= new (ushort, long)[Remembered];
        _released[_next] = (id, held.Digest);
        _next = (_next + 1) % Remembered;
    }

    /// <summary>The session is gone (clean session, CLEAN, RST, or the broker has none).</summary>
    public void Clear()
    {
        _held.Clear();
        _released = null;
        _next = 0;
    }

    private bool IsReleased(ushort id, long digest)
    {
        if (_released is null)
        {
            return false;
        }

        foreach (var r in _released)
        {
            if (r.Id == id && r.Digest == digest && digest != 0)
            {
                return true;
            }
        }

        return false;
    }

    private void Forget(ushort id)
    {
        if (_released is null)
        {
            return;
        }

        for (int i = 0; i < _released.Length; i++)
        {
            if (_released[i].Id == id)
            {
                _released[i] = default;
            }
        }
    }

    /// <summary>Topic, payload and payload length; never 0 (0 marks an empty slot).</summary>
    private static long Digest(MqttApplicationMessage message)
    {
        var hash = new HashCode();
        hash.Add(message.Topic, StringComparer.Ordinal);
        foreach (var segment in message.Payload)
        {
            hash.AddBytes(segment.Span);
        }

        long digest = ((long)hash.ToHashCode() << 32) | (uint)message.Payload.Length;
        return digest == 0 ? 1 : digest;
    }
}
