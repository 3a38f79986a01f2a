using System.Runtime.CompilerServices;
using AtMqtt.Cli.Transcript;
using AtMqtt.Core;
using AtMqtt.Core.Dialects;
using AtMqtt.Core.Instrument;

namespace AtMqtt.Testing;

/// <summary>How <see cref="AtMqttModem.StartInProcessAsync"/> makes the in-process modem.</summary>
public sealed record InProcessAtMqttModemOptions
{
    /// <summary>The engine's options (dialect, receive queue, Wi-Fi, credentials, <c>Strict</c>...). Unset: the defaults, with a 5 s data timeout.</summary>
    public ModemOptions? Modem { get; init; }

    /// <summary><c>seed</c> or <c>esp-at</c>: a shorthand for <see cref="ModemOptions.Dialect"/> when <see cref="Modem"/> is unset.</summary>
    public string? Dialect { get; init; }

    /// <summary>
    /// <c>--quirk</c> values (<c>split-subrecv=512</c>, <c>urc-in-prompt</c>...; docs/quirks.md): a shorthand for
    /// <see cref="ModemOptions.Quirks"/> when <see cref="Modem"/> is unset. A bad one throws <see cref="ArgumentException"/>.
    /// </summary>
    public IReadOnlyList<string> Quirks { get; init; } = [];

    /// <summary>A broker of the test's: none is started then, and the harness's MQTT clients use this one.</summary>
    public BrokerEndpoint? Broker { get; init; }

    /// <summary>MQTTnet's broker in process on a free loopback port (as the program's <c>--embedded-broker 0</c>) unless <see cref="Broker"/> is given. Default true.</summary>
    public bool EmbeddedBroker { get; init; } = true;
}

/// <summary>
/// The modem engine (<see cref="AtMqtt.Core.Modem"/>) in the test process, with the controls of
/// <see cref="IAtMqttModem"/> applied to it directly: <see cref="Modem.Snapshot"/>, its fault set, its event hub,
/// its reset pin. No program and no sockets on the host side (the host talks over in-memory pipes), so it starts
/// in milliseconds; the MQTT side is real (MQTTnet, a real broker). Line events are cut and redacted as the
/// program's are. net10.0 only (the engine targets .NET 10).
/// </summary>
public sealed class InProcessAtMqttModem : IAtMqttModem
{
    private readonly InMemoryModem _modem;
    private readonly InProcessBroker? _broker;
    private readonly BrokerEndpoint? _givenBroker;
    private readonly EventHistory _history = new();
    private readonly CancellationTokenSource _stop = new();
    private readonly LineTap _lines;
    private readonly Task _pump;
    private readonly BrokerClients _clients;
    private int _disposed;

    private InProcessAtMqttModem(InMemoryModem modem, InProcessBroker? broker, BrokerEndpoint? givenBroker)
    {
        _modem = modem;
        _broker = broker;
        _givenBroker = givenBroker;

        // Watching from the start, so that the history misses nothing and line events are built from the first byte.
        var events = modem.Modem.Events.Watch(_stop.Token);
        _pump = Task.Run(() => PumpAsync(events));
        _lines = new LineTap(modem.Modem.Events);
        modem.Tap = _lines;
        _clients = new BrokerClients(ResolveBrokerAsync);
    }

    /// <summary>The engine itself, for what the interface does not cover (<c>Modem.Faults</c>, <c>Modem.Counters</c>...).</summary>
    public Modem Modem => _modem.Modem;

    /// <summary>The in-process broker (null when a broker was given).</summary>
    public InProcessBroker? EmbeddedBroker => _broker;

    /// <inheritdoc/>
    public BrokerEndpoint? Broker => _givenBroker ?? (_broker is null ? null : new BrokerEndpoint(FreePort.Host, _broker.Port));

    /// <inheritdoc/>
    public IReadOnlyList<AtMqttEvent> History => _history.All;

    /// <inheritdoc/>
    public IReadOnlyList<AtMqttEvent> Transcript => _history.Lines;

    /// <inheritdoc/>
    public string TranscriptText => _history.TranscriptText;

    internal static async Task<InProcessAtMqttModem> StartAsync(InProcessAtMqttModemOptions? options)
    {
        options ??= new InProcessAtMqttModemOptions();
        var modemOptions = options.Modem ?? new ModemOptions
        {
            Dialect = options.Dialect is { } name
                ? Dialect.FromName(name) ?? throw new ArgumentException($"unknown dialect '{name}'; seed or esp-at", nameof(options))
                : Dialect.Seed,
            Quirks = AtMqtt.Core.Profiles.Quirks.Parse(options.Quirks, AtMqtt.Core.Profiles.Quirks.None, out string? quirkError)
                ?? throw new ArgumentException(quirkError, nameof(options)),
            DataTimeout = TimeSpan.FromSeconds(5),
        };
        InProcessBroker? broker = options.Broker is null && options.EmbeddedBroker ? await InProcessBroker.StartAsync().ConfigureAwait(false) : null;
        var modem = new InProcessAtMqttModem(InMemoryModem.CreateDetached(modemOptions), broker, options.Broker);

        // Configured secrets are hidden wherever they turn up, as the program hides its --wifi password and --psk key.
        if (modemOptions.Wifi is { Password: { Length: > 0 } wifiPassword })
        {
            modem._lines.AddSecret(wifiPassword);
        }

        if (modemOptions.Credentials.Psk is { } psk)
        {
            modem._lines.AddSecret(Convert.ToHexString(psk.Key));
            modem._lines.AddSecret(Convert.ToHexStringLower(psk.Key));
        }

        return modem;
    }

    /// <inheritdoc/>
    public async Task<Stream> OpenHostStreamAsync(CancellationToken cancellationToken = default)
    {
        _history.MarkAction();

        // One host at a time, as on a UART: a new one replaces the one attached.
        if (!_modem.Run.IsCompleted)
        {
            await _modem.DetachAsync().ConfigureAwait(false);
        }

        return _modem.AttachStream();
    }

    /// <inheritdoc/>
    public Task<AtMqttState> StateAsync(CancellationToken cancellationToken = default) => Task.FromResult(ToState(Modem.Snapshot()));

    /// <inheritdoc/>
    public Task<AtMqttFault> FaultAsync(FaultRequest fault, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(fault);
        _history.MarkAction();
        ActiveFault active;
        try
        {
            active = Modem.Faults.Start(new FaultSpec
            {
                Kind = fault.Kind,
                Seconds = fault.Seconds,
                Ms = fault.Ms,
                Packet = fault.Packet,
                Count = fault.Count,
                Command = fault.Command,
                Code = fault.Code,
                DropRate = fault.DropRate,
                FlipRate = fault.FlipRate,
                Direction = fault.Direction,
                Seed = fault.Seed,
                Baud = fault.Baud,
            });
        }
        catch (FaultSpecException ex)
        {
            throw new AtMqttFaultException($"{fault.Kind}: {ex.Message}");
        }

        // A slow-host-link has no effect here: pacing belongs to the program's channel, and pipes have no rate.
        return Task.FromResult(new AtMqttFault(ToInfo(active), (id, _) =>
        {
            _history.MarkAction();
            return Task.FromResult(Modem.Faults.End(id));
        }));
    }

    /// <inheritdoc/>
    public Task<int> ClearFaultsAsync(CancellationToken cancellationToken = default)
    {
        _history.MarkAction();
        return Task.FromResult(Modem.Faults.EndAll());
    }

    /// <inheritdoc/>
    public async Task ResetAsync(CancellationToken cancellationToken = default)
    {
        _history.MarkAction();
        await Modem.ResetPinAsync().ConfigureAwait(false);
    }

    /// <inheritdoc/>
    public IAsyncEnumerable<AtMqttEvent> Events(CancellationToken cancellationToken = default) => _history.FromNow(cancellationToken);

    /// <inheritdoc/>
    public Task<AtMqttEvent> WaitForAsync(
        Func<AtMqttEvent, bool> predicate,
        TimeSpan? timeout = null,
        long? after = null,
        [CallerArgumentExpression(nameof(predicate))] string? description = null,
        CancellationToken cancellationToken = default) =>
        _history.WaitForAsync(predicate, timeout ?? AtMqttModem.DefaultTimeout, description ?? "matching the predicate", after, cancellationToken);

    /// <inheritdoc/>
    public Task PublishToDeviceAsync(string topic, ReadOnlyMemory<byte> payload, int qos = 0, bool retain = false, CancellationToken cancellationToken = default)
    {
        _history.MarkAction();
        return _clients.PublishAsync(topic, payload, qos, retain, cancellationToken);
    }

    /// <inheritdoc/>
    public Task PublishToDeviceAsync(string topic, string payload, int qos = 0, bool retain = false, CancellationToken cancellationToken = default)
    {
        _history.MarkAction();
        return _clients.PublishAsync(topic, payload, qos, retain, cancellationToken);
    }

    /// <inheritdoc/>
    public Task<MqttProbe> BrokerMessagesAsync(string topicFilter, int qos = 1, CancellationToken cancellationToken = default) =>
        _clients.SubscribeAsync(topicFilter, qos, cancellationToken);

    /// <summary>Stops the modem, then the broker (if it started one) and the harness's clients.</summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        await _clients.DisposeAsync().ConfigureAwait(false);
        await _modem.DisposeAsync().ConfigureAwait(false);
        _lines.Dispose();
        await _stop.CancelAsync().ConfigureAwait(false);
        await _pump.ConfigureAwait(false);
        _stop.Dispose();
        if (_broker is not null)
        {
            await _broker.DisposeAsync().ConfigureAwait(false);
        }
    }

    private async Task PumpAsync(System.Threading.Channels.ChannelReader<ModemEvent> events)
    {
        try
        {
            await foreach (var e in events.ReadAllAsync().ConfigureAwait(false))
            {
                _history.Add(new AtMqttEvent(e.Sequence, e.Time, e.Type, e.Direction, e.Text, e.Name, e.Value, e.Id));
            }
        }
        finally
        {
            _history.End("the modem was disposed");
        }
    }

    private async Task<BrokerEndpoint> ResolveBrokerAsync(CancellationToken cancellationToken)
    {
        if (Broker is { } broker)
        {
            return broker;
        }

        var link = (await StateAsync(cancellationToken).ConfigureAwait(false)).Link;
        return link is { Host: { } host, Port: { } port }
            ? new BrokerEndpoint(host, port)
            : throw new InvalidOperationException(
                "The modem has no broker yet: start it with the embedded broker or InProcessAtMqttModemOptions.Broker, or let the host connect its link (AT+MQTTCONN) first.");
    }

    private static AtMqttFaultInfo ToInfo(ActiveFault fault)
    {
        var spec = fault.Spec;
        return new AtMqttFaultInfo(
            fault.Id,
            new FaultRequest(spec.Kind ?? "")
            {
                Seconds = spec.Seconds,
                Ms = spec.Ms,
                Packet = spec.Packet,
                Count = spec.Count,
                Command = spec.Command,
                Code = spec.Code,
                DropRate = spec.DropRate,
                FlipRate = spec.FlipRate,
                Direction = spec.Direction,
                Seed = spec.Seed,
                Baud = spec.Baud,
            },
            fault.Started,
            fault.Ends);
    }

    private static AtMqttState ToState(ModemState s) => new(
        s.Dialect,
        s.Profile,
        s.Quirks,
        s.HostAttached,
        s.Echo,
        new AtMqttState.LinkInfo(s.Link.Phase, s.Link.Scheme, s.Link.Host, s.Link.Port, s.Link.Reconnect, s.Link.ClientId, s.Link.KeepAlive, s.Link.CleanSession),
        [.. s.Subscriptions.Select(x => new AtMqttState.SubscriptionInfo(x.Topic, x.Qos))],
        new AtMqttState.InboundInfo(s.Inbound.Qos0Waiting, s.Inbound.Qos0Bound, s.Inbound.Qos0Dropped, s.Inbound.Unacknowledged),
        new AtMqttState.WifiInfo(s.Wifi.Joined, s.Wifi.Ssid),
        s.UartBaud,
        new AtMqttState.CounterInfo(s.Counters.Commands, s.Counters.Errors, [.. s.Counters.PublishedByQos], [.. s.Counters.ReceivedByQos], s.Counters.Reconnects),
        [.. s.Faults.Select(ToInfo)],
        [.. s.Findings.Select(f => new AtMqttState.FindingInfo(f.Code, f.Message, f.Line, f.Time))],
        s.Scenario is { } scenario
            ? new AtMqttState.ScenarioInfo(scenario.Name, scenario.Status, [.. scenario.Steps.Select(x => new AtMqttState.ScenarioStepInfo(x.Index, x.Description, x.Status, x.At, x.Detail))])
            : null);

    /// <summary>
    /// The line events: the program's own transcript code (a <see cref="TrafficRecorder"/>, redacting as
    /// <c>--transcript</c> does) publishing each line on the modem's event hub, as the program's control API does.
    /// </summary>
    private sealed class LineTap(EventHub hub) : IByteObserver, IDisposable
    {
        private readonly TrafficRecorder _recorder = new([new Sink(hub)]);

        public void AddSecret(string secret) => _recorder.AddSecret(secret);

        public void Record(Direction direction, ReadOnlySpan<byte> bytes) => _recorder.Record(direction, bytes);

        public void Dispose() => _recorder.Dispose();

        private sealed class Sink(EventHub hub) : ITrafficSink
        {
            public void Write(in TrafficRecord record)
            {
                if (record.Direction is { } direction)
                {
                    hub.Publish(new ModemEvent
                    {
                        Type = EventTypes.Line,
                        Direction = direction == Direction.HostToModem ? AtMqttEvent.ToModem : AtMqttEvent.ToHost,
                        Text = record.Text,
                    });
                }
            }

            public void Dispose()
            {
            }
        }
    }
}
