using AtMqtt.Core.Parsing;

namespace AtMqtt.Core.Commands.Quectel;

/// <summary>
/// AT+QMTPUBEX in its two firmware forms; a profile's table holds one of them (docs/quectel.md).
/// <see cref="Commands"/>: BG95's, <c>AT+QMTPUBEX=&lt;idx&gt;,&lt;msgID&gt;,&lt;qos&gt;,&lt;retain&gt;,"&lt;topic&gt;","&lt;message&gt;"</c>,
/// the message inline; <c>OK</c>, then <c>+QMTPUB: &lt;idx&gt;,&lt;msgID&gt;,&lt;result&gt;</c> (named +QMTPUB on BG95, captured).
/// <see cref="Prompted"/>: the LTE-Standard form (EC2x), <c>...,"&lt;topic&gt;",&lt;length&gt;</c>, then <c>\r\n&gt; </c>,
/// exactly &lt;length&gt; raw bytes, their echo (ATE1), <c>OK</c>, then <c>+QMTPUBEX: &lt;idx&gt;,&lt;msgID&gt;,&lt;result&gt;</c>.
/// </summary>
internal static class QmtPublishEx
{
    public static readonly Command[] Commands = [new("AT+QMTPUBEX", set: Set, test: Test, blocking: true)];

    public static readonly Command[] Prompted = [new("AT+QMTPUBEX", set: SetPrompted, test: TestPrompted)];

    private static ValueTask Test(Modem m, ref ArgReader a) => Qmt.Lines(m, "+QMTPUBEX: (0-5),(0-65535),(0-2),(0,1),<topic>,<msg>");

    // EC800M's capture (research 1.5), space after the second comma included; no EC21 capture was found.
    private static ValueTask TestPrompted(Modem m, ref ArgReader a) => Qmt.Lines(m, "+QMTPUBEX: (0-5), <msgid>,(0-2),(0,1),\"topic\",\"length\"");

    private static ValueTask Set(Modem m, ref ArgReader a)
    {
        if (a.Count != 6
            || !Qmt.Client(m, ref a, 0, out var link, out var client)
            || !QmtPublish.Message(ref a, out int msgId, out int qos, out int retain, out string topic)
            || !a.Bytes(5, QmtPublish.MaxData, 0, 0, out byte[] message)
            || link.Phase != Mqtt.LinkPhase.Connected)
        {
            return Qmt.Error(m);
        }

        // The message is part of the line the echo already showed.
        return QmtPublish.Published(m, link, client, msgId, qos, retain, topic, message, echo: false);
    }

    private static ValueTask SetPrompted(Modem m, ref ArgReader a)
    {
        if (a.Count != 6
            || !Qmt.Client(m, ref a, 0, out var link, out var client)
            || !QmtPublish.Message(ref a, out int msgId, out int qos, out int retain, out string topic)
            || !a.Int(5, 1, QmtPublish.MaxData, out int length)
            || link.Phase != Mqtt.LinkPhase.Connected)
        {
            return Qmt.Error(m);
        }

        m.Response.Raw("\r\n> "u8);
        m.BeginDataPhase(length, "ERROR", (modem, data) => QmtPublish.Published(modem, link, client, msgId, qos, retain, topic, data, modem.Echo, "+QMTPUBEX"));
        return ValueTask.CompletedTask;
    }
}
