namespace AtMqtt.Client;

/// <summary>MQTT quality of service of a publish, a subscription or a will.</summary>
public enum MqttQos
{
    /// <summary>QoS 0: fire and forget.</summary>
    AtMostOnce = 0,

    /// <summary>QoS 1: acknowledged (PUBACK); may be delivered more than once.</summary>
    AtLeastOnce = 1,

    /// <summary>QoS 2: delivered exactly once (PUBREC/PUBREL/PUBCOMP).</summary>
    ExactlyOnce = 2,
}

/// <summary>
/// The <c>&lt;scheme&gt;</c> of <c>AT+MQTTUSERCFG</c>: the transport between the module and the broker.
/// The numbers are ESP-AT's; the seed (Beken-style) dialect knows only 1 and 2, where 2 means TLS with a
/// pre-shared key provisioned in the module. Which schemes work is up to the module.
/// </summary>
public enum AtMqttScheme
{
    /// <summary>1: MQTT over TCP.</summary>
    Tcp = 1,

    /// <summary>2: MQTT over TLS without checking the server (seed dialect: TLS with a pre-shared key).</summary>
    Tls = 2,

    /// <summary>3: MQTT over TLS, verifying the server certificate.</summary>
    TlsVerifyServer = 3,

    /// <summary>4: MQTT over TLS, presenting a client certificate.</summary>
    TlsClientCertificate = 4,

    /// <summary>5: MQTT over TLS, verifying the server and presenting a client certificate.</summary>
    TlsMutual = 5,

    /// <summary>6: MQTT over WebSocket (TCP).</summary>
    WebSocket = 6,

    /// <summary>7: MQTT over WebSocket Secure without checking the server.</summary>
    WebSocketSecure = 7,

    /// <summary>8: MQTT over WebSocket Secure, verifying the server certificate.</summary>
    WebSocketSecureVerifyServer = 8,

    /// <summary>9: MQTT over WebSocket Secure, presenting a client certificate.</summary>
    WebSocketSecureClientCertificate = 9,

    /// <summary>10: MQTT over WebSocket Secure, verifying the server and presenting a client certificate.</summary>
    WebSocketSecureMutual = 10,
}

/// <summary>Which flavour of the MQTT AT command set the module speaks.</summary>
public enum AtDialect
{
    /// <summary>Find out during initialisation, from the form of the <c>AT+MQTTCONN?</c> answer.</summary>
    Auto = 0,

    /// <summary>The seed (Beken-style) page: states as words, <c>+MQTTPUBRAW:OK</c>, PUBRAW up to 512 bytes.</summary>
    Seed = 1,

    /// <summary>Espressif ESP-AT: numeric states, <c>+MQTTPUB:OK</c> after PUBRAW, larger limits.</summary>
    EspAt = 2,
}

/// <summary>The state of the module's MQTT link, as ESP-AT numbers it in <c>AT+MQTTCONN?</c>.</summary>
public enum AtMqttLinkState
{
    /// <summary>0: nothing configured.</summary>
    NotInitialized = 0,

    /// <summary>1: <c>AT+MQTTUSERCFG</c> done.</summary>
    UserConfigured = 1,

    /// <summary>2: <c>AT+MQTTCONNCFG</c> done.</summary>
    ConnectionConfigured = 2,

    /// <summary>3: disconnected (the seed dialect's <c>disconnect</c>).</summary>
    Disconnected = 3,

    /// <summary>4: connected, no subscription made yet (the seed dialect's <c>connected</c>).</summary>
    Connected = 4,

    /// <summary>5: connected, and the subscription list became empty after unsubscribing.</summary>
    ConnectedNoSubscription = 5,

    /// <summary>6: connected with at least one subscription.</summary>
    ConnectedSubscribed = 6,
}

/// <summary>What <see cref="AtMqttClient.SubscribeAsync(string, MqttQos, System.Threading.CancellationToken)"/> achieved.</summary>
public enum AtMqttSubscribeResult
{
    /// <summary>The broker acknowledged the subscription.</summary>
    Subscribed = 0,

    /// <summary>The module already had this filter (<c>ALREADY SUBSCRIBE</c>); nothing was sent to the broker.</summary>
    AlreadySubscribed = 1,
}

/// <summary>What <see cref="AtMqttClient.UnsubscribeAsync(string, System.Threading.CancellationToken)"/> achieved.</summary>
public enum AtMqttUnsubscribeResult
{
    /// <summary>The broker acknowledged the unsubscription.</summary>
    Unsubscribed = 0,

    /// <summary>The filter was not subscribed, or the link was not connected (<c>NO UNSUBSCRIBE</c>).</summary>
    NotSubscribed = 1,
}

/// <summary>Why the client reports the MQTT link as down.</summary>
public enum AtMqttDisconnectReason
{
    /// <summary>The module reported <c>+MQTTDISCONNECTED</c>: the broker connection dropped.</summary>
    ConnectionLost = 0,

    /// <summary>The application called <see cref="AtMqttClient.DisconnectAsync(System.Threading.CancellationToken)"/> (<c>AT+MQTTCLEAN</c>).</summary>
    Cleaned = 1,

    /// <summary>The module restarted (<c>ready</c>), which drops its MQTT link.</summary>
    ModuleRestarted = 2,

    /// <summary>The byte channel to the module closed.</summary>
    ChannelClosed = 3,

    /// <summary>Restoring the session after a module restart failed (see <see cref="AtMqttDisconnectedEventArgs.Exception"/>).</summary>
    RestoreFailed = 4,
}
