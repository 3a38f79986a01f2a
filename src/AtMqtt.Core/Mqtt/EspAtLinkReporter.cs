using System.Buffers;
using System.Globalization;
using System.Text;
using AtMqtt.Core.Device;
using AtMqtt.Core.Output;
using MQTTnet;

namespace AtMqtt.Core.Mqtt;

/// <summary>
/// ESP-AT's and the seed page's way of reporting a link (SPEC section 4): a message as one raw
/// <c>+MQTTSUBRECV:&lt;LinkID&gt;,"topic",len,payload</c> line (split into pieces with split-subrecv),
/// <c>+MQTTDISCONNECTED:&lt;LinkID&gt;</c> when the connection drops, <c>+MQTTCONNECTED:...</c> when the
/// reconnect loop gets it back. A QoS 1/2 message is acknowledged once its line was written.
/// </summary>
internal sealed class EspAtLinkReporter : ILinkReporter
{
    public static ILinkReporter Create(int index) => new EspAtLinkReporter();

    public bool CanTake(MqttLink link, MqttApplicationMessage message)
    {
        int topicBytes = Encoding.UTF8.GetByteCount(message.Topic);
        if (Pieces(link, topicBytes, checked((int)message.Payload.Length), (int)message.QualityOfServiceLevel).FirstData >= 0)
        {
            return true;
        }

        // split-subrecv: esp-mqtt's buffer cannot even hold the PUBLISH's header, and it drops the
        // connection ("message is too big, insufficient buffer size"); unacknowledged, so a broker
        // that keeps the session delivers it again.
        link.TooLargeForFamily(string.Create(CultureInfo.InvariantCulture,
            $"A message on a topic of {topicBytes} bytes does not fit split-subrecv's buffer of {link.Quirks.SplitSubrecvBytes} bytes with its header"));
        link.Cut("split-subrecv: the topic does not fit the buffer");
        return false;
    }

    public void Deliver(MqttLink link, MqttApplicationMessage message, ushort packetId, InboundAck? acknowledge)
    {
        int topicBytes = Encoding.UTF8.GetByteCount(message.Topic);
        int payloadLength = checked((int)message.Payload.Length);
        var pieces = Pieces(link, topicBytes, payloadLength, (int)message.QualityOfServiceLevel);

        // +MQTTSUBRECV:<LinkID>,"<topic>",<length>,<payload>\r\n, the payload raw; with split-subrecv one such
        // line per piece, all in one buffer: the message is queued, written and acknowledged as one.
        Span<byte> prefix = stackalloc byte[32];
        int prefixLength = Prefix(prefix, link.Index);
        prefix = prefix[..prefixLength];
        int count = pieces.Count(payloadLength);
        int length = 0;
        for (int i = 0; i < count; i++)
        {
            int piece = pieces.Length(i, payloadLength);
            length += prefix.Length + topicBytes + 2 + Digits(piece) + 1 + piece + 2;
        }

        var line = ArrayPool<byte>.Shared.Rent(length);
        var span = line.AsSpan(0, length);
        var payload = message.Payload;
        int n = 0;
        for (int i = 0, offset = 0; i < count; i++)
        {
            int piece = pieces.Length(i, payloadLength);
            prefix.CopyTo(span[n..]);
            n += prefix.Length;
            n += Encoding.UTF8.GetBytes(message.Topic, span[n..]);
            span[n++] = (byte)'"';
            span[n++] = (byte)',';
            piece.TryFormat(span[n..], out int digitCount, default, CultureInfo.InvariantCulture);
            n += digitCount;
            span[n++] = (byte)',';
            payload.Slice(offset, piece).CopyTo(span[n..]);
            n += piece;
            offset += piece;
            span[n++] = (byte)'\r';
            span[n++] = (byte)'\n';
        }

        link.Urcs.EnqueueMessage(line, length, acknowledge, link.Scope);
    }

    public void Lost(MqttLink link, LinkLoss loss, bool reconnecting) =>
        link.Urcs.EnqueueLink(Encoding.ASCII.GetBytes(string.Create(CultureInfo.InvariantCulture, $"+MQTTDISCONNECTED:{link.Index}\r\n")), link.Scope);

    public void Reconnected(MqttLink link) => link.Urcs.EnqueueLink(Encoding.UTF8.GetBytes(link.ConnectedLine() + "\r\n"), link.Scope);

    public void Cleared(MqttLink link)
    {
    }

    /// <summary>A Wi-Fi module has no mobile network (its network fault is wifi-drop, which cuts the link).</summary>
    public void NetworkChanged(Modem modem, MqttLink link, CellularEvent change)
    {
    }

    /// <summary><c>+MQTTSUBRECV:&lt;LinkID&gt;,"</c></summary>
    private static int Prefix(Span<byte> span, int index)
    {
        "+MQTTSUBRECV:"u8.CopyTo(span);
        int n = "+MQTTSUBRECV:"u8.Length;
        index.TryFormat(span[n..], out int digits, default, CultureInfo.InvariantCulture);
        n += digits;
        span[n++] = (byte)',';
        span[n++] = (byte)'"';
        return n;
    }

    private static int Digits(int value)
    {
        int digits = 1;
        for (; value >= 10; value /= 10)
        {
            digits++;
        }

        return digits;
    }

    /// <summary>
    /// How a message of <paramref name="payloadLength"/> bytes is cut: whole, or with split-subrecv as
    /// esp-mqtt fills its buffer of B bytes (<c>mqtt_message_receive</c>, <c>deliver_publish</c>): the first
    /// piece is what the buffer holds after the PUBLISH's header (fixed header, topic length, topic, packet
    /// identifier for QoS 1 and 2), every later piece up to B bytes. A packet of at most B bytes is whole.
    /// </summary>
    private static SplitPieces Pieces(MqttLink link, int topicBytes, int payloadLength, int qos)
    {
        if (link.Quirks.SplitSubrecvBytes is not { } buffer)
        {
            return SplitPieces.Whole;
        }

        int remaining = 2 + topicBytes + (qos > 0 ? 2 : 0) + payloadLength;
        int fixedHeader = 1 + (remaining < 128 ? 1 : remaining < 16_384 ? 2 : remaining < 2_097_152 ? 3 : 4);
        if (fixedHeader + remaining <= buffer)
        {
            return SplitPieces.Whole;
        }

        // A header that exactly fills the buffer leaves an empty first piece; a longer one does not fit.
        int header = fixedHeader + remaining - payloadLength;
        return new SplitPieces(header > buffer ? -1 : buffer - header, buffer);
    }

    /// <summary>A message's pieces: the first holds <see cref="FirstData"/> bytes, the others up to <see cref="Rest"/>; -1: does not fit.</summary>
    private readonly record struct SplitPieces(int FirstData, int Rest)
    {
        public static readonly SplitPieces Whole = new(int.MaxValue, int.MaxValue);

        public int Count(int payloadLength) =>
            payloadLength <= FirstData ? 1 : 1 + (int)(((long)payloadLength - FirstData + Rest - 1) / Rest);

        public int Length(int index, int payloadLength) => index == 0
            ? Math.Min(payloadLength, FirstData)
            : (int)Math.Min(Rest, (long)payloadLength - FirstData - ((long)(index - 1) * Rest));
    }
}
