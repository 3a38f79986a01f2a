using System.Text;
using AtMqtt.Client.Internal;

namespace AtMqtt.Client;

public sealed partial class AtMqttClient
{
    private const int MaxLongValueBytes = 1024;

    // What the application configured, for RestoreSessionAsync. Guarded by _gate.
    private AtMqttUserConfig? _sessionUser;
    private AtMqttConnectionConfig? _sessionConnection;
    private IReadOnlyList<string>? _sessionAlpn;
    private string? _sessionSni;
    private (string Host, int Port, bool AutoReconnect)? _sessionTarget;
    private readonly List<AtMqttSubscription> _sessionSubscriptions = [];

    private bool HasSessionToRestore
    {
        get
        {
            lock (_gate)
            {
                return _sessionUser is not null && _sessionTarget is not null;
            }
        }
    }

    /// <summary>
    /// Brings the MQTT link up in one call: <c>AT+MQTTCLEAN</c> (whatever link the module had), then
    /// <c>AT+MQTTUSERCFG</c> (and the LONG commands for long values), <c>AT+MQTTCONNCFG</c> when anything
    /// differs from the defaults, <c>AT+MQTTALPN</c>/<c>AT+MQTTSNI</c> when given, and <c>AT+MQTTCONN</c>.
    /// </summary>
    /// <param name="options">Broker, identity, session and will.</param>
    /// <param name="cancellationToken">Stops waiting (the module finishes the command it is on).</param>
    /// <returns>The connection the module reported.</returns>
    /// <exception cref="AtCommandException">The module refused a setting, or could not connect (the broker refused, was unreachable, timed out).</exception>
    public async Task<AtMqttConnectionInfo> ConnectAsync(AtMqttConnectOptions options, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        await InitializeAsync(cancellationToken).ConfigureAwait(false);

        // A link that is up, reconnecting, or dropped with reconnect=0 takes no new configuration or
        // connection before AT+MQTTCLEAN (ESP-AT); cleaning a clean module is harmless.
        await CleanQuietlyAsync(cancellationToken).ConfigureAwait(false);
        await ConfigureUserAsync(options.ToUserConfig(), cancellationToken).ConfigureAwait(false);

        var connection = options.ToConnectionConfig();
        if (connection.Will is not null || !connection.CleanSession || connection.KeepAlive != TimeSpan.FromSeconds(120))
        {
            await ConfigureConnectionAsync(connection, cancellationToken).ConfigureAwait(false);
        }

        if (options.Alpn is { } alpn)
        {
            await ConfigureAlpnAsync(alpn, cancellationToken).ConfigureAwait(false);
        }

        if (options.Sni is { } sni)
        {
            await ConfigureSniAsync(sni, cancellationToken).ConfigureAwait(false);
        }

        return await ConnectAsync(options.Host, options.Port, options.AutoReconnect, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// <c>AT+MQTTUSERCFG</c>: scheme, client ID, credentials, certificate slots and path. A client ID, user
    /// name or password that is too long for the command line or the module's field (or holds CR, LF or NUL)
    /// follows with <c>AT+MQTTLONGCLIENTID</c> / <c>AT+MQTTLONGUSERNAME</c> / <c>AT+MQTTLONGPASSWORD</c>, or on
    /// a module without them (ESP-AT v2.x) with <c>AT+MQTTCLIENTID</c> / <c>AT+MQTTUSERNAME</c> / <c>AT+MQTTPASSWORD</c>.
    /// </summary>
    /// <param name="user">The user configuration.</param>
    /// <param name="cancellationToken">Stops waiting.</param>
    /// <exception cref="ArgumentException">A value is empty where it must not be, or longer than 1024 bytes.</exception>
    /// <exception cref="AtCommandException">The module refused (for example while connected: <see cref="AtMqttError.AlreadyConnected"/>).</exception>
    public async Task ConfigureUserAsync(AtMqttUserConfig user, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(user);
        ArgumentException.ThrowIfNullOrEmpty(user.ClientId, nameof(user));
        var fields = new[]
        {
            new LongField("AT+MQTTLONGCLIENTID", Encoding.UTF8.GetBytes(user.ClientId), 256, "x"u8.ToArray(), secret: false),
            new LongField("AT+MQTTLONGUSERNAME", Encoding.UTF8.GetBytes(user.Username ?? ""), 64, [], secret: false),
            new LongField("AT+MQTTLONGPASSWORD", user.PasswordBytes?.ToArray() ?? Encoding.UTF8.GetBytes(user.Password ?? ""), 64, [], secret: true),
        };
        byte[] path = Encoding.UTF8.GetBytes(user.Path ?? "");
        if (!AtLine.FitsInLine(path))
        {
            throw new ArgumentException("The path must not contain CR, LF or NUL.", nameof(user));
        }

        foreach (var f in fields)
        {
            if (f.Value.Length > MaxLongValueBytes)
            {
                throw new ArgumentException($"{f.Command[9..].ToLowerInvariant()} is {f.Value.Length} bytes; a module takes at most {MaxLongValueBytes}.", nameof(user));
            }

            f.Long = f.Value.Length > f.FieldLimit || !AtLine.FitsInLine(f.Value);
        }

        AtLine line;
        while (true)
        {
            line = new AtLine("AT+MQTTUSERCFG").Int(0).Int((int)user.Scheme);
            foreach (var f in fields)
            {
                if (f.Secret)
                {
                    line.Secret(f.Long ? f.Placeholder : f.Value);
                }
                else
                {
                    line.Quoted(f.Long ? f.Placeholder : f.Value);
                }
            }

            line.Int(user.CertKeyId).Int(user.CaId).Quoted(path);
            if (line.Length <= AtLine.MaxBytes)
            {
                break;
            }

            // Too long for one line: move the longest value still inline to its LONG command.
            var longest = fields.Where(f => !f.Long && f.Value.Length > 0).MaxBy(f => f.Value.Length)
                ?? throw new ArgumentException("The user configuration does not fit a command line.", nameof(user));
            longest.Long = true;
        }

        await ExecuteAsync(line, AttemptMode.Normal, _options.CommandTimeout, default, cancellationToken).ConfigureAwait(false);
        foreach (var f in fields.Where(f => f.Long))
        {
            await SetLongValueAsync(f, cancellationToken).ConfigureAwait(false);
        }

        lock (_gate)
        {
            _sessionUser = user;
            _sessionConnection = null;
            _sessionAlpn = null;
            _sessionSni = null;
        }
    }

    /// <summary>
    /// A value USERCFG could not carry: its LONG command, or on a module without them (ESP-AT v2.x, which
    /// answers "unknown command") that release's <c>AT+MQTTCLIENTID</c> / <c>USERNAME</c> / <c>PASSWORD</c>,
    /// whose value must fit one command line.
    /// </summary>
    private async Task SetLongValueAsync(LongField f, CancellationToken cancellationToken)
    {
        if (!_noLongCommands)
        {
            var command = new AtLine(f.Command).Int(0).Int(f.Value.Length);
            if (f.Secret)
            {
                command.SecretData(f.Value);
            }

            try
            {
                await ExecuteAsync(command, AttemptMode.Prompt, _options.CommandTimeout, f.Value, cancellationToken).ConfigureAwait(false);
                return;
            }
            catch (AtCommandException e) when (e.ErrorCode is null || e.ErrorCode.Value.Category == AtErrorCategory.UnsupportedCommand)
            {
                // After USERCFG's OK nothing else makes a LONG command with a valid length fail at once.
                _noLongCommands = true;
            }
        }

        var line = new AtLine(f.Setter).Int(0);
        if (f.Secret)
        {
            line.Secret(f.Value);
        }
        else
        {
            line.Quoted(f.Value);
        }

        if (!AtLine.FitsInLine(f.Value) || line.Length > AtLine.MaxBytes)
        {
            throw new ArgumentException($"This module has no {f.Command}, and {f.Setter} takes a value that fits one {AtLine.MaxBytes}-byte command line without CR, LF or NUL; this one is {f.Value.Length} bytes.", "user");
        }

        await ExecuteAsync(line, AttemptMode.Normal, _options.CommandTimeout, default, cancellationToken).ConfigureAwait(false);
    }

    /// <summary><c>AT+MQTTCONNCFG</c>: keep-alive, clean session and will. Must follow <see cref="ConfigureUserAsync"/>.</summary>
    /// <param name="connection">The connection configuration.</param>
    /// <param name="cancellationToken">Stops waiting.</param>
    /// <exception cref="ArgumentException">The keep-alive is outside 0..7200 s, the will topic is not a valid topic name (see <see cref="PublishAsync(string, ReadOnlyMemory{byte}, MqttQos, bool, CancellationToken)"/>), or the will message is empty or holds CR, LF or NUL.</exception>
    /// <exception cref="AtCommandException">The module refused (for example a will message over its limit).</exception>
    public async Task ConfigureConnectionAsync(AtMqttConnectionConfig connection, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(connection);
        double seconds = connection.KeepAlive.TotalSeconds;
        if (seconds is < 0 or > 7200)
        {
            throw new ArgumentException("The keep-alive must be 0..7200 seconds.", nameof(connection));
        }

        var will = connection.Will;
        byte[] willTopic = will is null ? [] : TopicRules.Name(will.Topic, _options.MaxTopicLength, nameof(connection), "will topic");
        byte[] willPayload = will?.Payload.ToArray() ?? [];
        if (!AtLine.FitsInLine(willPayload))
        {
            throw new ArgumentException("A will message sent through AT commands cannot contain CR, LF or NUL.", nameof(connection));
        }

        if (will is not null && willPayload.Length == 0)
        {
            throw new ArgumentException("A will needs a non-empty message.", nameof(connection));
        }

        var line = new AtLine("AT+MQTTCONNCFG").Int(0).Int((int)seconds).Int(connection.CleanSession ? 0 : 1)
            .Quoted(willTopic).Quoted(willPayload).Int((int)(will?.Qos ?? MqttQos.AtMostOnce)).Int(will?.Retain == true ? 1 : 0);
        await ExecuteAsync(line, AttemptMode.Normal, _options.CommandTimeout, default, cancellationToken).ConfigureAwait(false);
        lock (_gate)
        {
            _sessionConnection = connection;
        }
    }

    /// <summary><c>AT+MQTTALPN</c>: the TLS ALPN protocols (at most 5; none clears them). TLS schemes only.</summary>
    /// <param name="protocols">The protocol names.</param>
    /// <param name="cancellationToken">Stops waiting.</param>
    public async Task ConfigureAlpnAsync(IReadOnlyList<string> protocols, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(protocols);
        var line = new AtLine("AT+MQTTALPN").Int(0).Int(protocols.Count);
        foreach (string p in protocols)
        {
            line.Quoted(RequireLineSafe(p, nameof(protocols)));
        }

        await ExecuteAsync(line, AttemptMode.Normal, _options.CommandTimeout, default, cancellationToken).ConfigureAwait(false);
        lock (_gate)
        {
            _sessionAlpn = [.. protocols];
        }
    }

    /// <summary><c>AT+MQTTSNI</c>: the TLS server name indication. TLS schemes only.</summary>
    /// <param name="serverName">The server name.</param>
    /// <param name="cancellationToken">Stops waiting.</param>
    public async Task ConfigureSniAsync(string serverName, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(serverName);
        var line = new AtLine("AT+MQTTSNI").Int(0).Quoted(RequireLineSafe(serverName, nameof(serverName)));
        await ExecuteAsync(line, AttemptMode.Normal, _options.CommandTimeout, default, cancellationToken).ConfigureAwait(false);
        lock (_gate)
        {
            _sessionSni = serverName;
        }
    }

    /// <summary>
    /// <c>AT+MQTTCONN</c>: connects the configured link to a broker and waits for the broker's answer.
    /// </summary>
    /// <param name="host">The broker's host name or address.</param>
    /// <param name="port">The broker's port.</param>
    /// <param name="autoReconnect">Let the module reconnect by itself after a drop.</param>
    /// <param name="cancellationToken">Stops waiting (the module finishes connecting or failing).</param>
    /// <returns>The connection the module reported in <c>+MQTTCONNECTED</c>.</returns>
    /// <exception cref="AtCommandException">The connection failed (<see cref="AtMqttError.ClientStartFailed"/>), or the link was not configured or is connected.</exception>
    public async Task<AtMqttConnectionInfo> ConnectAsync(string host, int port, bool autoReconnect = false, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(host);
        ArgumentOutOfRangeException.ThrowIfLessThan(port, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(port, 65535);
        var line = new AtLine("AT+MQTTCONN").Int(0).Quoted(RequireLineSafe(host, nameof(host))).Int(port).Int(autoReconnect ? 1 : 0);
        var lines = await ExecuteAsync(line, AttemptMode.Normal, _options.NetworkTimeout, default, cancellationToken).ConfigureAwait(false);
        lock (_gate)
        {
            _sessionTarget = (host, port, autoReconnect);
        }

        string? connected = lines.FirstOrDefault(l => l.StartsWith("+MQTTCONNECTED:", StringComparison.Ordinal));
        var info = connected is null
            ? new AtMqttConnectionInfo { State = AtMqttLinkState.Connected, Host = host, Port = port, AutoReconnect = autoReconnect }
            : Responses.ParseConnected(connected);
        if (!_connected)
        {
            lock (_gate)
            {
                SetConnected(true, info, AtMqttDisconnectReason.ConnectionLost);
            }
        }

        return info;
    }

    /// <summary>Publishes UTF-8 text; see <see cref="PublishAsync(string, ReadOnlyMemory{byte}, MqttQos, bool, CancellationToken)"/>.</summary>
    /// <param name="topic">The topic name.</param>
    /// <param name="payload">The message text (not empty).</param>
    /// <param name="qos">The QoS.</param>
    /// <param name="retain">Whether the broker retains the message.</param>
    /// <param name="cancellationToken">Stops waiting.</param>
    public Task PublishAsync(string topic, string payload, MqttQos qos = MqttQos.AtMostOnce, bool retain = false, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(payload);
        return PublishAsync(topic, Encoding.UTF8.GetBytes(payload), qos, retain, cancellationToken);
    }

    /// <summary>
    /// Publishes a message and returns when the module says it is done: written for QoS 0, acknowledged by
    /// the broker for QoS 1 and 2. Plain text that fits a command line goes as <c>AT+MQTTPUB</c> (with
    /// <c>"</c>, <c>,</c> and <c>\</c> escaped); binary, long or otherwise unsafe payloads (CR, LF, NUL,
    /// control characters, invalid UTF-8) go as <c>AT+MQTTPUBRAW</c>, raw after the <c>&gt;</c> prompt.
    /// </summary>
    /// <param name="topic">The topic name (no wildcards).</param>
    /// <param name="payload">The payload: 1 byte up to the module's PUBRAW limit.</param>
    /// <param name="qos">The QoS.</param>
    /// <param name="retain">Whether the broker retains the message.</param>
    /// <param name="cancellationToken">Stops waiting (the module still finishes the publish).</param>
    /// <exception cref="ArgumentException">
    /// The payload is empty (AT commands cannot publish an empty message), or the topic is not a valid MQTT topic
    /// name: empty, a wildcard <c>+</c> or <c>#</c>, U+0000, an unpaired surrogate, CR or LF, or longer than
    /// <see cref="AtMqttClientOptions.MaxTopicLength"/> bytes. Checked before anything is sent.
    /// </exception>
    /// <exception cref="ArgumentOutOfRangeException">The payload needs PUBRAW and is longer than <see cref="MaxPubRawLength"/>.</exception>
    /// <exception cref="AtCommandException">The module refused or the publish failed (for example not connected: <see cref="AtMqttError.InDisconnectedState"/>).</exception>
    public async Task PublishAsync(string topic, ReadOnlyMemory<byte> payload, MqttQos qos = MqttQos.AtMostOnce, bool retain = false, CancellationToken cancellationToken = default)
    {
        byte[] topicBytes = TopicRules.Name(topic, _options.MaxTopicLength, nameof(topic));
        if (payload.IsEmpty)
        {
            throw new ArgumentException("AT commands cannot publish an empty payload.", nameof(payload));
        }

        CheckQos(qos);
        if (AtLine.IsPlainText(payload.Span))
        {
            var line = new AtLine("AT+MQTTPUB").Int(0).Quoted(topicBytes).Quoted(payload.Span).Int((int)qos).Int(retain ? 1 : 0);
            if (line.Length <= AtLine.MaxBytes)
            {
                await ExecuteAsync(line, AttemptMode.Normal, _options.NetworkTimeout, default, cancellationToken).ConfigureAwait(false);
                return;
            }
        }

        await InitializeIfNeededAsync(cancellationToken).ConfigureAwait(false);
        int max = MaxPubRawLength;
        if (payload.Length > max)
        {
            throw new ArgumentOutOfRangeException(nameof(payload), payload.Length,
                $"The payload needs AT+MQTTPUBRAW, which takes at most {max} bytes on this module ({_dialect} dialect).");
        }

        var raw = new AtLine("AT+MQTTPUBRAW").Int(0).Quoted(topicBytes).Int(payload.Length).Int((int)qos).Int(retain ? 1 : 0);
        await ExecuteAsync(raw, AttemptMode.Prompt, _options.NetworkTimeout, payload, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// The largest payload <c>AT+MQTTPUBRAW</c> takes: <see cref="AtMqttClientOptions.MaxPubRawLength"/>, or
    /// 512 bytes in the seed dialect and 65536 in esp-at.
    /// </summary>
    public int MaxPubRawLength => _options.MaxPubRawLength ?? (_dialect == AtDialect.Seed ? 512 : 65536);

    /// <summary><c>AT+MQTTSUB</c>: subscribes and waits for the broker's acknowledgement.</summary>
    /// <param name="topicFilter">The topic filter (wildcards allowed).</param>
    /// <param name="qos">The requested QoS.</param>
    /// <param name="cancellationToken">Stops waiting.</param>
    /// <returns>Whether the subscription was made or already there.</returns>
    /// <exception cref="ArgumentException">
    /// The filter is not a valid MQTT topic filter: empty, <c>+</c> not a whole level, <c>#</c> not the whole last
    /// level, U+0000, an unpaired surrogate, CR or LF, or longer than <see cref="AtMqttClientOptions.MaxTopicLength"/>
    /// bytes. Checked before anything is sent.
    /// </exception>
    /// <exception cref="AtCommandException">The broker refused, the link is not connected, or the module's list (10) is full.</exception>
    public async Task<AtMqttSubscribeResult> SubscribeAsync(string topicFilter, MqttQos qos = MqttQos.AtMostOnce, CancellationToken cancellationToken = default)
    {
        byte[] filter = TopicRules.Filter(topicFilter, _options.MaxTopicLength, nameof(topicFilter));
        CheckQos(qos);
        var line = new AtLine("AT+MQTTSUB").Int(0).Quoted(filter).Int((int)qos);
        var lines = await ExecuteAsync(line, AttemptMode.Normal, _options.NetworkTimeout, default, cancellationToken).ConfigureAwait(false);
        lock (_gate)
        {
            _sessionSubscriptions.RemoveAll(s => s.Filter == topicFilter);
            _sessionSubscriptions.Add(new AtMqttSubscription(topicFilter, qos));
        }

        return lines.Any(l => l.StartsWith("ALREADY SUBSCRIBE", StringComparison.Ordinal))
            ? AtMqttSubscribeResult.AlreadySubscribed
            : AtMqttSubscribeResult.Subscribed;
    }

    /// <summary><c>AT+MQTTUNSUB</c>: unsubscribes and waits for the broker's acknowledgement.</summary>
    /// <param name="topicFilter">The topic filter, as subscribed.</param>
    /// <param name="cancellationToken">Stops waiting.</param>
    /// <returns>Whether there was something to unsubscribe.</returns>
    /// <exception cref="ArgumentException">The filter is not a valid MQTT topic filter (as for <see cref="SubscribeAsync"/>).</exception>
    public async Task<AtMqttUnsubscribeResult> UnsubscribeAsync(string topicFilter, CancellationToken cancellationToken = default)
    {
        byte[] filter = TopicRules.Filter(topicFilter, _options.MaxTopicLength, nameof(topicFilter));
        var line = new AtLine("AT+MQTTUNSUB").Int(0).Quoted(filter);
        var lines = await ExecuteAsync(line, AttemptMode.Normal, _options.NetworkTimeout, default, cancellationToken).ConfigureAwait(false);
        lock (_gate)
        {
            _sessionSubscriptions.RemoveAll(s => s.Filter == topicFilter);
        }

        return lines.Any(l => l.StartsWith("NO UNSUBSCRIBE", StringComparison.Ordinal))
            ? AtMqttUnsubscribeResult.NotSubscribed
            : AtMqttUnsubscribeResult.Unsubscribed;
    }

    /// <summary>
    /// <c>AT+MQTTCLEAN</c>: disconnects (a clean DISCONNECT, so the broker drops the will) and makes the module
    /// forget the link's configuration and subscriptions. Harmless when nothing is connected.
    /// </summary>
    /// <param name="cancellationToken">Stops waiting.</param>
    public async Task DisconnectAsync(CancellationToken cancellationToken = default)
    {
        var line = new AtLine("AT+MQTTCLEAN").Int(0);
        await ExecuteAsync(line, AttemptMode.Normal, _options.NetworkTimeout, default, cancellationToken).ConfigureAwait(false);
        lock (_gate)
        {
            ForgetSession();
            SetConnected(false, null, AtMqttDisconnectReason.Cleaned);
        }
    }

    /// <summary>Same as <see cref="DisconnectAsync"/>: <c>AT+MQTTCLEAN</c>, under the command's own name.</summary>
    /// <param name="cancellationToken">Stops waiting.</param>
    public Task CleanAsync(CancellationToken cancellationToken = default) => DisconnectAsync(cancellationToken);

    /// <summary><c>AT+MQTTCONN?</c>: the link's state, scheme, broker and reconnect setting.</summary>
    /// <param name="cancellationToken">Stops waiting.</param>
    public async Task<AtMqttConnectionInfo> GetConnectionInfoAsync(CancellationToken cancellationToken = default)
    {
        var lines = await ExecuteAsync(new AtLine("AT+MQTTCONN?"), AttemptMode.Normal, _options.CommandTimeout, default, cancellationToken, "+MQTTCONN:").ConfigureAwait(false);
        foreach (var l in lines)
        {
            if (Responses.ParseConnection(l, out _) is { } info)
            {
                return info;
            }
        }

        throw new AtMqttException("AT+MQTTCONN?: the module's answer had no +MQTTCONN line.");
    }

    /// <summary><c>AT+MQTTSUB?</c>: the module's subscription list.</summary>
    /// <param name="cancellationToken">Stops waiting.</param>
    public async Task<IReadOnlyList<AtMqttSubscription>> GetSubscriptionsAsync(CancellationToken cancellationToken = default)
    {
        var lines = await ExecuteAsync(new AtLine("AT+MQTTSUB?"), AttemptMode.Normal, _options.CommandTimeout, default, cancellationToken).ConfigureAwait(false);
        var list = new List<AtMqttSubscription>();
        foreach (var l in lines)
        {
            if (Responses.ParseSubscription(l) is { } s)
            {
                list.Add(s);
            }
        }

        return list;
    }

    /// <summary>
    /// <c>AT+RST</c>: restarts the module and waits for <c>ready</c>, then initialises it again. The module's
    /// MQTT link goes down without DISCONNECT (the broker publishes the will). The client keeps what the
    /// application configured, so <see cref="RestoreSessionAsync"/> can bring it back.
    /// </summary>
    /// <param name="cancellationToken">Stops waiting.</param>
    public async Task ResetModuleAsync(CancellationToken cancellationToken = default)
    {
        await ExecuteAsync(new AtLine("AT+RST"), AttemptMode.Reset, _options.ResetTimeout, default, cancellationToken).ConfigureAwait(false);
        lock (_gate)
        {
            // The module forgot everything; the client still remembers it for RestoreSessionAsync.
            _needsReinit = true;
            SetConnected(false, null, AtMqttDisconnectReason.ModuleRestarted);
        }

        await InitializeAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary><c>AT+GMR</c>: the module's version lines.</summary>
    /// <param name="cancellationToken">Stops waiting.</param>
    public async Task<IReadOnlyList<string>> GetVersionAsync(CancellationToken cancellationToken = default) =>
        await ExecuteAsync(new AtLine("AT+GMR"), AttemptMode.Normal, _options.CommandTimeout, default, cancellationToken).ConfigureAwait(false);

    /// <summary>
    /// Joins a Wi-Fi access point, for modules that need it before MQTT: <c>AT+CWMODE=1</c>, then
    /// <c>AT+CWJAP</c> (which can take many seconds).
    /// </summary>
    /// <param name="ssid">The network name.</param>
    /// <param name="password">The network password.</param>
    /// <param name="cancellationToken">Stops waiting.</param>
    /// <exception cref="AtCommandException">The module could not join; <see cref="AtCommandException.ResponseLines"/> holds its <c>+CWJAP:&lt;code&gt;</c>.</exception>
    public async Task JoinWifiAsync(string ssid, string password, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(ssid);
        ArgumentNullException.ThrowIfNull(password);
        await ExecuteAsync(new AtLine("AT+CWMODE").Int(1), AttemptMode.Normal, _options.CommandTimeout, default, cancellationToken).ConfigureAwait(false);
        var line = new AtLine("AT+CWJAP").Quoted(RequireLineSafe(ssid, nameof(ssid))).Secret(RequireLineSafe(password, nameof(password)));
        await ExecuteAsync(line, AttemptMode.Normal, _options.NetworkTimeout, default, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Sends one AT command line as given and returns its information lines: an escape hatch for commands the
    /// client has no method for. Messages and MQTT events are still handled as usual.
    /// </summary>
    /// <param name="commandLine">The command without terminator, for example <c>AT+CIPSNTPTIME?</c>.</param>
    /// <param name="timeout">How long it may take; null for <see cref="AtMqttClientOptions.NetworkTimeout"/>.</param>
    /// <param name="cancellationToken">Stops waiting.</param>
    /// <exception cref="AtCommandException">The module answered ERROR.</exception>
    public async Task<IReadOnlyList<string>> ExecuteCommandAsync(string commandLine, TimeSpan? timeout = null, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(commandLine);
        if (!commandLine.StartsWith("AT", StringComparison.Ordinal) || commandLine.AsSpan().IndexOfAny('\r', '\n') >= 0)
        {
            throw new ArgumentException("A command line starts with AT and has no CR or LF.", nameof(commandLine));
        }

        var line = AtLine.Raw(commandLine);
        return await ExecuteAsync(line, AttemptMode.Normal, timeout ?? _options.NetworkTimeout, default, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Configures, connects and subscribes again as the application last did (user and connection
    /// configuration, ALPN, SNI, broker, subscriptions): after the module restarted. Done automatically in the
    /// background with <see cref="AtMqttClientOptions.RestoreSessionAfterReset"/>.
    /// </summary>
    /// <param name="cancellationToken">Stops waiting.</param>
    /// <exception cref="InvalidOperationException">Nothing was configured and connected yet.</exception>
    public async Task RestoreSessionAsync(CancellationToken cancellationToken = default)
    {
        AtMqttUserConfig user;
        AtMqttConnectionConfig? connection;
        IReadOnlyList<string>? alpn;
        string? sni;
        (string Host, int Port, bool AutoReconnect) target;
        List<AtMqttSubscription> subscriptions;
        lock (_gate)
        {
            if (_sessionUser is null || _sessionTarget is null)
            {
                throw new InvalidOperationException("There is no session to restore: nothing was configured and connected.");
            }

            (user, connection, alpn, sni, target, subscriptions) =
                (_sessionUser, _sessionConnection, _sessionAlpn, _sessionSni, _sessionTarget.Value, [.. _sessionSubscriptions]);
        }

        await CleanQuietlyAsync(cancellationToken).ConfigureAwait(false);
        await ConfigureUserAsync(user, cancellationToken).ConfigureAwait(false);
        if (connection is not null)
        {
            await ConfigureConnectionAsync(connection, cancellationToken).ConfigureAwait(false);
        }

        if (alpn is not null)
        {
            await ConfigureAlpnAsync(alpn, cancellationToken).ConfigureAwait(false);
        }

        if (sni is not null)
        {
            await ConfigureSniAsync(sni, cancellationToken).ConfigureAwait(false);
        }

        await ConnectAsync(target.Host, target.Port, target.AutoReconnect, cancellationToken).ConfigureAwait(false);
        foreach (var s in subscriptions)
        {
            await SubscribeAsync(s.Filter, s.Qos, cancellationToken).ConfigureAwait(false);
        }
    }

    private async Task RestoreInBackgroundAsync()
    {
        try
        {
            await RestoreSessionAsync(_lifetime.Token).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is AtMqttException or InvalidOperationException or OperationCanceledException or ObjectDisposedException)
        {
            if (Volatile.Read(ref _disposed) == 0)
            {
                Raise(() => Disconnected?.Invoke(this, new AtMqttDisconnectedEventArgs(AtMqttDisconnectReason.RestoreFailed, ex)));
            }
        }
    }

    /// <summary>AT+MQTTCLEAN, accepting the ERROR of firmware that has nothing to clean (0x6003).</summary>
    private async Task CleanQuietlyAsync(CancellationToken cancellationToken)
    {
        try
        {
            await DisconnectAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (AtCommandException)
        {
            lock (_gate)
            {
                SetConnected(false, null, AtMqttDisconnectReason.Cleaned);
            }
        }
    }

    private Task InitializeIfNeededAsync(CancellationToken cancellationToken) =>
        _initialized && !_needsReinit ? Task.CompletedTask : InitializeAsync(cancellationToken);

    /// <summary>Called with <c>_gate</c> held.</summary>
    private void ForgetSession()
    {
        _sessionUser = null;
        _sessionConnection = null;
        _sessionAlpn = null;
        _sessionSni = null;
        _sessionTarget = null;
        _sessionSubscriptions.Clear();
    }

    private static byte[] RequireLineSafe(string value, string name)
    {
        byte[] bytes = Encoding.UTF8.GetBytes(value);
        if (!AtLine.FitsInLine(bytes))
        {
            throw new ArgumentException("The value cannot contain CR, LF or NUL.", name);
        }

        return bytes;
    }

    private static void CheckQos(MqttQos qos)
    {
        if (qos is < MqttQos.AtMostOnce or > MqttQos.ExactlyOnce)
        {
            throw new ArgumentOutOfRangeException(nameof(qos), qos, "QoS is 0, 1 or 2.");
        }
    }

    /// <summary>A user name, password or client ID and whether it goes through its LONG command.</summary>
    private sealed class LongField(string command, byte[] value, int fieldLimit, byte[] placeholder, bool secret)
    {
        public bool Secret { get; } = secret;

        public string Command { get; } = command;

        /// <summary>ESP-AT v2.x's setter of the same value: <c>AT+MQTTCLIENTID</c> for <c>AT+MQTTLONGCLIENTID</c>.</summary>
        public string Setter { get; } = command.Replace("LONG", "", StringComparison.Ordinal);

        public byte[] Value { get; } = value;

        public int FieldLimit { get; } = fieldLimit;

        public byte[] Placeholder { get; } = placeholder;

        public bool Long { get; set; }
    }
}
