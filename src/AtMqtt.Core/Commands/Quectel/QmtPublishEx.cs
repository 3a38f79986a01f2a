using AtMqtt.Core.Parsing;

namespace AtMqtt.Core.Commands.Quectel;

/// <summary>
/// AT+QMTPUBEX=&lt;client_idx&gt;,&lt;msgID&gt;,&lt;qos&gt;,&lt;retain&gt;,"&lt;topic&gt;","&lt;message&gt;": BG95's form, the
/// message inline in the command line. <c>OK</c>, then <c>+QMTPUB: &lt;idx&gt;,&lt;msgID&gt;,&lt;result&gt;</c> (the
/// URC is named +QMTPUB on BG95, captured; LTE-Standard modules have a length-and-prompt form instead).
/// </summary>
internal static class QmtPublishEx
{
    public static readonly Command[] Commands = [new("AT+QMTPUBEX", set: Set, test: Test, blocking: true)];

    private static ValueTask Test(Modem m, ref ArgReader a) => Qmt.Lines(m, "+QMTPUBEX: (0-5),(0-65535),(0-2),(0,1),<topic>,<msg>");

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
}
