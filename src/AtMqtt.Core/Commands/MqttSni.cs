using AtMqtt.Core.Parsing;

namespace AtMqtt.Core.Commands;

/// <summary>AT+MQTTSNI=&lt;LinkID&gt;,&lt;"sni"&gt;: the server name sent in (and checked against) the TLS handshake.</summary>
internal static class MqttSni
{
    public static readonly Command[] Commands = [new("AT+MQTTSNI", set: Set)];

    private static ValueTask Set(Modem m, ref ArgReader a)
    {
        if (!a.Arity(2, 2)
            || !CommonArgs.LinkId(ref a)
            || !a.Str(1, 253, MqttError.HostReadFailed, MqttError.HostIsOverlength, out string sni))
        {
            return m.Fail(a.Error);
        }

        if (sni.Length == 0)
        {
            return m.Fail(ErrorCode.Mqtt(MqttError.HostIsNull));
        }

        if (CommonArgs.ConfigureState(m) is uint error and not 0)
        {
            return m.Fail(error);
        }

        m.Link.Configure(m.Link.Tls with { Sni = sni });
        return m.Ok();
    }
}
