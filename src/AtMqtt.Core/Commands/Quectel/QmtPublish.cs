using AtMqtt.Core.Mqtt;
using AtMqtt.Core.Output;
using AtMqtt.Core.Parsing;

namespace AtMqtt.Core.Commands.Quectel;

/// <summary>
/// AT+QMTPUB=&lt;client_idx&gt;,&lt;msgID&gt;,&lt;qos&gt;,&lt;retain&gt;,"&lt;topic&gt;"[,&lt;msglen&gt;]: the prompt
/// <c>\r\n&gt; </c>, then exactly &lt;msglen&gt; raw bytes, or without &lt;msglen&gt; the bytes up to Ctrl-Z (0x1A;
/// Esc, 0x1B, cancels: <c>OK</c> and nothing is sent). Then the data's echo (ATE1), <c>OK</c>, and
/// <c>+QMTPUB: &lt;idx&gt;,&lt;msgID&gt;,0</c> once published (QoS 1/2: acknowledged), or <c>,2</c> when it failed.
/// msgID is 0 with QoS 0 and 1..65535 otherwise.
/// </summary>
internal static class QmtPublish
{
    /// <summary>The most data one QMTPUB takes (BG95/BG770A: 4096).</summary>
    public const int MaxData = 4096;

    public static readonly Command[] Commands = [new("AT+QMTPUB", set: Set, test: Test)];

    private static ValueTask Test(Modem m, ref ArgReader a) => Qmt.Lines(m, "+QMTPUB: (0-5),(0-65535),(0-2),(0,1),<topic>,(1-4096)");

    private static ValueTask Set(Modem m, ref ArgReader a)
    {
        int length = 0;
        if (a.Count is < 5 or > 6
            || !Qmt.Client(m, ref a, 0, out var link, out var client)
            || !Message(ref a, out int msgId, out int qos, out int retain, out string topic)
            || (a.Count == 6 && !a.Int(5, 1, MaxData, out length))
            || link.Phase != LinkPhase.Connected)
        {
            return Qmt.Error(m);
        }

        m.Response.Raw("\r\n> "u8);
        if (a.Count == 6)
        {
            m.BeginDataPhase(length, "ERROR", (modem, data) => Published(modem, link, client, msgId, qos, retain, topic, data, modem.Echo));
        }
        else
        {
            m.BeginDataPhase(MaxData, 0x1A, 0x1B, "ERROR", (modem, end, data) => end switch
            {
                DataEnd.Complete => Published(modem, link, client, msgId, qos, retain, topic, data, modem.Echo),
                DataEnd.Cancelled => modem.Ok(),
                _ => Qmt.Error(modem),
            });
        }

        return ValueTask.CompletedTask;
    }

    /// <summary>msgID, qos, retain and topic, checked together: msgID 0 exactly when QoS is 0.</summary>
    internal static bool Message(ref ArgReader a, out int msgId, out int qos, out int retain, out string topic)
    {
        msgId = retain = 0;
        topic = "";
        return a.Int(2, 0, 2, out qos)
            && a.Int(1, qos == 0 ? 0 : 1, qos == 0 ? 0 : 65535, out msgId)
            && a.Int(3, 0, 1, out retain)
            && a.Str(4, 255, 0, 0, out topic)
            && Topics.IsValidName(topic);
    }

    /// <summary>The data's echo (when <paramref name="echo"/>) and OK now; the publish, and its result URC (+QMTPUB unless named), after the client's earlier actions.</summary>
    internal static ValueTask Published(Modem m, MqttLink link, QuectelClient client, int msgId, int qos, int retain, string topic, byte[] data, bool echo, string urc = "+QMTPUB")
    {
        if (echo)
        {
            m.Response.Raw(data);
        }

        int idx = link.Index;
        var wait = Qmt.PacketWait(client);
        return Qmt.Accept(m, link, client, async () =>
            Qmt.Urc(urc, idx, msgId, await link.PublishAsync(topic, data, qos, retain == 1, wait).ConfigureAwait(false) ? 0 : 2));
    }
}
