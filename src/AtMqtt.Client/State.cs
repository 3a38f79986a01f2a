namespace AtMqtt.Client;

/// <summary>The module's MQTT link as <c>AT+MQTTCONN?</c> or <c>+MQTTCONNECTED</c> describes it.</summary>
public sealed record AtMqttConnectionInfo
{
    /// <summary>The link state. The seed dialect only tells connected (<see cref="AtMqttLinkState.Connected"/>) or not (<see cref="AtMqttLinkState.Disconnected"/>).</summary>
    public AtMqttLinkState State { get; init; }

    /// <summary>True when the link is connected to the broker.</summary>
    public bool IsConnected => State >= AtMqttLinkState.Connected;

    /// <summary>The configured scheme (0 when not configured).</summary>
    public int Scheme { get; init; }

    /// <summary>The broker host ("" when not connected yet).</summary>
    public string Host { get; init; } = "";

    /// <summary>The broker port (0 when not connected yet).</summary>
    public int Port { get; init; }

    /// <summary>The WebSocket path (esp-at dialect only; "" otherwise).</summary>
    public string Path { get; init; } = "";

    /// <summary>Whether the module reconnects by itself.</summary>
    public bool AutoReconnect { get; init; }
}

/// <summary>One entry of the module's subscription list (<c>AT+MQTTSUB?</c>).</summary>
/// <param name="Filter">The topic filter.</param>
/// <param name="Qos">The requested QoS.</param>
public sealed record AtMqttSubscription(string Filter, MqttQos Qos);

/// <summary>Data of <see cref="AtMqttClient.Connected"/>.</summary>
public sealed class AtMqttConnectedEventArgs : EventArgs
{
    /// <summary>Creates the event data.</summary>
    public AtMqttConnectedEventArgs(AtMqttConnectionInfo connection) => Connection = connection;

    /// <summary>The connection the module reported in <c>+MQTTCONNECTED</c>.</summary>
    public AtMqttConnectionInfo Connection { get; }
}

/// <summary>Data of <see cref="AtMqttClient.Disconnected"/>.</summary>
public sealed class AtMqttDisconnectedEventArgs : EventArgs
{
    /// <summary>Creates the event data.</summary>
    public AtMqttDisconnectedEventArgs(AtMqttDisconnectReason reason, Exception? exception = null)
    {
        Reason = reason;
        Exception = exception;
    }

    /// <summary>Why the link is down.</summary>
    public AtMqttDisconnectReason Reason { get; }

    /// <summary>The failure behind <see cref="AtMqttDisconnectReason.RestoreFailed"/> or <see cref="AtMqttDisconnectReason.ChannelClosed"/>, if any.</summary>
    public Exception? Exception { get; }
}

/// <summary>Data of <see cref="AtMqttClient.UnsolicitedLine"/>: a line no command was waiting for.</summary>
public sealed class AtUnsolicitedLineEventArgs : EventArgs
{
    /// <summary>Creates the event data.</summary>
    public AtUnsolicitedLineEventArgs(string line) => Line = line;

    /// <summary>The line without its terminator (for example <c>WIFI GOT IP</c> or <c>+TIME_UPDATED</c>).</summary>
    public string Line { get; }
}
