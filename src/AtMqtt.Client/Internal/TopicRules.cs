using System.Text;

namespace AtMqtt.Client.Internal;

/// <summary>
/// MQTT 3.1.1 topic names and filters (§4.7, §1.5.3), checked before anything is sent: a bad topic would
/// otherwise cost a round trip and come back as a bare <c>ERROR</c>.
/// </summary>
internal static class TopicRules
{
    /// <summary>The longest UTF-8 string MQTT can carry (a 16-bit length).</summary>
    public const int MqttMaxBytes = 65535;

    /// <summary>A topic name (publish, will): no wildcards. Returns its UTF-8 bytes.</summary>
    public static byte[] Name(string? topic, int maxBytes, string paramName, string what = "topic name") =>
        Check(topic, maxBytes, paramName, what, filter: false);

    /// <summary>A topic filter (subscribe, unsubscribe): <c>+</c> and <c>#</c> only as whole levels, <c>#</c> last. Returns its UTF-8 bytes.</summary>
    public static byte[] Filter(string? filter, int maxBytes, string paramName) =>
        Check(filter, maxBytes, paramName, "topic filter", filter: true);

    private static byte[] Check(string? topic, int maxBytes, string paramName, string what, bool filter)
    {
        ArgumentNullException.ThrowIfNull(topic, paramName);
        if (topic.Length == 0)
        {
            throw new ArgumentException($"A {what} cannot be empty (MQTT 3.1.1 §4.7.3).", paramName);
        }

        for (int i = 0; i < topic.Length; i++)
        {
            char c = topic[i];
            if (c == '\0')
            {
                throw new ArgumentException($"The {what} holds U+0000 at index {i} (MQTT 3.1.1 §4.7.3).", paramName);
            }

            if (c is '\r' or '\n')
            {
                throw new ArgumentException($"The {what} holds a CR or LF at index {i}, which an AT command line cannot carry.", paramName);
            }

            if (char.IsHighSurrogate(c) && i + 1 < topic.Length && char.IsLowSurrogate(topic[i + 1]))
            {
                i++;
            }
            else if (char.IsSurrogate(c))
            {
                // Encoding would silently turn it into U+FFFD: another topic than the one asked for.
                throw new ArgumentException($"The {what} holds an unpaired surrogate at index {i}: it is not well-formed UTF-8 (MQTT 3.1.1 §1.5.3).", paramName);
            }
        }

        if (filter)
        {
            CheckLevels(topic, paramName);
        }
        else if (topic.AsSpan().IndexOfAny('+', '#') is int w and >= 0)
        {
            throw new ArgumentException(
                $"The {what} '{topic}' holds the wildcard '{topic[w]}' at index {w}; only a topic filter (a subscription) may have wildcards (MQTT 3.1.1 §4.7.1).",
                paramName);
        }

        int length = Encoding.UTF8.GetByteCount(topic);
        if (length > MqttMaxBytes)
        {
            throw new ArgumentException($"The {what} is {length} bytes of UTF-8; MQTT takes at most {MqttMaxBytes} (MQTT 3.1.1 §1.5.3).", paramName);
        }

        if (length > maxBytes)
        {
            throw new ArgumentException(
                $"The {what} is {length} bytes of UTF-8; the module takes at most {maxBytes} (AtMqttClientOptions.MaxTopicLength).", paramName);
        }

        return Encoding.UTF8.GetBytes(topic);
    }

    private static void CheckLevels(string filter, string paramName)
    {
        int start = 0;
        while (true)
        {
            int end = filter.IndexOf('/', start);
            bool last = end < 0;
            var level = filter.AsSpan(start, (last ? filter.Length : end) - start);
            if (level.Contains('#'))
            {
                if (level.Length != 1)
                {
                    throw new ArgumentException($"The topic filter '{filter}' has '#' inside a level at index {start}; '#' must be a whole level (MQTT 3.1.1 §4.7.1.2).", paramName);
                }

                if (!last)
                {
                    throw new ArgumentException($"The topic filter '{filter}' has '#' before its last level; '#' must be the last level (MQTT 3.1.1 §4.7.1.2).", paramName);
                }
            }

            if (level.Contains('+') && level.Length != 1)
            {
                throw new ArgumentException($"The topic filter '{filter}' has '+' inside a level at index {start}; '+' must be a whole level (MQTT 3.1.1 §4.7.1.3).", paramName);
            }

            if (last)
            {
                return;
            }

            start = end + 1;
        }
    }
}
