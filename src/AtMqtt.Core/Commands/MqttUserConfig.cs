using AtMqtt.Core.Mqtt;
using AtMqtt.Core.Parsing;
using Microsoft.Extensions.Logging;

namespace AtMqtt.Core.Commands;

/// <summary>AT+MQTTUSERCFG=&lt;LinkID&gt;,&lt;scheme&gt;,&lt;"client_id"&gt;,&lt;"username"&gt;,&lt;"password"&gt;,&lt;cert_key_ID&gt;,&lt;CA_ID&gt;,&lt;"path"&gt;</summary>
internal static class MqttUserConfig
{
    public static readonly Command[] Commands = [new("AT+MQTTUSERCFG", set: Set)];

    private static ValueTask Set(Modem m, ref ArgReader a)
    {
        var dialect = m.Dialect;
        int certMax = dialect.CertAndCaMustBeZero ? 0 : 255;
        if (!a.Arity(8, 8)
            || !CommonArgs.LinkId(ref a)
            || !a.Int(1, 1, dialect.MaxScheme, MqttError.SchemeReadFailed, MqttError.SchemeValueIsWrong, out int scheme)
            || !a.Str(2, 256, MqttError.ClientIdReadFailed, MqttError.ClientIdIsOverlength, out string clientId)
            || !a.Str(3, 64, MqttError.UsernameReadFailed, MqttError.UsernameIsOverlength, out string username)
            || !a.Bytes(4, 64, MqttError.PasswordReadFailed, MqttError.PasswordIsOverlength, out byte[] password)
            || !a.Int(5, 0, certMax, MqttError.CertKeyIdReadFailed, MqttError.CertKeyIdValueIsWrong, out int certKeyId)
            || !a.Int(6, 0, certMax, MqttError.CaIdReadFailed, MqttError.CaIdValueIsWrong, out int caId)
            || !a.Str(7, 32, MqttError.PathReadFailed, MqttError.PathIsOverlength, out string path))
        {
            return m.Fail(a.Error);
        }

        if (clientId.Length == 0)
        {
            return m.Fail(ErrorCode.Mqtt(MqttError.ClientIdIsNull));
        }

        if (m.Link.IsActive)
        {
            return m.Fail(ErrorCode.Mqtt(MqttError.AlreadyConnected));
        }

        var user = new UserConfig(scheme, clientId, username, password, certKeyId, caId, path);
        m.Link.Configure(user);
        if (m.UserConfigLog.ShouldLog())
        {
            m.Log.LogInformation("User config: {User}", user);
        }

        return m.Ok();
    }
}
