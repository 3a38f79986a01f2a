namespace AtMqtt.Core.Mqtt.Transport;

/// <summary>A transport that could not be set up, with the reason for the log and the ESP-AT code for ERR CODE.</summary>
public sealed class TransportException(string message, ushort errorCode, Exception? inner = null) : Exception(message, inner)
{
    /// <summary>An AT_MQTT_* value (0x60xx).</summary>
    public ushort ErrorCode { get; } = errorCode;
}
