using AtMqtt.Core.Mqtt;
using AtMqtt.Core.Parsing;

namespace AtMqtt.Core.Commands;

/// <summary>AT+MQTTALPN=&lt;LinkID&gt;,&lt;alpn_counts&gt;[,&lt;"alpn"&gt;]...: up to 5 protocols offered in the TLS handshake; 0 clears.</summary>
internal static class MqttAlpn
{
    private const int MaxProtocols = 5;

    public static readonly Command[] Commands = [new("AT+MQTTALPN", set: Set)];

    private static ValueTask Set(Modem m, ref ArgReader a)
    {
        if (!a.Arity(2, 2 + MaxProtocols)
            || !CommonArgs.LinkId(ref a)
            || !a.Int(1, 0, MaxProtocols, MqttError.ParameterCountsIsWrong, MqttError.ParameterCountsIsWrong, out int count))
        {
            return m.Fail(a.Error);
        }

        if (a.Count != 2 + count && !(count == 0 && a.Count == 2))
        {
            return m.Fail(ErrorCode.ParamCount(2 + count, a.Count));
        }

        var protocols = new string[count];
        for (int i = 0; i < count; i++)
        {
            // An ALPN protocol id is 1..255 bytes (RFC 7301).
            if (!a.Str(2 + i, 255, MqttError.ParameterCountsIsWrong, MqttError.ParameterCountsIsWrong, out protocols[i]))
            {
                return m.Fail(a.Error);
            }

            if (protocols[i].Length == 0)
            {
                return m.Fail(ErrorCode.ParamInvalid(2 + i));
            }
        }

        if (CommonArgs.ConfigureState(m) is uint error and not 0)
        {
            return m.Fail(error);
        }

        m.Link.Configure(m.Link.Tls with { Alpn = protocols });
        return m.Ok();
    }
}
