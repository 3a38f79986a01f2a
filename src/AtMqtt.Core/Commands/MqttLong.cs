using System.Text;
using AtMqtt.Core.Mqtt;
using AtMqtt.Core.Parsing;
using Microsoft.Extensions.Logging;

namespace AtMqtt.Core.Commands;

/// <summary>
/// AT+MQTTLONGCLIENTID / AT+MQTTLONGUSERNAME / AT+MQTTLONGPASSWORD=&lt;LinkID&gt;,&lt;length&gt;:
/// <c>OK</c> <c>&gt;</c>, then 1..1024 raw bytes that replace the USERCFG field, then <c>OK</c>.
/// For values that do not fit a 256-byte command line (cloud SAS tokens).
/// </summary>
internal static class MqttLong
{
    private const int MaxLength = 1024;
    private static readonly UTF8Encoding StrictUtf8 = new(false, throwOnInvalidBytes: true);

    public static readonly Command[] Commands =
    [
        new("AT+MQTTLONGCLIENTID", set: static (m, ref a) => Set(m, ref a, Field.ClientId)),
        new("AT+MQTTLONGUSERNAME", set: static (m, ref a) => Set(m, ref a, Field.Username)),
        new("AT+MQTTLONGPASSWORD", set: static (m, ref a) => Set(m, ref a, Field.Password)),
    ];

    private enum Field
    {
        ClientId,
        Username,
        Password,
    }

    private static ValueTask Set(Modem m, ref ArgReader a, Field field)
    {
        var (readFailed, overlength) = field switch
        {
            Field.ClientId => (MqttError.ClientIdReadFailed, MqttError.ClientIdIsOverlength),
            Field.Username => (MqttError.UsernameReadFailed, MqttError.UsernameIsOverlength),
            _ => (MqttError.PasswordReadFailed, MqttError.PasswordIsOverlength),
        };
        if (!a.Arity(2, 2) || !CommonArgs.LinkId(ref a) || !a.Int(1, 1, MaxLength, readFailed, overlength, out int length))
        {
            return m.Fail(a.Error);
        }

        if (CommonArgs.ConfigureState(m) is uint error and not 0)
        {
            return m.Fail(error);
        }

        m.Response.Ok();
        m.Response.Raw("\r\n>"u8);
        m.BeginDataPhase(length, "ERROR", (modem, data) => Apply(modem, field, data, readFailed));
        return ValueTask.CompletedTask;
    }

    private static ValueTask Apply(Modem m, Field field, byte[] data, ushort readFailed)
    {
        if (CommonArgs.ConfigureState(m) is uint error and not 0)
        {
            return m.Fail(error);
        }

        var user = m.Link.User!;

        if (field == Field.Password)
        {
            m.Link.Configure(user with { Password = data });
            if (m.LongCredentialLog.ShouldLog())
            {
                m.Log.LogInformation("Long password set ({Length} bytes)", data.Length);
            }

            return m.Ok();
        }

        string text;
        try
        {
            text = StrictUtf8.GetString(data);
        }
        catch (DecoderFallbackException)
        {
            // MQTT strings must be UTF-8; the broker would close the connection at CONNECT.
            return m.Fail(ErrorCode.Mqtt(readFailed));
        }

        m.Link.Configure(field == Field.ClientId ? user with { ClientId = text } : user with { Username = text });
        if (m.LongCredentialLog.ShouldLog())
        {
            m.Log.LogInformation("Long {Field} set ({Length} bytes)", field, data.Length);
        }

        return m.Ok();
    }
}
