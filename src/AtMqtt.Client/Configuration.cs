using Microsoft.Extensions.Logging;

namespace AtMqtt.Client;

/// <summary>
/// What <c>AT+MQTTUSERCFG</c> sets: scheme, client ID, credentials, certificate slots and WebSocket path.
/// Values that do not fit a 256-byte command line, or the module's field limits (client ID 256 bytes,
/// user name and password 64), are sent with <c>AT+MQTTLONGCLIENTID</c>, <c>AT+MQTTLONGUSERNAME</c> and
/// <c>AT+MQTTLONGPASSWORD</c> (up to 1024 bytes each) automatically; on a module without them (ESP-AT
/// v2.x) with <c>AT+MQTTCLIENTID</c>, <c>AT+MQTTUSERNAME</c> and <c>AT+MQTTPASSWORD</c>, a value each on a
/// command line of its own.
/// </summary>
public sealed record AtMqttUserConfig
{
    /// <summary>The transport between module and broker (default <see cref="AtMqttScheme.Tcp"/>).</summary>
    public AtMqttScheme Scheme { get; init; } = AtMqttScheme.Tcp;

    /// <summary>The MQTT client ID (1..1024 bytes of UTF-8).</summary>
    public required string ClientId { get; init; }

    /// <summary>The user name; empty or null sends none.</summary>
    public string? Username { get; init; }

    /// <summary>The password as text (UTF-8); ignored when <see cref="PasswordBytes"/> is set.</summary>
    public string? Password { get; init; }

    /// <summary>The password as raw bytes (MQTT passwords are binary data); overrides <see cref="Password"/>.</summary>
    public ReadOnlyMemory<byte>? PasswordBytes { get; init; }

    /// <summary>The module's client certificate slot (<c>cert_key_ID</c>, 0 in the seed dialect).</summary>
    public int CertKeyId { get; init; }

    /// <summary>The module's CA certificate slot (<c>CA_ID</c>, 0 in the seed dialect).</summary>
    public int CaId { get; init; }

    /// <summary>The WebSocket resource path (up to 32 bytes), for the WebSocket schemes.</summary>
    public string Path { get; init; } = "";

    /// <inheritdoc />
    public override string ToString() =>
        $"{{ Scheme = {Scheme}, ClientId = {ClientId}, Username = {Username}, Password = ***, Path = {Path} }}";
}

/// <summary>An MQTT will (last will and testament), published by the broker if the module vanishes.</summary>
/// <param name="Topic">The will topic (a topic name, up to 128 bytes).</param>
/// <param name="Payload">The will message: up to 64 bytes (seed) or 128 (esp-at), with no CR, LF or NUL.</param>
/// <param name="Qos">The will QoS.</param>
/// <param name="Retain">Whether the broker retains the will.</param>
public sealed record AtMqttWill(string Topic, ReadOnlyMemory<byte> Payload, MqttQos Qos = MqttQos.AtMostOnce, bool Retain = false)
{
    /// <summary>A will with a UTF-8 text message.</summary>
    public AtMqttWill(string topic, string payload, MqttQos qos = MqttQos.AtMostOnce, bool retain = false)
        : this(topic, System.Text.Encoding.UTF8.GetBytes(payload), qos, retain)
    {
    }
}

/// <summary>What <c>AT+MQTTCONNCFG</c> sets: keep-alive, clean session and the will.</summary>
public sealed record AtMqttConnectionConfig
{
    /// <summary>MQTT keep-alive, whole seconds 0..7200; zero lets the module use 120 s.</summary>
    public TimeSpan KeepAlive { get; init; } = TimeSpan.FromSeconds(120);

    /// <summary>Start a clean session (default); false keeps the broker-side session of the client ID.</summary>
    public bool CleanSession { get; init; } = true;

    /// <summary>The will, or null for none.</summary>
    public AtMqttWill? Will { get; init; }
}

/// <summary>
/// Everything needed to bring the module's MQTT link up in one call, as
/// <see cref="AtMqttClient.ConnectAsync(AtMqttConnectOptions, System.Threading.CancellationToken)"/> does:
/// user configuration, connection configuration, optional ALPN and SNI, then the connection.
/// </summary>
public sealed record AtMqttConnectOptions
{
    /// <summary>The broker's host name or IP address, as the module resolves it.</summary>
    public required string Host { get; init; }

    /// <summary>The broker's port (default 1883).</summary>
    public int Port { get; init; } = 1883;

    /// <summary>The MQTT client ID; by default a random <c>atmqtt-…</c> ID.</summary>
    public string ClientId { get; init; } = "atmqtt-" + Guid.NewGuid().ToString("N")[..12];

    /// <summary>The user name; null or empty sends none.</summary>
    public string? Username { get; init; }

    /// <summary>The password as text; see also <see cref="PasswordBytes"/>.</summary>
    public string? Password { get; init; }

    /// <summary>The password as raw bytes; overrides <see cref="Password"/>.</summary>
    public ReadOnlyMemory<byte>? PasswordBytes { get; init; }

    /// <summary>The transport between module and broker (default TCP).</summary>
    public AtMqttScheme Scheme { get; init; } = AtMqttScheme.Tcp;

    /// <summary>The module's client certificate slot.</summary>
    public int CertKeyId { get; init; }

    /// <summary>The module's CA certificate slot.</summary>
    public int CaId { get; init; }

    /// <summary>The WebSocket path, for the WebSocket schemes.</summary>
    public string Path { get; init; } = "";

    /// <summary>MQTT keep-alive (0..7200 s; zero lets the module use 120 s).</summary>
    public TimeSpan KeepAlive { get; init; } = TimeSpan.FromSeconds(120);

    /// <summary>Start a clean session (default true).</summary>
    public bool CleanSession { get; init; } = true;

    /// <summary>The will, or null.</summary>
    public AtMqttWill? Will { get; init; }

    /// <summary>Let the module reconnect by itself after the connection drops (<c>reconnect=1</c>).</summary>
    public bool AutoReconnect { get; init; }

    /// <summary>TLS ALPN protocols (<c>AT+MQTTALPN</c>), or null to leave the module's setting alone.</summary>
    public IReadOnlyList<string>? Alpn { get; init; }

    /// <summary>TLS server name indication (<c>AT+MQTTSNI</c>), or null.</summary>
    public string? Sni { get; init; }

    /// <summary>The user configuration part of these options.</summary>
    public AtMqttUserConfig ToUserConfig() => new()
    {
        Scheme = Scheme,
        ClientId = ClientId,
        Username = Username,
        Password = Password,
        PasswordBytes = PasswordBytes,
        CertKeyId = CertKeyId,
        CaId = CaId,
        Path = Path,
    };

    /// <summary>The connection configuration part of these options.</summary>
    public AtMqttConnectionConfig ToConnectionConfig() => new()
    {
        KeepAlive = KeepAlive,
        CleanSession = CleanSession,
        Will = Will,
    };

    /// <inheritdoc />
    public override string ToString() =>
        $"{{ Host = {Host}, Port = {Port}, ClientId = {ClientId}, Username = {Username}, Password = ***, Scheme = {Scheme}, AutoReconnect = {AutoReconnect} }}";
}

/// <summary>How an <see cref="AtMqttClient"/> talks to its module.</summary>
public sealed record AtMqttClientOptions
{
    /// <summary>The dialect; <see cref="AtDialect.Auto"/> (default) detects it during initialisation.</summary>
    public AtDialect Dialect { get; init; } = AtDialect.Auto;

    /// <summary>How long a command that stays on the module (configuration, queries) may take. Default 5 s.</summary>
    public TimeSpan CommandTimeout { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>
    /// How long a command that waits on the network (connect, publish, subscribe, clean) may take, including
    /// retries after <c>busy p...</c>. Default 30 s (a module gives up on the network after 15 s by default).
    /// </summary>
    public TimeSpan NetworkTimeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>How long initialisation keeps trying to get an <c>OK</c> to <c>AT</c> from a booting module. Default 10 s.</summary>
    public TimeSpan StartupTimeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>How long <c>AT+RST</c> may take to answer <c>ready</c>. Default 10 s.</summary>
    public TimeSpan ResetTimeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>The first pause before a command answered <c>busy p...</c> is sent again; it doubles up to 1 s.</summary>
    public TimeSpan BusyRetryDelay { get; init; } = TimeSpan.FromMilliseconds(50);

    /// <summary>Turn echo off (<c>ATE0</c>) during initialisation. Echo is tolerated either way. Default true.</summary>
    public bool DisableEcho { get; init; } = true;

    /// <summary>Ask for <c>ERR CODE</c> lines (<c>AT+SYSLOG=1</c>) so that errors carry a typed code. Default true.</summary>
    public bool EnableErrorCodes { get; init; } = true;

    /// <summary>
    /// After an unexpected module restart, configure, connect and subscribe again as before, in the
    /// background. Default false: the application gets <see cref="AtMqttClient.ModuleRestarted"/> and decides.
    /// </summary>
    public bool RestoreSessionAfterReset { get; init; }

    /// <summary>
    /// The largest <c>AT+MQTTPUBRAW</c> payload the module takes; null uses the dialect's (512 bytes for
    /// seed, 65536 for esp-at). A payload that fits neither <c>AT+MQTTPUB</c> nor this is refused.
    /// </summary>
    public int? MaxPubRawLength { get; init; }

    /// <summary>
    /// The longest topic name or filter, in bytes of UTF-8, that the client sends; longer ones are an
    /// <see cref="ArgumentException"/> before anything reaches the module. Default 128, the limit of ESP-AT
    /// and of the atmqtt modem; at most 65535 (MQTT's own limit).
    /// </summary>
    public int MaxTopicLength { get; init; } = 128;

    /// <summary>
    /// Where to trace the AT exchange, or null (default) for no trace. At <see cref="LogLevel.Trace"/> every line
    /// sent (<c>TX</c>) and received (<c>RX</c>) is logged, with data phases and <c>+MQTTSUBRECV</c> payloads
    /// given by their length. Secrets are replaced by <c>***</c>: the password of <c>AT+MQTTUSERCFG</c> and the
    /// data of <c>AT+MQTTLONGPASSWORD</c>, the Wi-Fi password of <c>AT+CWJAP</c>, the same in lines sent with
    /// <see cref="AtMqttClient.ExecuteCommandAsync"/> (and those of <c>AT+CWSAP</c>, <c>AT+CWJEAP</c>,
    /// <c>AT+CIPSSLCPSK</c>), and any of them a module echoes back.
    /// </summary>
    public ILogger? Logger { get; init; }
}
