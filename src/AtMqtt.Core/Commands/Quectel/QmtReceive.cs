using System.Buffers;
using System.Globalization;
using AtMqtt.Core.Mqtt;
using AtMqtt.Core.Parsing;

namespace AtMqtt.Core.Commands.Quectel;

/// <summary>
/// AT+QMTRECV, the receive buffer of QMTCFG "recv/mode" 1: five slots per client, each announced with
/// <c>+QMTRECV: &lt;idx&gt;,&lt;recv_id&gt;</c>. AT+QMTRECV? shows which slots hold a message
/// (<c>+QMTRECV: &lt;idx&gt;,s0,s1,s2,s3,s4</c>); AT+QMTRECV=&lt;idx&gt;[,&lt;recv_id&gt;] reads one (the oldest without
/// recv_id): <c>+QMTRECV: &lt;idx&gt;,&lt;msgID&gt;,"&lt;topic&gt;"[,&lt;len&gt;],"&lt;payload&gt;"</c>. Its slot frees, and a QoS 1/2
/// message is acknowledged to the broker once this response was written: never before the host has it.
/// </summary>
internal static class QmtReceive
{
    public static readonly Command[] Commands = [new("AT+QMTRECV", query: Query, set: Set, test: Test, blocking: true)];

    private static ValueTask Test(Modem m, ref ArgReader a) => Qmt.Lines(m, "+QMTRECV: (0-5),(0-4)");

    private static ValueTask Query(Modem m, ref ArgReader a)
    {
        foreach (var link in m.Links)
        {
            var slots = ((QuectelClient)link.Reporter).Occupied();
            if (link.Phase == LinkPhase.Connected || slots.Any(s => s))
            {
                Qmt.Info(m, string.Create(CultureInfo.InvariantCulture, $"+QMTRECV: {link.Index},{string.Join(',', slots.Select(s => s ? 1 : 0))}"));
            }
        }

        return m.Ok();
    }

    private static ValueTask Set(Modem m, ref ArgReader a)
    {
        int slot = -1;
        if (a.Count is < 1 or > 2
            || !Qmt.Client(m, ref a, 0, out var link, out var client)
            || (a.Count == 2 && !a.Int(1, 0, QuectelClient.Slots - 1, out slot)))
        {
            return Qmt.Error(m);
        }

        if (client.Take(link, slot < 0 ? null : slot) is { } stored)
        {
            var (line, length) = client.Line(stored.Topic, stored.PacketId, new ReadOnlySequence<byte>(stored.Payload), lengthField: client.MsgLenEnable == 1, urc: false);
            m.Response.Raw("\r\n"u8);
            m.Response.Raw(line.AsSpan(0, length));
            ArrayPool<byte>.Shared.Return(line);
            if (stored.Acknowledge is { } ack)
            {
                m.AcknowledgeAfterResponse(ack);
            }
        }

        return m.Ok();
    }
}
