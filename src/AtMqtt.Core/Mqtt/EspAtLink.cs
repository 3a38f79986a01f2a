using System.Globalization;

namespace AtMqtt.Core.Mqtt;

/// <summary>
/// A link as ESP-AT and the seed page show it to the host: the state numbers 0..6 (SPEC section 1), the
/// <c>+MQTTCONNECTED</c> line and the line of AT+MQTTCONN?. Only their handlers and reporter read these.
/// </summary>
public static class EspAtLink
{
    extension(MqttLink link)
    {
        /// <summary>ESP-AT's state 0..6 (SPEC section 1).</summary>
        public int State
        {
            get
            {
                var (phase, subscriptions, unsubscribedToEmpty) = link.Facts();
                if (link.User is null)
                {
                    return 0;
                }

                if (phase == LinkPhase.Connected)
                {
                    return subscriptions > 0 ? 6 : unsubscribedToEmpty ? 5 : 4;
                }

                if (phase == LinkPhase.Failed && link.Quirks.ConnFailState)
                {
                    return 2;
                }

                if (phase != LinkPhase.Idle)
                {
                    return 3;
                }

                return link.Connection is null ? 1 : 2;
            }
        }

        /// <summary>The state as the dialect writes it: a number, or connected/disconnect.</summary>
        public string StateText => link.Dialect.NumericState
            ? link.State.ToString(CultureInfo.InvariantCulture)
            : link.IsConnected ? "connected" : "disconnect";

        /// <summary>The +MQTTCONNECTED line for the current target.</summary>
        public string ConnectedLine()
        {
            var user = link.User;
            var target = link.Target;
            if (user is null || target is null)
            {
                return "";
            }

            return link.Dialect.QuotedPortAndPath
                ? string.Create(CultureInfo.InvariantCulture, $"+MQTTCONNECTED:{link.Index},{user.Scheme},\"{target.Host}\",\"{target.Port}\",\"{DisplayPath(user.Path)}\",{(target.Reconnect ? 1 : 0)}")
                : string.Create(CultureInfo.InvariantCulture, $"+MQTTCONNECTED:{link.Index},{user.Scheme},\"{target.Host}\",{target.Port},{(target.Reconnect ? 1 : 0)}");
        }

        /// <summary>The +MQTTCONN line of AT+MQTTCONN?.</summary>
        public string QueryLine()
        {
            var user = link.User;
            var target = link.Target;
            int index = link.Index;
            if (link.Quirks.ConnFailState && link.PhaseName == "failed")
            {
                // conn-fail-state: a failed attempt leaves state 2 and empty fields behind (ESP-AT issue #427).
                return link.Dialect.QuotedPortAndPath
                    ? string.Create(CultureInfo.InvariantCulture, $"+MQTTCONN:{index},{link.StateText},{user?.Scheme ?? 0},\"\",\"\",\"\",0")
                    : string.Create(CultureInfo.InvariantCulture, $"+MQTTCONN:{index},{link.StateText},{user?.Scheme ?? 0},\"\",0,0");
            }

            int scheme = user?.Scheme ?? 0;
            string host = target?.Host ?? "";
            int port = target?.Port ?? 0;
            int reconnect = target?.Reconnect == true ? 1 : 0;
            return link.Dialect.QuotedPortAndPath
                ? string.Create(CultureInfo.InvariantCulture, $"+MQTTCONN:{index},{link.StateText},{scheme},\"{host}\",\"{port}\",\"{DisplayPath(user?.Path ?? "")}\",{reconnect}")
                : string.Create(CultureInfo.InvariantCulture, $"+MQTTCONN:{index},{link.StateText},{scheme},\"{host}\",{port},{reconnect}");
        }
    }

    private static string DisplayPath(string path) => path.Length == 0 || path[0] == '/' ? path : "/" + path;
}
