using Microsoft.Extensions.Logging;
using AtMqtt.Core.Mqtt;
using AtMqtt.Core.Parsing;

namespace AtMqtt.Core.Commands;

/// <summary>
/// AT+MQTTCONN=&lt;LinkID&gt;,&lt;"host"&gt;,&lt;port&gt;,&lt;reconnect&gt;[,&lt;timeout_ms&gt;] and AT+MQTTCONN?.
/// Blocks until CONNACK: <c>+MQTTCONNECTED:...</c> and OK, or <c>+MQTTDISCONNECTED:0</c> and ERROR.
/// </summary>
internal static class MqttConnect
{
    public static readonly Command[] Commands = [new("AT+MQTTCONN", query: Query, set: Set, blocking: true)];

    private static ValueTask Query(Modem m, ref ArgReader a)
    {
        m.Response.Line(m.Link.QueryLine());
        return m.Ok();
    }

    private static ValueTask Set(Modem m, ref ArgReader a)
    {
        if (!CommonArgs.Arity(m, ref a, 4, 5)
            || !CommonArgs.LinkId(ref a)
            || !a.Str(1, m.Dialect.HostMaxBytes, MqttError.HostReadFailed, MqttError.HostIsOverlength, out string host)
            || !Port(m, ref a, out int port)
            || !a.Int(3, 0, 1, MqttError.ReconnectReadFailed, MqttError.ReconnectValueIsWrong, out int reconnect)
            || !CommonArgs.Timeout(ref a, 4, out var timeout))
        {
            return m.Fail(a.Error);
        }

        if (host.Length == 0)
        {
            return m.Fail(ErrorCode.Mqtt(MqttError.HostIsNull));
        }

        if (m.Link.User is null)
        {
            return m.Fail(ErrorCode.Mqtt(MqttError.NoConfigured));
        }

        if (m.Link.IsActive)
        {
            return m.Fail(ErrorCode.Mqtt(MqttError.AlreadyConnected));
        }

        if (m.Options.RequireWifi && !m.Device.WifiConnected)
        {
            // Like any connection that cannot be made: the broker is unreachable without Wi-Fi.
            if (m.NoWifiLog.ShouldLog())
            {
                m.Log.LogWarning("AT+MQTTCONN failed: no Wi-Fi connection (--require-wifi; send AT+CWJAP first)");
            }

            m.Response.Line("+MQTTDISCONNECTED:0"u8);
            return m.Fail(ErrorCode.Mqtt(MqttError.ClientStartFailed));
        }

        if (m.Link.MustCleanFirst)
        {
            return m.Fail(ErrorCode.Mqtt(MqttError.NotInConfiguredState));
        }

        return ConnectAsync(m, new BrokerTarget(host, port, reconnect == 1), timeout);
    }

    private static bool Port(Modem m, ref ArgReader a, out int port)
    {
        if (m.Dialect.QuotedPortAndPath && a.Has(2))
        {
            // ESP-AT writes the port quoted; hosts copy that style back.
            port = 0;
            if (!a.Span(2, int.MaxValue, MqttError.PortReadFailed, MqttError.PortReadFailed, out var text))
            {
                return false;
            }

            if (text.IsEmpty || text.IndexOfAnyExceptInRange((byte)'0', (byte)'9') >= 0)
            {
                return a.Fail(ErrorCode.Mqtt(MqttError.PortReadFailed));
            }

            return (text.Length <= 5 && int.TryParse(text, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out port)
                && port is >= 1 and <= 65535) || a.Fail(ErrorCode.Mqtt(MqttError.PortValueIsWrong));
        }

        return a.Int(2, 1, 65535, MqttError.PortReadFailed, MqttError.PortValueIsWrong, out port);
    }

    private static async ValueTask ConnectAsync(Modem m, BrokerTarget target, TimeSpan timeout)
    {
        ushort failure = await m.Link.ConnectAsync(target, timeout).ConfigureAwait(false);
        if (failure == 0)
        {
            m.Response.Line(m.Link.ConnectedLine());
            m.Response.Ok();
            return;
        }

        m.Response.Line("+MQTTDISCONNECTED:0"u8);
        m.Response.Error(ErrorCode.Mqtt(failure));
    }
}
