using System.Text;
using AtMqtt.Core.Parsing;

namespace AtMqtt.Core.Commands.Simcom;

/// <summary>
/// AT+CMQTTWILLTOPIC=&lt;i&gt;,&lt;len&gt; and AT+CMQTTWILLMSG=&lt;i&gt;,&lt;len&gt;,&lt;qos&gt;: <c>\r\n&gt;</c>, exactly
/// len bytes (1-1024), <c>OK</c>. The will goes with the next CONNECT (no retain flag). A length out of range:
/// <c>+CMQTTWILLTOPIC: &lt;i&gt;,22</c> then <c>ERROR</c>; not acquired: err 20; bytes checkUTF8 rejects: err 2.
/// </summary>
internal static class CmqttWill
{
    public static readonly Command[] Commands =
    [
        new("AT+CMQTTWILLTOPIC", set: Topic, test: static (m, ref _) => Cmqtt.Info(m, "+CMQTTWILLTOPIC: (0-1),(1-1024)")),
        new("AT+CMQTTWILLMSG", set: Message, test: static (m, ref _) => Cmqtt.Info(m, "+CMQTTWILLMSG: (0-1),(1-1024),(0-2)")),
    ];

    private static ValueTask Topic(Modem m, ref ArgReader a)
    {
        if (!a.Arity(2, 2) || !Cmqtt.Client(m, ref a, 0, out _, out var client) || !a.Int(1, int.MinValue, int.MaxValue, out int length))
        {
            return Cmqtt.Error(m);
        }

        return !client.Acquired ? Cmqtt.Refuse(m, "+CMQTTWILLTOPIC", client.Index, CmqttResult.ClientNotAcquired)
            : length is < 1 or > 1024 ? Cmqtt.Refuse(m, "+CMQTTWILLTOPIC", client.Index, CmqttResult.LengthOutOfRange)
            : Cmqtt.Data(m, length, (modem, data) => Cmqtt.Entered(modem, "+CMQTTWILLTOPIC", client, data, d => client.WillTopic = Encoding.UTF8.GetString(d)));
    }

    private static ValueTask Message(Modem m, ref ArgReader a)
    {
        if (!a.Arity(3, 3) || !Cmqtt.Client(m, ref a, 0, out _, out var client) || !a.Int(1, int.MinValue, int.MaxValue, out int length) || !a.Int(2, 0, 2, out int qos))
        {
            return Cmqtt.Error(m);
        }

        return !client.Acquired ? Cmqtt.Refuse(m, "+CMQTTWILLMSG", client.Index, CmqttResult.ClientNotAcquired)
            : length is < 1 or > 1024 ? Cmqtt.Refuse(m, "+CMQTTWILLMSG", client.Index, CmqttResult.LengthOutOfRange)
            : Cmqtt.Data(m, length, (modem, data) => Cmqtt.Entered(modem, "+CMQTTWILLMSG", client, data, d =>
            {
                client.WillMessage = d;
                client.WillQos = qos;
            }));
    }
}
