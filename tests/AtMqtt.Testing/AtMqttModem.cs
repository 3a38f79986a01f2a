using System.IO.Ports;
using System.Net;
using System.Net.Sockets;
using System.Runtime.CompilerServices;
using System.Text.RegularExpressions;

namespace AtMqtt.Testing;

/// <summary>How <see cref="AtMqttModem.StartAsync"/> starts the program.</summary>
public sealed record AtMqttModemOptions
{
    /// <summary>
    /// The program: a native executable, the .NET tool's command or an <c>atmqtt.dll</c>. Unset: <c>$ATMQTT</c>, then
    /// <c>atmqtt</c> on PATH (and the AtMqtt suite's own build, <c>$ATMQTT_PROGRAM</c>; docs/testing.md).
    /// </summary>
    public string? ProgramPath { get; init; }

    /// <summary>
    /// A path for <c>--pty</c>: the modem makes a pseudo-terminal and links it there, and the host opens it as a
    /// serial port. Unset: <c>--tcp 127.0.0.1:0</c>, a free loopback port.
    /// </summary>
    public string? PtyPath { get; init; }

    /// <summary>A broker of the test's: no embedded broker then, and the harness's MQTT clients use this one.</summary>
    public BrokerEndpoint? Broker { get; init; }

    /// <summary><c>--embedded-broker 0</c> (a free port) unless <see cref="Broker"/> is given. Default true.</summary>
    public bool EmbeddedBroker { get; init; } = true;

    /// <summary><c>--dialect</c>: <c>seed</c> or <c>esp-at</c>; the program's default when unset.</summary>
    public string? Dialect { get; init; }

    /// <summary><c>--profile</c>: the module and firmware release (<c>esp-at-2.2</c>...); the program's default when unset.</summary>
    public string? Profile { get; init; }

    /// <summary><c>--quirk</c>, one each: real modules' misbehaviour to test the host against (<c>split-subrecv=512</c>...).</summary>
    public IReadOnlyList<string> Quirks { get; init; } = [];

    /// <summary>More options for the program (<c>--strict</c>, <c>--baud 115200</c>, <c>--wifi SSID:PASSWORD</c>...), one argument each.</summary>
    public IReadOnlyList<string> Arguments { get; init; } = [];

    /// <summary>Environment variables for the program (<c>ATMQTT_PSK</c>...); a null value removes one.</summary>
    public IReadOnlyDictionary<string, string?>? Environment { get; init; }

    /// <summary>How long the program may take to start. Default 30 s: a runtime's start on a starved CI machine is slow.</summary>
    public TimeSpan StartTimeout { get; init; } = TimeSpan.FromSeconds(30);
}

/// <summary>
/// The atmqtt program in a child process, under test: <c>atmqtt --tcp 127.0.0.1:0</c> (or <c>--pty PATH</c>)
/// <c>--control 127.0.0.1:0 --embedded-broker 0</c>, every port picked free by the program itself. The control
/// address comes from its log, everything else from <c>GET /api/info</c>. Disposing it stops the program.
/// </summary>
/// <example>
/// <code>
/// await using var modem = await AtMqttModem.StartAsync();
/// await using var client = await AtMqttClient.OpenAsync(modem.HostAddress);   // the code under test
/// await using (await modem.FaultAsync("wifi-drop", seconds: 2)) { ... }
/// </code>
/// </example>
public sealed partial class AtMqttModem : IAtMqttModem
{
    /// <summary>How long waits last unless told: generous, for a loaded two-core CI machine.</summary>
    public static readonly TimeSpan DefaultTimeout = TimeSpan.FromSeconds(15);

    private readonly AtMqttModemOptions _options;
    private readonly EventHistory _history = new();
    private readonly ControlEventStream _events;
    private readonly Task _pump;
    private readonly BrokerClients _clients;
    private int _disposed;

    private AtMqttModem(ModemProcess process, AtMqttControlClient control, AtMqttInfo info, ControlEventStream events, AtMqttModemOptions options)
    {
        Process = process;
        Control = control;
        Info = info;
        _events = events;
        _options = options;
        _clients = new BrokerClients(ResolveBrokerAsync);
        _pump = Task.Run(PumpAsync);
    }

    /// <summary>The program's process: its id, its stderr (the log), its exit code.</summary>
    public ModemProcess Process { get; }

    /// <summary>The control API, for what this class does not wrap (raw requests, several event streams).</summary>
    public AtMqttControlClient Control { get; }

    /// <summary>What <c>GET /api/info</c> said at start: the channel, the embedded broker, the version.</summary>
    public AtMqttInfo Info { get; }

    /// <summary>Where the host connects on <c>--tcp</c> (null on a pty).</summary>
    public IPEndPoint? TcpEndPoint => Info.Channel.Kind == "tcp" && Info.Channel.Address is { } address ? IPEndPoint.Parse(address) : null;

    /// <summary>The pseudo-terminal's link on <c>--pty</c>, absolute (null on TCP).</summary>
    public string? PtyPath => Info.Channel.Kind == "pty" ? Info.Channel.Path : null;

    /// <summary>
    /// The host line as <c>AtMqttClient.OpenAsync</c> takes it: <c>tcp://127.0.0.1:PORT</c>, or
    /// <c>serial:/path/to/pty@115200</c> on a pty.
    /// </summary>
    public string HostAddress => PtyPath is { } path
        ? $"serial:{path}@115200"
        : $"tcp://{TcpEndPoint}";

    /// <inheritdoc/>
    public BrokerEndpoint? Broker => _options.Broker ?? Info.EmbeddedBroker;

    /// <inheritdoc/>
    public IReadOnlyList<AtMqttEvent> History => _history.All;

    /// <inheritdoc/>
    public IReadOnlyList<AtMqttEvent> Transcript => _history.Lines;

    /// <inheritdoc/>
    public string TranscriptText => _history.TranscriptText;

    /// <summary>Starts the program (<paramref name="options"/>, or the defaults) and waits until its host line and control API are up.</summary>
    public static async Task<AtMqttModem> StartAsync(AtMqttModemOptions? options = null, CancellationToken cancellationToken = default)
    {
        options ??= new AtMqttModemOptions();
        var program = options.ProgramPath ?? ModemProcess.FindModemProgram();
        var args = new List<string>();
        string ready;
        if (options.PtyPath is { } pty)
        {
            args.AddRange(["--pty", pty]);
            ready = "waiting for a host to open it";
        }
        else
        {
            args.AddRange(["--tcp", "127.0.0.1:0"]);
            ready = "Listening for a host on";
        }

        args.AddRange(["--control", "127.0.0.1:0"]);
        if (options.Broker is null && options.EmbeddedBroker)
        {
            args.AddRange(["--embedded-broker", "0"]);
        }

        if (options.Dialect is { } dialect)
        {
            args.AddRange(["--dialect", dialect]);
        }

        if (options.Profile is { } profile)
        {
            args.AddRange(["--profile", profile]);
        }

        foreach (string quirk in options.Quirks)
        {
            args.AddRange(["--quirk", quirk]);
        }

        args.AddRange(options.Arguments);

        var process = await ModemProcess.StartAsync(args, options.Environment, program).ConfigureAwait(false);
        AtMqttControlClient? control = null;
        ControlEventStream? events = null;
        try
        {
            string stderr = await process.WaitForStdErrAsync(ready, options.StartTimeout).ConfigureAwait(false);
            var match = ControlAddress().Match(stderr);
            if (!match.Success)
            {
                throw new InvalidOperationException(
                    $"atmqtt ({process.ProgramPath}) did not log its control address (\"Control API on http://...\"; a --log-level above information hides it). Stderr:\n{stderr}");
            }

            control = new AtMqttControlClient(new Uri(match.Groups[1].Value));
            var info = await control.InfoAsync(cancellationToken).ConfigureAwait(false);
            events = await control.OpenEventsAsync(cancellationToken).ConfigureAwait(false);
            return new AtMqttModem(process, control, info, events, options);
        }
        catch
        {
            if (events is not null)
            {
                await events.DisposeAsync().ConfigureAwait(false);
            }

            control?.Dispose();
            await process.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

#if ATMQTT_CORE
    /// <summary>
    /// Starts the modem engine in the test process (no program, no sockets on the host side), with MQTTnet's
    /// broker in process unless <see cref="InProcessAtMqttModemOptions.Broker"/> is given. net10.0 only.
    /// </summary>
    public static Task<InProcessAtMqttModem> StartInProcessAsync(InProcessAtMqttModemOptions? options = null) =>
        InProcessAtMqttModem.StartAsync(options);
#endif

    /// <inheritdoc/>
    public async Task<Stream> OpenHostStreamAsync(CancellationToken cancellationToken = default)
    {
        _history.MarkAction();
        if (PtyPath is { } path)
        {
            var port = new SerialPort(path, 115200, Parity.None, 8, StopBits.One) { Handshake = Handshake.None };
            try
            {
                port.Open();

                // Disposing the stream closes the device; the SerialPort object holds nothing else.
                return port.BaseStream;
            }
            catch
            {
                port.Dispose();
                throw;
            }
        }

        var endPoint = TcpEndPoint ?? throw new InvalidOperationException($"the program's channel is {Info.Channel.Kind}, not tcp or pty");
        var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        try
        {
            await socket.ConnectAsync(endPoint, cancellationToken).ConfigureAwait(false);
            return new NetworkStream(socket, ownsSocket: true);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    /// <inheritdoc/>
    public Task<AtMqttState> StateAsync(CancellationToken cancellationToken = default) => Control.StateAsync(cancellationToken);

    /// <inheritdoc/>
    public async Task<AtMqttFault> FaultAsync(FaultRequest fault, CancellationToken cancellationToken = default)
    {
        _history.MarkAction();
        var info = await Control.StartFaultAsync(fault, cancellationToken).ConfigureAwait(false);
        return new AtMqttFault(info, (id, ct) =>
        {
            _history.MarkAction();
            return Control.EndFaultAsync(id, ct);
        });
    }

    /// <inheritdoc/>
    public Task<int> ClearFaultsAsync(CancellationToken cancellationToken = default)
    {
        _history.MarkAction();
        return Control.EndAllFaultsAsync(cancellationToken);
    }

    /// <inheritdoc/>
    public Task ResetAsync(CancellationToken cancellationToken = default)
    {
        _history.MarkAction();
        return Control.ResetAsync(cancellationToken);
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
        _history.WaitForAsync(predicate, timeout ?? DefaultTimeout, description ?? "matching the predicate", after, cancellationToken);

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

    /// <summary>
    /// Stops the program as a service manager does (SIGTERM) and returns its exit code (with <c>--strict=fail</c>,
    /// 3 when the host made a mistake; the summary is in <see cref="ModemProcess.StdErr"/>).
    /// </summary>
    public async Task<int> StopAsync(TimeSpan? timeout = null)
    {
        if (!Process.HasExited)
        {
            try
            {
                Signals.Send(Process.Pid, Signals.Term);
            }
            catch (InvalidOperationException)
            {
                // Exited meanwhile.
            }
        }

        return await Process.WaitForExitAsync(timeout ?? DefaultTimeout).ConfigureAwait(false);
    }

    /// <summary>Stops the program (SIGTERM, so that a pty link is removed; SIGKILL if it does not stop) and the harness's clients.</summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        await _clients.DisposeAsync().ConfigureAwait(false);
        try
        {
            await StopAsync().ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            // Killed below.
        }

        await Process.DisposeAsync().ConfigureAwait(false);
        await _events.DisposeAsync().ConfigureAwait(false);
        await _pump.ConfigureAwait(false);
        Control.Dispose();
    }

    /// <summary>Moves the event stream into the history; when it ends (the program exited), waits end too.</summary>
    private async Task PumpAsync()
    {
        string why = "the event stream ended";
        try
        {
            await foreach (var e in _events.Events.ReadAllAsync().ConfigureAwait(false))
            {
                _history.Add(e);
            }
        }
        catch (Exception ex)
        {
            why = $"the event stream failed: {ex.Message}";
        }

        if (Process.HasExited)
        {
            why = $"the program exited (code {Process.ExitCode}). Stderr:\n{Process.StdErr}";
        }

        _history.End(why);
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
                "The modem has no broker yet: start it with the embedded broker or AtMqttModemOptions.Broker, or let the host connect its link (AT+MQTTCONN) first.");
    }

    [GeneratedRegex(@"Control API on (http://\S+)")]
    private static partial Regex ControlAddress();
}
