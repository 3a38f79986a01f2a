namespace AtMqtt.Core.Mqtt.Transport;

/// <summary>
/// Watches the bytes the broker sends, before MQTTnet sees them, and stops the connection at the
/// first thing a module must not accept (MQTT 3.1.1 section 2): a packet type a server never sends,
/// wrong fixed flags, a fixed-length packet of another length (a CONNACK of 5 bytes), anything before
/// CONNACK, a second CONNACK, or a PUBLISH larger than the module's receive buffer. MQTTnet allocates a
/// packet's whole body as soon as it has read the fixed header, so the size must be judged here, on the
/// header, before a byte of the body is handed on. It reads only fixed headers and the few body bytes a
/// check needs; MQTTnet still decodes every packet.
/// </summary>
internal sealed class PacketGuard(long maxMessageBytes, Action<ushort> released)
{
    private State _state = State.Header;
    private byte _header;
    private int _remaining;
    private int _lengthBytes;
    private int _multiplier = 1;
    private int _bodyRead;
    private ushort _packetId;
    private bool _connAckSeen;

    private enum State : byte
    {
        Header,
        Length,
        Body,
    }

    /// <summary>
    /// Checks <paramref name="bytes"/>, the next bytes from the broker in order; throws
    /// <see cref="BrokerViolationException"/> at the first violation, before the bytes are passed on.
    /// </summary>
    public void Inspect(ReadOnlySpan<byte> bytes) => Inspect(bytes, 0);

    /// <summary>
    /// As <see cref="Inspect(ReadOnlySpan{byte})"/>, and returns the offset in <paramref name="bytes"/>
    /// of the first packet whose type is in <paramref name="typeMask"/> (bit n: type n), or -1.
    /// </summary>
    public int Inspect(ReadOnlySpan<byte> bytes, int typeMask)
    {
        if (Violation is { } earlier)
        {
            throw earlier;
        }

        try
        {
            return Scan(bytes, typeMask);
        }
        catch (BrokerViolationException ex)
        {
            Violation = ex;
            throw;
        }
    }

    /// <summary>The violation that closed this connection, if one did.</summary>
    public BrokerViolationException? Violation { get; private set; }

    private int Scan(ReadOnlySpan<byte> bytes, int typeMask)
    {
        int found = -1;
        int i = 0;
        while (i < bytes.Length)
        {
            switch (_state)
            {
                case State.Header:
                    if (typeMask != 0 && found < 0 && (typeMask & (1 << (bytes[i] >> 4))) != 0)
                    {
                        found = i;
                    }

                    _header = bytes[i++];
                    CheckType();
                    _remaining = 0;
                    _lengthBytes = 0;
                    _multiplier = 1;
                    _state = State.Length;
                    break;

                case State.Length:
                    byte b = bytes[i++];
                    _remaining += (b & 0x7F) * _multiplier;
                    _multiplier *= 128;
                    if (++_lengthBytes == 4 && (b & 0x80) != 0)
                    {
                        throw Malformed("a remaining length longer than 4 bytes");
                    }

                    if ((b & 0x80) == 0)
                    {
                        CheckLength();
                        _bodyRead = 0;
                        _packetId = 0;
                        if (_remaining == 0)
                        {
                            Complete();
                        }
                        else
                        {
                            _state = State.Body;
                        }
                    }

                    break;

                case State.Body:
                    // Only the first bytes of a body matter here; skip the rest in one step.
                    if (_bodyRead < 2)
                    {
                        Body(bytes[i++]);
                        _bodyRead++;
                    }
                    else
                    {
                        int skip = Math.Min(bytes.Length - i, _remaining - _bodyRead);
                        i += skip;
                        _bodyRead += skip;
                    }

                    if (_bodyRead == _remaining)
                    {
                        Complete();
                    }

                    break;
            }
        }

        return found;
    }

    private int Type => _header >> 4;

    private int Flags => _header & 0x0F;

    private void CheckType()
    {
        if (!_connAckSeen && Type != 2)
        {
            throw Malformed($"a {Name(Type)} packet before CONNACK");
        }

        switch (Type)
        {
            case 2 when _connAckSeen:
                throw Malformed("a second CONNACK");
            case 2 or 4 or 5 or 7 or 9 or 11 or 13 when Flags != 0:
            case 6 when Flags != 0b0010:
                throw Malformed($"a {Name(Type)} packet with reserved flags 0x{Flags:X}");
            case 3 when (Flags & 0b0110) == 0b0110:
                throw Malformed("a PUBLISH with QoS 3");
            case 0 or 1 or 8 or 10 or 12 or 14 or 15:
                throw Malformed($"a {Name(Type)} packet, which a broker never sends");
        }
    }

    private void CheckLength()
    {
        switch (Type)
        {
            case 2 or 4 or 5 or 6 or 7 or 11 when _remaining != 2:
                throw Malformed($"a {Name(Type)} packet of {_remaining} bytes instead of 2");
            case 13 when _remaining != 0:
                throw Malformed($"a PINGRESP packet of {_remaining} bytes instead of 0");
            case 9 when _remaining < 3:
                throw Malformed($"a SUBACK packet of {_remaining} bytes");
            case 3:
                // Topic length field, and the packet identifier at QoS 1 and 2.
                int overhead = 2 + ((Flags & 0b0110) != 0 ? 2 : 0);
                if (_remaining < overhead)
                {
                    throw Malformed($"a PUBLISH packet of {_remaining} bytes");
                }

                long message = _remaining - overhead;
                if (message > maxMessageBytes)
                {
                    throw new BrokerViolationException(
                        $"the broker sent a message of {message} bytes (topic and payload), more than --max-message-bytes {maxMessageBytes}: connection closed",
                        tooLarge: true);
                }

                break;
        }
    }

    private void Body(byte b)
    {
        switch (Type)
        {
            case 2 when _bodyRead == 0 && (b & 0xFE) != 0:
                throw Malformed($"a CONNACK with reserved acknowledge flags 0x{b:X2}");
            case 2 when _bodyRead == 1 && b > 5:
                throw Malformed($"a CONNACK with return code {b}, which MQTT 3.1.1 does not define");
            case 6:
                _packetId = (ushort)((_packetId << 8) | b);
                break;
        }
    }

    private void Complete()
    {
        if (Type == 2)
        {
            _connAckSeen = true;
        }
        else if (Type == 6)
        {
            released(_packetId);
        }

        _state = State.Header;
    }

    private static BrokerViolationException Malformed(string what) =>
        new($"protocol violation from the broker: {what}; connection closed", tooLarge: false);

    private static string Name(int type) => type switch
    {
        0 => "reserved (type 0)",
        1 => "CONNECT",
        2 => "CONNACK",
        3 => "PUBLISH",
        4 => "PUBACK",
        5 => "PUBREC",
        6 => "PUBREL",
        7 => "PUBCOMP",
        8 => "SUBSCRIBE",
        9 => "SUBACK",
        10 => "UNSUBSCRIBE",
        11 => "UNSUBACK",
        12 => "PINGREQ",
        13 => "PINGRESP",
        14 => "DISCONNECT",
        _ => "reserved (type 15)",
    };
}

/// <summary>The broker broke MQTT 3.1.1, or sent a message larger than the module takes: the connection is closed.</summary>
public sealed class BrokerViolationException(string message, bool tooLarge) : IOException(message)
{
    /// <summary>A PUBLISH over <c>--max-message-bytes</c>, rather than a malformed packet.</summary>
    public bool TooLarge { get; } = tooLarge;
}
