using System.Buffers;
using System.Globalization;
using System.Text;
using AtMqtt.Core.Dialects;
using AtMqtt.Core.Instrument;
using AtMqtt.Core.Logging;
using AtMqtt.Core.Mqtt.Transport;
using AtMqtt.Core.Parsing;
using AtMqtt.Core.Output;
using Microsoft.Extensions.Logging;
using MQTTnet;
using MQTTnet.Adapter;
using MQTTnet.Formatter;
using MQTTnet.Protocol;

namespace AtMqtt.Core.Mqtt;

/// <summary>
/// One MQTT client of the module (LinkID 0 on ESP-AT, client_idx 0..5 on Quectel): configuration,
/// connection state, subscription list and the reconnect loop (SPEC section 4), over one MQTTnet
/// client per connection attempt. What the host is told (received messages, a lost connection) is
/// the family's <see cref="ILinkReporter"/>'s; the link only keeps the connection.
/// </summary>
public sealed class MqttLink : IAsyncDisposable
{
    private readonly object _gate = new();
    private readonly Dialect _dialect;
    private readonly UrcQueue _urcs;
    private readonly UrcScope _scope;
    private readonly ILogger _log;
    private readonly List<Subscription> _subscriptions = [];
    private readonly int _maxSubscriptions;
    private readonly CertificateSource _credentials;
    private readonly long _maxMessageBytes;

    // A host can repeat PUB, SUB, UNSUB, CONN and CLEAN at will, and a broker can drop every
    // connection: each family's lines are logged a few per 5 s, the rest summed up (LogThrottle).
    private readonly LogThrottle _publishLog;
    private readonly LogThrottle _subscribeLog;
    private readonly LogThrottle _unsubscribeLog;
    private readonly LogThrottle _connectionLog;

    // QoS 2 session state, kept across reconnections so that a redelivery reaches the host once.
    private readonly ExactlyOnce _exactlyOnce = new();

    private IMqttClient? _client;
    private CancellationTokenSource _publishDeadline = new();
    private byte[] _lastTopicBytes = [];
    private string _lastTopic = "";
    private LinkTransport? _transport;
    private MqttClientOptions? _clientOptions;
    private CancellationTokenSource _linkLifetime = new();
    private LinkPhase _phase;
    private bool _unsubscribedToEmpty;

    // A transport opened ahead of CONNECT (Quectel's AT+QMTOPEN), taken by the next ConnectAsync.
    private LinkTransport? _opened;

    // Set when the watchdog cut the connection for silence: the loss is a ping timeout, not the peer's doing.
    private LinkTransport? _cutForSilence;

    // The wait before the next reconnection attempt. It starts again at one second only after a
    // connection stayed up for a while: a broker that accepts and drops at once is retried ever
    // more slowly, not every second.
    private TimeSpan _backoff = FirstBackoff;
    private long _connectedAt;

    private static readonly TimeSpan FirstBackoff = TimeSpan.FromSeconds(1);
    private static readonly TimeSpan MaxBackoff = TimeSpan.FromSeconds(30);
    private static readonly TimeSpan MaxStableAfter = TimeSpan.FromSeconds(60);

    internal MqttLink(int index, ILinkReporter reporter, UrcScope scope, Dialect dialect, UrcQueue urcs, int maxSubscriptions, long maxMessageBytes, CertificateSource credentials, ILogger log, TimeProvider time)
    {
        Index = index;
        Reporter = reporter;
        _scope = scope;
        _credentials = credentials;
        _maxMessageBytes = maxMessageBytes;
        _publishLog = LogThrottle.Summarising(log, LogLevel.Warning, "Publish warnings", time);
        _subscribeLog = LogThrottle.Summarising(log, LogLevel.Warning, "Subscribe warnings", time);
        _unsubscribeLog = LogThrottle.Summarising(log, LogLevel.Warning, "Unsubscribe warnings", time);
        _connectionLog = LogThrottle.Summarising(log, LogLevel.Information, "Connection lines", time, burst: 20);
        _dialect = dialect;
        _urcs = urcs;
        _maxSubscriptions = maxSubscriptions;
        _log = log;
    }

    /// <summary>The client index (ESP-AT's LinkID, Quectel's client_idx): the position in <see cref="Modem.Links"/>.</summary>
    public int Index { get; }

    /// <summary>How this link's family tells the host what happens on it.</summary>
    public ILinkReporter Reporter { get; }

    /// <summary>This link's lines in the modem's URC queue (cleared with the link only).</summary>
    public UrcScope Scope => _scope;

    /// <summary>The modem's URC queue, where the reporter writes.</summary>
    public UrcQueue Urcs => _urcs;

    public Dialect Dialect => _dialect;

    /// <summary>The phase now.</summary>
    public LinkPhase Phase
    {
        get
        {
            lock (_gate)
            {
                return _phase;
            }
        }
    }

    /// <summary>Whether the subscription list was emptied by UNSUB since the connection came up (ESP-AT's state 5).</summary>
    internal (LinkPhase Phase, int Subscriptions, bool UnsubscribedToEmpty) Facts()
    {
        lock (_gate)
        {
            return (_phase, _subscriptions.Count, _unsubscribedToEmpty);
        }
    }

    /// <summary>Where phase changes are published (the modem's events).</summary>
    internal Instrument.EventHub? Events { get; set; }

    /// <summary>Publishes, receives and reconnections are counted here.</summary>
    internal Instrument.CounterSet? Counters { get; set; }

    /// <summary>The phase as the control API shows it: idle, connecting, connected, reconnecting, failed, dropped.</summary>
    public string PhaseName
    {
        get
        {
            lock (_gate)
            {
                return Name(_phase);
            }
        }
    }

    /// <summary>A phase's name as <see cref="PhaseName"/> gives it.</summary>
    public static string NameOf(LinkPhase phase) => Name(phase);

    private static string Name(LinkPhase phase) => phase switch
    {
        LinkPhase.Idle => "idle",
        LinkPhase.Opening => "opening",
        LinkPhase.Opened => "opened",
        LinkPhase.Connecting => "connecting",
        LinkPhase.Connected => "connected",
        LinkPhase.Reconnecting => "reconnecting",
        LinkPhase.Failed => "failed",
        _ => "dropped",
    };

    /// <summary>Changes the phase (call under the gate) and says so to the modem's watchers (link 0's events keep their name; others say which link).</summary>
    private void SetPhase(LinkPhase phase)
    {
        if (_phase == phase)
        {
            return;
        }

        _phase = phase;
        if (Index == 0)
        {
            Events?.Publish(new Instrument.ModemEvent { Type = Instrument.EventTypes.State, Name = Instrument.StateNames.Link, Value = Name(phase), Text = "link " + Name(phase) });
        }
        else
        {
            string name = Instrument.StateNames.Link + Index.ToString(CultureInfo.InvariantCulture);
            Events?.Publish(new Instrument.ModemEvent { Type = Instrument.EventTypes.State, Name = name, Value = Name(phase), Text = name + " " + Name(phase) });
        }
    }

    /// <summary>The modem's faults: publish-fail here, the network faults in the transport.</summary>
    internal FaultSet? Faults { get; set; }

    /// <summary>The modem's quirks: split-subrecv and conn-fail-state act here.</summary>
    internal Profiles.Quirks Quirks { get; set; } = Profiles.Quirks.None;

    public UserConfig? User { get; private set; }

    public ConnectionConfig? Connection { get; private set; }

    public BrokerTarget? Target { get; private set; }

    public TlsSettings Tls { get; private set; } = TlsSettings.None;

    public bool IsConnected
    {
        get
        {
            lock (_gate)
            {
                return _phase == LinkPhase.Connected;
            }
        }
    }

    /// <summary>True from CONN until CLEAN: USERCFG, CONNCFG and CONN are refused meanwhile.</summary>
    public bool IsActive
    {
        get
        {
            lock (_gate)
            {
                return _phase is LinkPhase.Connecting or LinkPhase.Connected or LinkPhase.Reconnecting;
            }
        }
    }

    public bool MustCleanFirst
    {
        get
        {
            lock (_gate)
            {
                return _phase == LinkPhase.Dropped;
            }
        }
    }

    public IReadOnlyList<Subscription> Subscriptions
    {
        get
        {
            lock (_gate)
            {
                return [.. _subscriptions];
            }
        }
    }

    public void Configure(UserConfig user)
    {
        lock (_gate)
        {
            User = user;
            LeaveFailedPhase();
        }
    }

    // A new configuration clears a failed attempt, but not a dropped connection: that one keeps
    // its subscription list, and only CLEAN starts over (ESP-AT's reconnect=0 rule).
    private void LeaveFailedPhase()
    {
        if (_phase == LinkPhase.Failed)
        {
            SetPhase(LinkPhase.Idle);
        }
    }

    public void Configure(TlsSettings tls)
    {
        lock (_gate)
        {
            Tls = tls;
        }
    }

    public void Configure(ConnectionConfig connection)
    {
        lock (_gate)
        {
            Connection = connection;
            LeaveFailedPhase();
        }
    }

    /// <summary>
    /// Connects and waits for CONNACK. Returns 0 on success, else the AT_MQTT_* code of the failure;
    /// the link is then left disconnected with no retry.
    /// </summary>
    /// <summary>
    /// Opens the network connection (TCP, and TLS for a TLS scheme) to <paramref name="target"/> ahead of the
    /// MQTT CONNECT, as Quectel's AT+QMTOPEN does; the next <see cref="ConnectAsync"/> sends CONNECT on it.
    /// Returns null on success, else why it failed.
    /// </summary>
    /// <paramref name="credentials"/>: what a cellular family's SSL context resolved to (null: the flash and the
    /// factory defaults, as for ESP-AT).
    public async Task<OpenFailure?> OpenAsync(BrokerTarget target, UserConfig user, TimeSpan timeout, TlsCredentials? credentials = null)
    {
        CancellationToken lifetime;
        lock (_gate)
        {
            User = user;
            Target = target;
            SetPhase(LinkPhase.Opening);
            lifetime = _linkLifetime.Token;
        }

        var scheme = _dialect.Schemes[user.Scheme - 1];
        var transport = new LinkTransport(scheme, target.Host, target.Port, user.Path, Tls, () => credentials ?? _credentials.For(user, scheme), _maxMessageBytes, Release, Faults, Counters);
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(lifetime);
        cts.CancelAfter(timeout);
        try
        {
            await transport.OpenAheadAsync(cts.Token).ConfigureAwait(false);
            lock (_gate)
            {
                if (lifetime.IsCancellationRequested)
                {
                    transport.Abort();
                    return OpenFailure.Network;
                }

                _opened = transport;
                SetPhase(LinkPhase.Opened);
            }

            if (_connectionLog.ShouldLog())
            {
                _log.LogInformation("Client {Index}: network connection to {Host}:{Port} open ({Carrier})", Index, target.Host, target.Port, scheme);
            }

            return null;
        }
        catch (Exception ex)
        {
            transport.Abort();
            lock (_gate)
            {
                if (!lifetime.IsCancellationRequested)
                {
                    SetPhase(LinkPhase.Idle);
                }
            }

            if (_connectionLog.ShouldLog())
            {
                _log.LogWarning("Client {Index}: opening {Host}:{Port} failed: {Reason}", Index, target.Host, target.Port, Describe(ex));
            }

            return Find<System.Net.Sockets.SocketException>(ex) is { SocketErrorCode: System.Net.Sockets.SocketError.HostNotFound or System.Net.Sockets.SocketError.NoData or System.Net.Sockets.SocketError.TryAgain }
                ? OpenFailure.HostNotFound
                : Find<TransportException>(ex) is not null ? OpenFailure.Tls
                : OpenFailure.Network;
        }
    }

    /// <summary>The CONNACK refusal of the last failed <see cref="ConnectAsync"/> (MQTT 3.1.1 return code 1..5), or 0.</summary>
    public int LastRefusal { get; private set; }

    public async Task<ushort> ConnectAsync(BrokerTarget target, TimeSpan timeout)
    {
        UserConfig user;
        CancellationToken lifetime;
        lock (_gate)
        {
            user = User ?? throw new InvalidOperationException("USERCFG first");
            Target = target;
            SetPhase(LinkPhase.Connecting);
            lifetime = _linkLifetime.Token;
        }

        var scheme = _dialect.Schemes[user.Scheme - 1];
        LinkTransport? opened;
        lock (_gate)
        {
            opened = _opened;
            _opened = null;
        }

        LastRefusal = 0;
        var transport = opened ?? new LinkTransport(scheme, target.Host, target.Port, user.Path, Tls, () => _credentials.For(user, scheme), _maxMessageBytes, Release, Faults, Counters);
        var client = new MqttClientFactory().CreateMqttClient();
        var options = BuildOptions(user, Connection ?? ConnectionConfig.Default, target, transport);
        client.ApplicationMessageReceivedAsync += OnMessageAsync;
        client.DisconnectedAsync += e => OnDisconnectedAsync(client, e);

        using var cts = CancellationTokenSource.CreateLinkedTokenSource(lifetime);
        cts.CancelAfter(timeout);
        try
        {
            if (_connectionLog.ShouldLog())
            {
                _log.LogInformation("Connecting to {Host}:{Port} as \"{ClientId}\": scheme {Scheme}, {Carrier}, keepalive {KeepAlive} s, {Session}",
                    target.Host, target.Port, user.ClientId, user.Scheme, scheme, (int)options.KeepAlivePeriod.TotalSeconds, options.CleanSession ? "clean session" : "session kept");
            }
            IMqttClient? previous;
            lock (_gate)
            {
                previous = _client;
                _client = client;
                _transport = transport;
                _clientOptions = options;
            }

            // A connection that dropped with reconnect=0 is replaced by this one.
            previous?.Dispose();

            var result = await client.ConnectAsync(options, cts.Token).ConfigureAwait(false);
            if (result.ResultCode != MqttClientConnectResultCode.Success)
            {
                throw new BrokerRefusedException(result.ResultCode);
            }

            lock (_gate)
            {
                if (!ReferenceEquals(_client, client))
                {
                    return MqttError.ClientStartFailed; // cleaned or reset meanwhile
                }

                SetPhase(LinkPhase.Connected);
                _unsubscribedToEmpty = false;
                _backoff = FirstBackoff;
                Established(result.IsSessionPresent);
            }

            if (_connectionLog.ShouldLog())
            {
                _log.LogInformation("Connected to {Host}:{Port} ({Session})", target.Host, target.Port, result.IsSessionPresent ? "the broker had kept the session" : "a new session");
            }
            if (options.KeepAlivePeriod > TimeSpan.Zero)
            {
                // Keepalive 0 (Quectel allows it) asks for no pings and no silence watch.
                _ = Task.Run(() => WatchAsync(client, transport, options.KeepAlivePeriod, lifetime), CancellationToken.None);
            }
            return 0;
        }
        catch (Exception ex)
        {
            var violation = transport.Violation;
            string reason = violation?.Message ?? Describe(ex);
            LastRefusal = Refusal(Find<BrokerRefusedException>(ex)?.Code);
            if (violation is { TooLarge: true })
            {
                _urcs.CountTooLarge();
            }

            if (violation is null && scheme.UsesX509 && Find<TransportException>(ex) is null && Find<BrokerRefusedException>(ex) is null)
            {
                // TLS 1.3 servers refuse a client certificate (or its absence) just after the handshake.
                reason += " (the TLS connection broke right after the handshake: does the server require a client certificate, or refuse this one?)";
            }

            if (_connectionLog.ShouldLog())
            {
                _log.LogWarning("Connection to {Host}:{Port} failed: {Reason}", target.Host, target.Port, reason);
            }
            lock (_gate)
            {
                if (ReferenceEquals(_client, client))
                {
                    _client = null;
                    _transport = null;
                    SetPhase(LinkPhase.Failed);
                }
            }

            transport.Abort();
            client.Dispose();
            return Find<TransportException>(ex)?.ErrorCode ?? MqttError.ClientStartFailed;
        }
    }

    /// <summary>
    /// The topic as a string, reusing the previous one when the host publishes to the same topic
    /// again (the usual case), so a repeated publish allocates no new topic.
    /// </summary>
    public string TopicString(ReadOnlySpan<byte> topic)
    {
        if (!topic.SequenceEqual(_lastTopicBytes))
        {
            _lastTopic = Encoding.UTF8.GetString(topic);
            _lastTopicBytes = topic.ToArray();
        }

        return _lastTopic;
    }

    public async Task<bool> PublishAsync(string topic, ReadOnlyMemory<byte> payload, int qos, bool retain, TimeSpan timeout)
    {
        var client = ConnectedClient();
        if (client is null)
        {
            if (_publishLog.ShouldLog())
            {
                _log.LogWarning("Publish to \"{Topic}\" refused: not connected", topic);
            }

            return false;
        }

        if (Faults is { Any: true } faults && faults.Find(FaultKinds.PublishFail) is { } fail && faults.TryConsume(fail))
        {
            // publish-fail: as if the broker never acknowledged it; nothing is sent.
            if (_publishLog.ShouldLog())
            {
                _log.LogWarning("Publish to \"{Topic}\" failed: a publish-fail fault ({Id})", topic, fail.Id);
            }

            return false;
        }

        var message = new MqttApplicationMessage
        {
            Topic = topic,
            Payload = new ReadOnlySequence<byte>(payload),
            QualityOfServiceLevel = (MqttQualityOfServiceLevel)qos,
            Retain = retain,
        };
        // Publishes run one at a time (one command at a time), so one deadline source serves them all;
        // a new one per publish costs a timer each, which shows with thousands of modems.
        var cts = _publishDeadline;
        if (!cts.TryReset())
        {
            cts.Dispose();
            cts = _publishDeadline = new CancellationTokenSource();
        }

        cts.CancelAfter(timeout);
        try
        {
            var result = await client.PublishAsync(message, cts.Token).ConfigureAwait(false);
            if (result.IsSuccess)
            {
                Counters?.Publish(qos);
            }
            else
            {
                if (_publishLog.ShouldLog())
                {
                    _log.LogWarning("Publish to \"{Topic}\" failed: {Reason}", topic, LogText.Words(result.ReasonCode));
                }
            }

            return result.IsSuccess;
        }
        catch (Exception ex)
        {
            if (_publishLog.ShouldLog())
            {
                _log.LogWarning("Publish to \"{Topic}\" (QoS {Qos}, {Length} bytes) failed: {Reason}", topic, qos, payload.Length, Describe(ex));
            }

            return false;
        }
    }

    public enum SubscribeOutcome
    {
        Subscribed,
        AlreadySubscribed,
        Failed,
    }

    public async Task<SubscribeOutcome> SubscribeAsync(string filter, int qos, TimeSpan timeout)
    {
        var client = ConnectedClient();
        lock (_gate)
        {
            if (_subscriptions.Exists(s => s.Filter == filter))
            {
                return SubscribeOutcome.AlreadySubscribed;
            }

            if (client is null || _subscriptions.Count >= _maxSubscriptions)
            {
                if (_subscribeLog.ShouldLog())
                {
                    _log.LogWarning("Subscribe to \"{Filter}\" refused: {Reason}", filter, client is null ? "not connected" : $"the list is full ({_maxSubscriptions})");
                }

                return SubscribeOutcome.Failed;
            }
        }

        using var cts = new CancellationTokenSource(timeout);
        try
        {
            var options = new MqttClientSubscribeOptionsBuilder()
                .WithTopicFilter(f => f.WithTopic(filter).WithQualityOfServiceLevel((MqttQualityOfServiceLevel)qos))
                .Build();
            var result = await client.SubscribeAsync(options, cts.Token).ConfigureAwait(false);
            var code = result.Items.Count > 0 ? result.Items.First().ResultCode : MqttClientSubscribeResultCode.UnspecifiedError;
            if (code > MqttClientSubscribeResultCode.GrantedQoS2)
            {
                if (_subscribeLog.ShouldLog())
                {
                    _log.LogWarning("Subscribe to \"{Filter}\" refused by the broker: {Code}", filter, LogText.Words(code));
                }

                return SubscribeOutcome.Failed;
            }

            lock (_gate)
            {
                _subscriptions.Add(new Subscription(filter, qos));
            }

            return SubscribeOutcome.Subscribed;
        }
        catch (Exception ex)
        {
            if (_subscribeLog.ShouldLog())
            {
                _log.LogWarning("Subscribe to \"{Filter}\" failed: {Reason}", filter, Describe(ex));
            }

            return SubscribeOutcome.Failed;
        }
    }

    public enum UnsubscribeOutcome
    {
        Unsubscribed,
        NotSubscribed,
        Failed,
    }

    public async Task<UnsubscribeOutcome> UnsubscribeAsync(string filter, TimeSpan timeout)
    {
        var client = ConnectedClient();
        lock (_gate)
        {
            if (client is null || !_subscriptions.Exists(s => s.Filter == filter))
            {
                return UnsubscribeOutcome.NotSubscribed;
            }
        }

        using var cts = new CancellationTokenSource(timeout);
        try
        {
            await client.UnsubscribeAsync(new MqttClientUnsubscribeOptionsBuilder().WithTopicFilter(filter).Build(), cts.Token).ConfigureAwait(false);
            lock (_gate)
            {
                _subscriptions.RemoveAll(s => s.Filter == filter);
                _unsubscribedToEmpty = _subscriptions.Count == 0;
            }

            return UnsubscribeOutcome.Unsubscribed;
        }
        catch (Exception ex)
        {
            if (_unsubscribeLog.ShouldLog())
            {
                _log.LogWarning("Unsubscribe from \"{Filter}\" failed: {Reason}", filter, Describe(ex));
            }

            return UnsubscribeOutcome.Failed;
        }
    }

    /// <summary>
    /// One SUBSCRIBE with several filters (Quectel's AT+QMTSUB): the granted QoS of each filter as the
    /// broker answered (128: refused), or null when the packet could not be sent or no SUBACK came.
    /// A filter already in the list is subscribed again (the broker replaces it), not refused.
    /// </summary>
    public async Task<int[]?> SubscribeManyAsync(IReadOnlyList<Subscription> filters, TimeSpan timeout)
    {
        var client = ConnectedClient();
        if (client is null)
        {
            return null;
        }

        using var cts = new CancellationTokenSource(timeout);
        try
        {
            var builder = new MqttClientSubscribeOptionsBuilder();
            foreach (var f in filters)
            {
                builder.WithTopicFilter(t => t.WithTopic(f.Filter).WithQualityOfServiceLevel((MqttQualityOfServiceLevel)f.Qos));
            }

            var result = await client.SubscribeAsync(builder.Build(), cts.Token).ConfigureAwait(false);
            // MQTTnet's client pairs the SUBACK's i-th code with the SUBSCRIBE's i-th filter, as MQTT 3.1.1 orders
            // them [MQTT-3.9.3-1]. (MQTTnet's own broker breaks that rule: it answers highest QoS first, so only
            // mosquitto shows the pairing right: EndToEnd ListSubscribeTests, docs/quectel.md.)
            var granted = new int[filters.Count];
            Array.Fill(granted, 128);
            int at = 0;
            foreach (var item in result.Items)
            {
                if (at < granted.Length)
                {
                    granted[at++] = item.ResultCode <= MqttClientSubscribeResultCode.GrantedQoS2 ? (int)item.ResultCode : 128;
                }
            }

            lock (_gate)
            {
                for (int k = 0; k < granted.Length; k++)
                {
                    if (granted[k] != 128)
                    {
                        var filter = filters[k].Filter;
                        _subscriptions.RemoveAll(x => x.Filter == filter);
                        _subscriptions.Add(new Subscription(filter, granted[k]));
                    }
                }
            }

            return granted;
        }
        catch (Exception ex)
        {
            if (_subscribeLog.ShouldLog())
            {
                _log.LogWarning("Client {Index}: subscribe to {Count} filter(s) failed: {Reason}", Index, filters.Count, Describe(ex));
            }

            return null;
        }
    }

    /// <summary>One UNSUBSCRIBE with several filters (Quectel's AT+QMTUNS): false when it could not be sent or no UNSUBACK came.</summary>
    public async Task<bool> UnsubscribeManyAsync(IReadOnlyList<string> filters, TimeSpan timeout)
    {
        var client = ConnectedClient();
        if (client is null)
        {
            return false;
        }

        using var cts = new CancellationTokenSource(timeout);
        try
        {
            var builder = new MqttClientUnsubscribeOptionsBuilder();
            foreach (var f in filters)
            {
                builder.WithTopicFilter(f);
            }

            await client.UnsubscribeAsync(builder.Build(), cts.Token).ConfigureAwait(false);
            lock (_gate)
            {
                _subscriptions.RemoveAll(x => filters.Contains(x.Filter));
                _unsubscribedToEmpty = _subscriptions.Count == 0;
            }

            return true;
        }
        catch (Exception ex)
        {
            if (_unsubscribeLog.ShouldLog())
            {
                _log.LogWarning("Client {Index}: unsubscribe from {Count} filter(s) failed: {Reason}", Index, filters.Count, Describe(ex));
            }

            return false;
        }
    }

    /// <summary>
    /// AT+MQTTCLEAN (graceful: DISCONNECT, so no will) or AT+RST (abrupt: the socket is cut, so the
    /// broker publishes the will). Either way configuration and subscriptions are forgotten.
    /// </summary>
    /// <param name="graceful">Send DISCONNECT first.</param>
    /// <param name="why">What cut the link, for the log (an abrupt close only).</param>
    public async Task CloseAsync(bool graceful, string why = "a restart: AT+RST or AT+RESTORE")
    {
        IMqttClient? client;
        LinkTransport? transport;
        LinkTransport? opened;
        bool wasConnected;
        lock (_gate)
        {
            client = _client;
            transport = _transport;
            opened = _opened;
            _opened = null;
            wasConnected = _phase == LinkPhase.Connected;
            _client = null;
            _transport = null;
            _clientOptions = null;
            _linkLifetime.Cancel();
            _linkLifetime.Dispose();
            _linkLifetime = new CancellationTokenSource();
            SetPhase(LinkPhase.Idle);
            _subscriptions.Clear();
            _exactlyOnce.Clear();
            _unsubscribedToEmpty = false;
            _backoff = FirstBackoff;
            User = null;
            Connection = null;
            Target = null;
            Tls = TlsSettings.None;
        }

        _scope.Clear();
        Reporter.Cleared(this);
        opened?.Abort();
        if (client is null)
        {
            if (opened is not null && _connectionLog.ShouldLog())
            {
                _log.LogInformation("Client {Index}: network connection closed before any CONNECT", Index);
            }

            return;
        }

        if (graceful && wasConnected)
        {
            try
            {
                using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(5));
                await client.DisconnectAsync(new MqttClientDisconnectOptionsBuilder().Build(), cts.Token).ConfigureAwait(false);
            }
            catch (Exception ex)
            {
                _log.LogDebug(ex, "DISCONNECT not sent");
            }
        }

        transport?.Abort();
        client.Dispose();
        if (_connectionLog.ShouldLog())
        {
            if (graceful)
            {
                _log.LogInformation("Link closed with a DISCONNECT (AT+MQTTCLEAN)");
            }
            else
            {
                _log.LogInformation("Link cut without a DISCONNECT ({Why}): the broker publishes the will, if one was set", why);
            }
        }
    }

    /// <summary>
    /// The module's network went (a cellular profile: registration lost, radio off, the PDP context down): an
    /// opened or connected connection is cut without DISCONNECT (the broker publishes the will), the link is
    /// <see cref="LinkPhase.Dropped"/> and does not reconnect, and no <see cref="ILinkReporter.Lost"/> follows: the
    /// family's reporter, which asked, says it in its own words. A CONNECT under way fails (its result says so).
    /// True when an opened or connected connection was dropped.
    /// </summary>
    internal bool Drop(string why)
    {
        LinkTransport? transport;
        bool dropped;
        lock (_gate)
        {
            switch (_phase)
            {
                case LinkPhase.Opened:
                    transport = _opened;
                    _opened = null;
                    dropped = true;
                    SetPhase(LinkPhase.Dropped);
                    break;
                case LinkPhase.Connected:
                    // Dropped before the socket goes: the disconnect callback then knows it was not the peer.
                    transport = _transport;
                    dropped = true;
                    SetPhase(LinkPhase.Dropped);
                    break;
                case LinkPhase.Connecting:
                    transport = _transport;
                    dropped = false;
                    break;
                default:
                    return false;
            }
        }

        if (transport is not null)
        {
            _log.LogInformation("Client {Index}: connection cut without a DISCONNECT ({Why}): the broker publishes the will, if one was set", Index, why);
            transport.Abort();
        }

        return dropped;
    }

    /// <summary>
    /// Cuts the current broker connection without a word (a fault: the network went away); the
    /// ordinary disconnect path follows: <c>+MQTTDISCONNECTED:0</c>, and with reconnect=1 the retries.
    /// </summary>
    internal void Cut(string why)
    {
        LinkTransport? transport;
        lock (_gate)
        {
            transport = _phase == LinkPhase.Connected ? _transport : null;
        }

        if (transport is not null)
        {
            _log.LogInformation("Link cut without a DISCONNECT ({Why}): the broker publishes the will, if one was set", why);
            transport.Abort();
        }
    }

    public async ValueTask DisposeAsync()
    {
        // As a module switched off: no DISCONNECT.
        await CloseAsync(graceful: false, "the modem stopped").ConfigureAwait(false);
        _publishLog.Dispose();
        _subscribeLog.Dispose();
        _unsubscribeLog.Dispose();
        _connectionLog.Dispose();
    }

    private IMqttClient? ConnectedClient()
    {
        lock (_gate)
        {
            return _phase == LinkPhase.Connected ? _client : null;
        }
    }

    private MqttClientOptions BuildOptions(UserConfig user, ConnectionConfig connection, BrokerTarget target, LinkTransport transport)
    {
        var builder = new MqttClientOptionsBuilder()
            .WithTcpServer(target.Host, target.Port)
            .WithProtocolVersion(connection.ProtocolVersion == 3 ? MqttProtocolVersion.V310 : MqttProtocolVersion.V311)
            .WithClientId(user.ClientId)
            .WithCleanSession(!connection.DisableCleanSession)
            .WithKeepAlivePeriod(connection.EffectiveKeepAlive)
            .WithTimeout(TimeSpan.FromSeconds(30));
        if (user.Username.Length > 0 || user.Password.Length > 0)
        {
            builder.WithCredentials(user.Username, user.Password);
        }

        if (connection.WillTopic.Length > 0)
        {
            builder.WithWillTopic(connection.WillTopic)
                .WithWillPayload(connection.WillMessage)
                .WithWillQualityOfServiceLevel((MqttQualityOfServiceLevel)connection.WillQos)
                .WithWillRetain(connection.WillRetain);
        }

        var options = builder.Build();
        ((MqttClientTcpOptions)options.ChannelOptions).StreamProvider = transport;
        return options;
    }

    private Task OnMessageAsync(MqttApplicationMessageReceivedEventArgs e)
    {
        var message = e.ApplicationMessage;
        if (!Reporter.CanTake(this, message))
        {
            // Unacknowledged, so a broker that keeps the session delivers it again.
            e.AutoAcknowledge = false;
            return Task.CompletedTask;
        }

        InboundAck? ack = null;
        if (message.QualityOfServiceLevel != MqttQualityOfServiceLevel.AtMostOnce)
        {
            // Acknowledged once the host has the message (the reporter sees to it), not when MQTTnet returns from here.
            e.AutoAcknowledge = false;
            if (message.QualityOfServiceLevel == MqttQualityOfServiceLevel.AtLeastOnce)
            {
                ack = new InboundAck(e);
            }
            else if (!TryHoldExactlyOnce(e, out ack))
            {
                return Task.CompletedTask;
            }
        }

        // Redeliveries of a QoS 2 message the host has are not counted again.
        Counters?.Receive((int)message.QualityOfServiceLevel);
        Reporter.Deliver(this, message, e.PacketIdentifier, ack);
        return Task.CompletedTask;
    }

    /// <summary>Logs a message the family could not take for its size, and counts it (the reporter's call, before it cuts).</summary>
    internal void TooLargeForFamily(string why)
    {
        _urcs.CountTooLarge();
        if (_connectionLog.ShouldLog())
        {
            _log.LogWarning("{Why}: connection closed, as the module closes it", why);
        }
    }

    /// <summary>A QoS 2 message: false when it is the broker's redelivery of one the host already has or will have.</summary>
    private bool TryHoldExactlyOnce(MqttApplicationMessageReceivedEventArgs e, out InboundAck? ack)
    {
        lock (_gate)
        {
            ack = _exactlyOnce.Admit(e);
        }

        if (ack is null)
        {
            _log.LogDebug("QoS 2 message {PacketId} redelivered by the broker: the host has it already, acknowledged again", e.PacketIdentifier);
        }

        return ack is not null;
    }

    /// <summary>PUBREL: the broker will not deliver that QoS 2 message again, and may reuse its identifier.</summary>
    private void Release(ushort packetId)
    {
        lock (_gate)
        {
            _exactlyOnce.Release(packetId);
        }
    }

    /// <summary>A connection is up (call under the gate).</summary>
    private void Established(bool sessionPresent)
    {
        _connectedAt = Environment.TickCount64;
        if (!sessionPresent)
        {
            // The broker kept no session: nothing of the old one will be delivered again.
            _exactlyOnce.Clear();
        }
    }

    private Task OnDisconnectedAsync(IMqttClient client, MqttClientDisconnectedEventArgs e)
    {
        bool reconnect;
        CancellationToken lifetime;
        BrokerViolationException? violation;
        LinkLoss loss;
        TimeSpan upFor;
        TimeSpan delay;
        lock (_gate)
        {
            if (!ReferenceEquals(_client, client) || _phase != LinkPhase.Connected)
            {
                return Task.CompletedTask; // a failed attempt, or a drop we caused
            }

            reconnect = Target?.Reconnect == true;
            SetPhase(reconnect ? LinkPhase.Reconnecting : LinkPhase.Dropped);
            lifetime = _linkLifetime.Token;
            violation = _transport?.Violation;
            loss = _transport is not null && ReferenceEquals(_cutForSilence, _transport) ? LinkLoss.PingTimeout : LinkLoss.PeerClosed;
            upFor = TimeSpan.FromMilliseconds(Environment.TickCount64 - _connectedAt);
            var keepAlive = _clientOptions?.KeepAlivePeriod ?? MaxStableAfter;
            if (upFor >= (keepAlive < MaxStableAfter ? keepAlive : MaxStableAfter))
            {
                _backoff = FirstBackoff;
            }

            delay = _backoff;
        }

        if (violation is { TooLarge: true })
        {
            _urcs.CountTooLarge();
        }

        string reason = violation?.Message ?? LogText.Words(e.Reason) + (e.Exception is null ? "" : " (" + Describe(e.Exception) + ")");
        if (reconnect)
        {
            if (_connectionLog.ShouldLog())
            {
                _log.LogWarning("Connection lost after {UpFor:F1} s: {Reason}; reconnecting in {Delay} s", upFor.TotalSeconds, reason, delay.TotalSeconds);
            }
        }
        else
        {
            if (_connectionLog.ShouldLog())
            {
                _log.LogWarning("Connection lost after {UpFor:F1} s: {Reason}", upFor.TotalSeconds, reason);
            }
        }

        Reporter.Lost(this, loss, reconnect);
        if (reconnect)
        {
            _ = Task.Run(() => ReconnectAsync(client, delay, lifetime), CancellationToken.None);
        }

        return Task.CompletedTask;
    }

    private async Task ReconnectAsync(IMqttClient client, TimeSpan delay, CancellationToken lifetime)
    {
        int attempt = 0;
        LinkTransport? transport = null;
        while (!lifetime.IsCancellationRequested)
        {
            try
            {
                await Task.Delay(delay, lifetime).ConfigureAwait(false);
                attempt++;
                MqttClientOptions? options;
                lock (_gate)
                {
                    options = ReferenceEquals(_client, client) ? _clientOptions : null;
                    transport = _transport;
                }

                if (options is null)
                {
                    return;
                }

                using var cts = CancellationTokenSource.CreateLinkedTokenSource(lifetime);
                cts.CancelAfter(TimeSpan.FromSeconds(30));
                var result = await client.ConnectAsync(options, cts.Token).ConfigureAwait(false);
                if (result.ResultCode != MqttClientConnectResultCode.Success)
                {
                    throw new BrokerRefusedException(result.ResultCode);
                }

                List<Subscription> restore;
                lock (_gate)
                {
                    if (!ReferenceEquals(_client, client))
                    {
                        return;
                    }

                    SetPhase(LinkPhase.Connected);
                    restore = [.. _subscriptions];
                    Counters?.Reconnect();

                    // Should this connection drop soon, the next attempt waits longer.
                    _backoff = Next(delay);
                    Established(result.IsSessionPresent);
                }

                if (_connectionLog.ShouldLog())
                {
                    _log.LogInformation("Reconnected after {Attempts} attempt(s); restoring {Count} subscription(s)", attempt, restore.Count);
                }
                Reporter.Reconnected(this);
                if (restore.Count > 0)
                {
                    var builder = new MqttClientSubscribeOptionsBuilder();
                    foreach (var s in restore)
                    {
                        builder.WithTopicFilter(f => f.WithTopic(s.Filter).WithQualityOfServiceLevel((MqttQualityOfServiceLevel)s.Qos));
                    }

                    await client.SubscribeAsync(builder.Build(), lifetime).ConfigureAwait(false);
                }

                return;
            }
            catch (OperationCanceledException) when (lifetime.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex)
            {
                var violation = transport?.Violation;
                if (violation is { TooLarge: true })
                {
                    _urcs.CountTooLarge();
                }

                delay = Next(delay);
                if (_connectionLog.ShouldLog())
                {
                    _log.LogInformation("Reconnect attempt {Attempt} failed: {Reason}; next in {Delay} s", attempt, violation?.Message ?? Describe(ex), delay.TotalSeconds);
                }
            }
        }
    }

    /// <summary>
    /// Detects a silent network within one keepalive period and a quarter: after half a period
    /// without a byte from the broker it pings; after a whole one it cuts the socket, which raises
    /// the ordinary disconnect path (URC, reconnect).
    /// </summary>
    private async Task WatchAsync(IMqttClient client, LinkTransport transport, TimeSpan keepAlive, CancellationToken lifetime)
    {
        var period = TimeSpan.FromMilliseconds(Math.Clamp(keepAlive.TotalMilliseconds / 4, 250, 15_000));
        try
        {
            while (true)
            {
                await Task.Delay(period, lifetime).ConfigureAwait(false);
                lock (_gate)
                {
                    if (!ReferenceEquals(_client, client))
                    {
                        return;
                    }

                    if (_phase != LinkPhase.Connected)
                    {
                        continue;
                    }
                }

                var silence = transport.Silence;
                if (silence >= keepAlive)
                {
                    _log.LogWarning("Nothing from the broker for {Seconds:F1} s (keepalive {KeepAlive} s): connection considered dead", silence.TotalSeconds, keepAlive.TotalSeconds);
                    lock (_gate)
                    {
                        _cutForSilence = transport;
                    }

                    transport.Abort();
                }
                else if (silence >= keepAlive / 2)
                {
                    _ = PingAsync(client, keepAlive / 2);
                }
            }
        }
        catch (OperationCanceledException)
        {
        }
    }

    private async Task PingAsync(IMqttClient client, TimeSpan timeout)
    {
        try
        {
            using var cts = new CancellationTokenSource(timeout);
            await client.PingAsync(cts.Token).ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            // The watchdog decides; a failed ping only means the answer did not come.
            _log.LogDebug("Keepalive ping failed: {Reason}", Describe(ex));
        }
    }

    private static TimeSpan Next(TimeSpan delay) => delay * 2 < MaxBackoff ? delay * 2 : MaxBackoff;

    /// <summary>The MQTT 3.1.1 CONNACK return code a refusal stands for (MQTTnet names them in MQTT 5 terms); 0: none.</summary>
    private static int Refusal(MqttClientConnectResultCode? code) => code switch
    {
        null or MqttClientConnectResultCode.Success => 0,
        MqttClientConnectResultCode.UnsupportedProtocolVersion => 1,
        MqttClientConnectResultCode.ClientIdentifierNotValid => 2,
        MqttClientConnectResultCode.ServerUnavailable => 3,
        MqttClientConnectResultCode.BadUserNameOrPassword => 4,
        _ => 5,
    };

    private static T? Find<T>(Exception? ex)
        where T : Exception
    {
        for (; ex is not null; ex = ex.InnerException)
        {
            if (ex is T found)
            {
                return found;
            }
        }

        return null;
    }

    private static string Describe(Exception ex) => Find<TransportException>(ex)?.Message ?? ex switch
    {
        BrokerRefusedException r => r.Message,
        MqttConnectingFailedException c => c.Message,
        OperationCanceledException => "timed out",
        _ when ex.InnerException is not null && ex.InnerException is not OperationCanceledException => ex.InnerException.Message,
        _ => ex.Message,
    };
}

/// <summary>Where a link is: ESP-AT uses Idle..Dropped; Opening and Opened are Quectel's AT+QMTOPEN before any CONNECT.</summary>
public enum LinkPhase
{
    /// <summary>No connection attempted since the last configuration.</summary>
    Idle,

    /// <summary>The network connection is being opened ahead of CONNECT.</summary>
    Opening,

    /// <summary>The network connection is open; no CONNECT yet.</summary>
    Opened,
    Connecting,
    Connected,

    /// <summary>An established connection dropped; reconnect=1 is retrying.</summary>
    Reconnecting,

    /// <summary>A connection attempt failed; CONN may be tried again.</summary>
    Failed,

    /// <summary>An established connection dropped with reconnect=0: CLEAN and configure again.</summary>
    Dropped,
}

/// <summary>Why <see cref="MqttLink.OpenAsync"/> failed.</summary>
public enum OpenFailure
{
    /// <summary>The connection could not be made (refused, unreachable, TLS handshake failed, timed out).</summary>
    Network,

    /// <summary>The host name did not resolve.</summary>
    HostNotFound,

    /// <summary>The TCP connection was made, but the TLS handshake failed (the server's certificate refused, or ours).</summary>
    Tls,
}

/// <summary>CONNACK with a failure code.</summary>
internal sealed class BrokerRefusedException(MqttClientConnectResultCode code) : Exception($"broker refused the connection: {LogText.Words(code)}")
{
    public MqttClientConnectResultCode Code { get; } = code;
}
