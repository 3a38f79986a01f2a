using System.Globalization;

namespace AtMqtt.Client.Internal;

/// <summary>Reads the information lines of MQTT responses in both dialects (and the variants real firmware writes).</summary>
internal static class Responses
{
    /// <summary>
    /// <c>+MQTTCONN:0,&lt;state&gt;,&lt;scheme&gt;,"host",&lt;port&gt;,&lt;reconnect&gt;</c> (seed, state a word) or
    /// <c>+MQTTCONN:0,&lt;state&gt;,&lt;scheme&gt;,"host","port","path",&lt;reconnect&gt;</c> (esp-at, state 0..6).
    /// Fewer fields (a module that prints only what is configured) are tolerated.
    /// </summary>
    public static AtMqttConnectionInfo? ParseConnection(string line, out bool numericState)
    {
        numericState = false;
        var fields = Fields(line, "+MQTTCONN:");
        if (fields is null || fields.Count < 2)
        {
            return null;
        }

        string state = fields[1];
        AtMqttLinkState linkState;
        if (int.TryParse(state, NumberStyles.None, CultureInfo.InvariantCulture, out int number))
        {
            numericState = true;
            linkState = number is >= 0 and <= 6 ? (AtMqttLinkState)number : AtMqttLinkState.Disconnected;
        }
        else
        {
            linkState = state.Equals("connected", StringComparison.OrdinalIgnoreCase) ? AtMqttLinkState.Connected : AtMqttLinkState.Disconnected;
        }

        return Describe(fields, 2, linkState);
    }

    /// <summary><c>+MQTTCONNECTED:0,&lt;scheme&gt;,"host",&lt;port&gt;,&lt;reconnect&gt;</c> or with <c>"port","path"</c>.</summary>
    public static AtMqttConnectionInfo ParseConnected(string line)
    {
        var fields = Fields(line, "+MQTTCONNECTED:") ?? [];
        return Describe(fields, 1, AtMqttLinkState.Connected);
    }

    /// <summary><c>+MQTTSUB:0,&lt;state&gt;,"&lt;topic&gt;",&lt;qos&gt;</c>; the topic may hold commas and quotes.</summary>
    public static AtMqttSubscription? ParseSubscription(string line)
    {
        const string prefix = "+MQTTSUB:";
        if (!line.StartsWith(prefix, StringComparison.Ordinal))
        {
            return null;
        }

        string rest = line[prefix.Length..];
        int first = rest.IndexOf(',', StringComparison.Ordinal);
        int second = first < 0 ? -1 : rest.IndexOf(',', first + 1);
        int last = rest.LastIndexOf(',');
        if (second < 0 || last <= second)
        {
            return null;
        }

        string topic = rest[(second + 1)..last].Trim();
        if (topic.Length >= 2 && topic[0] == '"' && topic[^1] == '"')
        {
            topic = topic[1..^1];
        }

        if (topic.Length == 0)
        {
            return null; // "+MQTTSUB:0,0,"",0": nothing subscribed (some firmware)
        }

        string qosText = rest[(last + 1)..].Trim().Trim('"');
        int qos = int.TryParse(qosText, NumberStyles.None, CultureInfo.InvariantCulture, out int q) && q is >= 0 and <= 2 ? q : 0;
        return new AtMqttSubscription(topic, (MqttQos)qos);
    }

    private static AtMqttConnectionInfo Describe(List<string> fields, int schemeIndex, AtMqttLinkState state)
    {
        // After the scheme: host, port, [path,] reconnect.
        int count = fields.Count - schemeIndex;
        string Field(int i) => schemeIndex + i < fields.Count ? fields[schemeIndex + i] : "";
        int Int(int i) => int.TryParse(Field(i), NumberStyles.None, CultureInfo.InvariantCulture, out int v) ? v : 0;
        bool hasPath = count >= 5;
        return new AtMqttConnectionInfo
        {
            State = state,
            Scheme = Int(0),
            Host = Field(1),
            Port = Int(2),
            Path = hasPath ? Field(3) : "",
            AutoReconnect = Int(hasPath ? 4 : 3) == 1,
        };
    }

    /// <summary>Splits the parameters after <paramref name="prefix"/> at commas outside quotes, quotes removed.</summary>
    internal static List<string>? Fields(string line, string prefix)
    {
        if (!line.StartsWith(prefix, StringComparison.Ordinal))
        {
            return null;
        }

        var fields = new List<string>();
        var current = new System.Text.StringBuilder();
        bool quoted = false;
        foreach (char c in line.AsSpan(prefix.Length))
        {
            if (c == '"')
            {
                quoted = !quoted;
            }
            else if (c == ',' && !quoted)
            {
                fields.Add(current.ToString().Trim());
                current.Clear();
            }
            else
            {
                current.Append(c);
            }
        }

        fields.Add(current.ToString().Trim());
        return fields;
    }
}
