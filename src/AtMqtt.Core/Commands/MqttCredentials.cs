using AtMqtt.Core.Parsing;
using Microsoft.Extensions.Logging;

namespace AtMqtt.Core.Commands;

/// <summary>
/// AT+MQTTCLIENTID / AT+MQTTUSERNAME / AT+MQTTPASSWORD=&lt;LinkID&gt;,&lt;"value"&gt;: ESP-AT v2.x's way to set a
/// value longer than AT+MQTTUSERCFG's fields (64 bytes for username and password), replaced by the LONG*
/// commands in v3.x. Set only, after AT+MQTTUSERCFG, bounded by the 256-byte command line
/// (docs/profiles.md has the sources).
/// </summary>
internal static class MqttCredentials
{
    /// <summary>The v2.1 page's "max length 256Bytes"; the 256-byte line is the tighter bound in practice.</summary>
    private const int MaxBytes = 256;

    public static readonly Command[] Commands =
    [
        new("AT+MQTTCLIENTID", set: static (m, ref a) => Set(m, ref a, Field.ClientId)),
        new("AT+MQTTUSERNAME", set: static (m, ref a) => Set(m, ref a, Field.Username)),
        new("AT+MQTTPASSWORD", set: static (m, ref a) => Set(m, ref a, Field.Password)),
    ];

    private enum Field
    {
        ClientId,
        Username,
        Password,
    }

    private static ValueTask Set(Modem m, ref ArgReader a, Field field)
    {
        var (readFailed, isNull, overlength) = field switch
        {
            Field.ClientId => (MqttError.ClientIdReadFailed, MqttError.ClientIdIsNull, MqttError.ClientIdIsOverlength),
            Field.Username => (MqttError.UsernameReadFailed, MqttError.UsernameIsNull, MqttError.UsernameIsOverlength),
            _ => (MqttError.PasswordReadFailed, MqttError.PasswordIsNull, MqttError.PasswordIsOverlength),
        };

        // As AT+MQTTUSERCFG reads them: the password as bytes, the others as UTF-8 text (MQTT strings).
        string text = "";
        byte[] password = [];
        if (!a.Arity(2, 2)
            || !CommonArgs.LinkId(ref a)
            || !(field == Field.Password
                ? a.Bytes(1, MaxBytes, readFailed, overlength, out password)
                : a.Str(1, MaxBytes, readFailed, overlength, out text)))
        {
            return m.Fail(a.Error);
        }

        // The table's *_IS_NULL codes: a command whose only purpose is the value has nothing to set without one.
        int length = field == Field.Password ? password.Length : text.Length;
        if (length == 0)
        {
            return m.Fail(ErrorCode.Mqtt(isNull));
        }

        if (CommonArgs.ConfigureState(m) is uint error and not 0)
        {
            return m.Fail(error);
        }

        var user = m.Link.User!;
        m.Link.Configure(field switch
        {
            Field.ClientId => user with { ClientId = text },
            Field.Username => user with { Username = text },
            _ => user with { Password = password },
        });

        if (m.LongCredentialLog.ShouldLog())
        {
            // The length only: a password never reaches the log, and the others follow it.
            m.Log.LogInformation("{Field} set ({Length} bytes)", field, field == Field.Password ? password.Length : System.Text.Encoding.UTF8.GetByteCount(text));
        }

        return m.Ok();
    }
}
