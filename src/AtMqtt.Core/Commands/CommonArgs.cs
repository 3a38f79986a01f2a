using AtMqtt.Core.Parsing;

namespace AtMqtt.Core.Commands;

/// <summary>Parameters that several MQTT commands share.</summary>
internal static class CommonArgs
{
    public const int DefaultTimeoutMs = 15000;

    /// <summary>LinkID: only 0 exists.</summary>
    public static bool LinkId(ref ArgReader a) =>
        a.Int(0, 0, 0, MqttError.LinkIdReadFailed, MqttError.LinkIdValueIsWrong, out _);

    /// <summary>
    /// The parameter count of CONN/PUB/PUBRAW/SUB/UNSUB, whose last optional parameter (at
    /// <paramref name="max"/> - 1) is &lt;timeout_ms&gt;. A release before v5.0 has no such parameter:
    /// its MQTT parser answers a line that reaches it with PARAMETER_COUNTS_IS_WRONG (docs/profiles.md).
    /// </summary>
    public static bool Arity(Modem m, ref ArgReader a, int min, int max) =>
        m.Dialect.TimeoutParameter || a.Count < max
            ? a.Arity(min, max)
            : a.Fail(ErrorCode.Mqtt(MqttError.ParameterCountsIsWrong));

    /// <summary>ESP-AT's optional trailing &lt;timeout_ms&gt;, 3000..60000, default 15000.</summary>
    public static bool Timeout(ref ArgReader a, int index, out TimeSpan timeout)
    {
        bool ok = a.OptInt(index, 3000, 60000, DefaultTimeoutMs, MqttError.ParameterCountsIsWrong, MqttError.ParameterCountsIsWrong, out int ms);
        timeout = TimeSpan.FromMilliseconds(ms);
        return ok;
    }

    public static bool Qos(ref ArgReader a, int index, out int qos) =>
        a.Int(index, 0, 2, MqttError.QosReadFailed, MqttError.QosValueIsWrong, out qos);

    public static bool Retain(ref ArgReader a, int index, out bool retain)
    {
        bool ok = a.Int(index, 0, 1, MqttError.RetainReadFailed, MqttError.RetainValueIsWrong, out int value);
        retain = value == 1;
        return ok;
    }

    /// <summary>
    /// Link settings (CONNCFG, LONG*, ALPN, SNI) follow USERCFG and may not change while connected
    /// or reconnecting; 0 when they may change now, else the error code.
    /// </summary>
    public static uint ConfigureState(Modem m) =>
        m.Link.User is null ? ErrorCode.Mqtt(MqttError.NoConfigured)
            : m.Link.IsActive ? ErrorCode.Mqtt(MqttError.AlreadyConnected)
            : 0;

    /// <summary>A publish topic of 1..128 bytes as bytes, checked without allocating.</summary>
    public static bool TopicName(ref ArgReader a, int index, out ReadOnlySpan<byte> topic)
    {
        if (!a.Span(index, 128, MqttError.TopicReadFailed, MqttError.TopicIsOverlength, out topic))
        {
            return false;
        }

        if (topic.Length == 0)
        {
            return a.Fail(ErrorCode.Mqtt(MqttError.TopicIsNull));
        }

        return Mqtt.Topics.IsValidName(topic) || a.Fail(ErrorCode.Mqtt(MqttError.TopicReadFailed));
    }

    /// <summary>A topic of 1..128 bytes; <paramref name="filter"/> allows wildcards.</summary>
    public static bool Topic(ref ArgReader a, int index, bool filter, out string topic)
    {
        if (!a.Str(index, 128, MqttError.TopicReadFailed, MqttError.TopicIsOverlength, out topic))
        {
            return false;
        }

        if (topic.Length == 0)
        {
            return a.Fail(ErrorCode.Mqtt(MqttError.TopicIsNull));
        }

        bool valid = filter ? Mqtt.Topics.IsValidFilter(topic) : Mqtt.Topics.IsValidName(topic);
        return valid || a.Fail(ErrorCode.Mqtt(MqttError.TopicReadFailed));
    }
}
