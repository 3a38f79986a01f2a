namespace AtMqtt.Core.Mqtt;

/// <summary>MQTT 3.1.1 topic rules (section 4.7), checked before anything reaches the broker.</summary>
public static class Topics
{
    /// <summary>A topic name for PUBLISH or a will: not empty, no wildcards, no NUL.</summary>
    public static bool IsValidName(string topic) =>
        topic.Length > 0 && topic.AsSpan().IndexOfAny('+', '#', '\0') < 0;

    /// <summary>The same rule on UTF-8 bytes (which must be valid UTF-8), before any string exists.</summary>
    public static bool IsValidName(ReadOnlySpan<byte> topic) =>
        topic.Length > 0 && topic.IndexOfAny((byte)'+', (byte)'#', (byte)0) < 0 && System.Text.Unicode.Utf8.IsValid(topic);

    /// <summary>A topic filter for SUBSCRIBE: wildcards only as whole levels, '#' only last.</summary>
    public static bool IsValidFilter(string filter)
    {
        if (filter.Length == 0 || filter.Contains('\0'))
        {
            return false;
        }

        var rest = filter.AsSpan();
        while (true)
        {
            int slash = rest.IndexOf('/');
            var level = slash < 0 ? rest : rest[..slash];
            if (level.Length > 1 && level.IndexOfAny('+', '#') >= 0)
            {
                return false;
            }

            if (level is "#" && slash >= 0)
            {
                return false;
            }

            if (slash < 0)
            {
                return true;
            }

            rest = rest[(slash + 1)..];
        }
    }
}
