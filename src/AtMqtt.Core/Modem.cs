using System.Buffers;
using System.IO.Pipelines;
using AtMqtt.Core.Commands;
using AtMqtt.Core.Dialects;
using AtMqtt.Core.Framing;
using AtMqtt.Core.Instrument;
using AtMqtt.Core.Logging;
using AtMqtt.Core.Mqtt;
using AtMqtt.Core.Mqtt.Transport;
using AtMqtt.Core.Output;
using AtMqtt.Core.Parsing;
using AtMqtt.Core.Profiles;
using Microsoft.Extensions.Logging;

namespace AtMqtt.Core;

/// <summary>
/// One software module: framer, parser, command table, MQTT link and the single output writer. It
/// knows nothing about where its bytes come from: a host is any <see cref="IDuplexPipe"/>, one at a
/// time, and the modem's state outlives a host that goes away, as a powered module's would.
/// </summary>
public sealed partial class Modem : IAsyncDisposable
{
    private static ReadOnlySpan<byte> BusyLine => "busy p...\r\n"u8;

    private readonly LineFramer _framer;

    // Responses of commands that completed at once, written together when the input buffer is done
    // (or before anything that must reach the host first): one write for a burst of lines.
    // Grown on first use (an idle modem of a fleet holds no buffer it has not needed yet).
    private readonly ArrayBufferWriter<byte> _batch = new();
    private readonly ParamList _params = new();
    private readonly byte[] _scratch;
    private byte[]? _busy;
    private readonly CancellationTokenSource _lifetime = new();
    private readonly Task _urcPump;
    private readonly ILogger _log;

    // One per kind of log line a host can cause with every line it sends: a flood of lines must
    // not become a flood of log lines (LogThrottle).
    private readonly List<LogThrottle> _throttles = [];
    private readonly LogThrottle _longLineLog;
    private readonly LogThrottle _dataAbandonedLog;
    private readonly LogThrottle _dataTimeoutLog;
    private readonly LogThrottle _failureLog;
    private readonly LogThrottle _restartLog;
    private readonly LogThrottle _noticeLog;

    /// <summary>urc-in-prompt: how long a prompt waits at most for the URCs waiting when its OK went out.</summary>
    private static readonly TimeSpan PromptUrcWait = TimeSpan.FromSeconds(10);

    private Task? _pending;

    // Made on first use: most profiles' families keep nothing.
    private System.Collections.Concurrent.ConcurrentDictionary<Type, object>? _familyState;

    // Acknowledgements of messages a host-pull command handed over: sent once its response is written.
    private readonly List<InboundAck> _afterResponse = [];
    private TaskCompletionSource? _responseWritten; // guarded by _afterResponse
    private string? _pendingName;

    // Set once a pending command is writing its final result: the host may already have read it
    // and sent its next line, which must then wait for the write, not get "busy p...".
    private volatile bool _finishing;

    // Lines being answered "busy p..." while the pending command was not yet finishing: its final
    // result waits for those answers, so the host sees them in the order its lines came.
    private int _busyAnswers;
    private DataPhase? _data;
    private PipeReader? _input;
    private int _hostAttached;

    public Modem(ModemOptions options)
    {
        Options = options;
        var profile = options.Profile ?? Profile.ForDialect(options.Dialect);
        Quirks = Quirks.Merge(profile.DefaultQuirks, options.Quirks);
        Profile = profile;

        // The profile's command line limit (docs/profiles.md): ESP-AT's 256 bytes, a cellular module's own.
        _framer = new LineFramer(profile.MaxLineBytes);
        _scratch = new byte[profile.MaxLineBytes];
        ReadyLine = System.Text.Encoding.ASCII.GetBytes(profile.Boot);
        Network = new AtMqtt.Core.Device.CellularNetwork(profile.Cellular ?? AtMqtt.Core.Device.CellularModule.None);
        Commands = Quirks.NoMqtt ? profile.Commands.Without(c => c.Name.StartsWith("AT+MQTT", StringComparison.Ordinal)) : profile.Commands;
        Counters = new CounterSet(Commands.All.Count);
        _log = options.LoggerFactory.CreateLogger("AtMqtt.Modem");
        _longLineLog = Throttle(LogLevel.Warning, $"Line longer than {profile.MaxLineBytes} bytes discarded");
        _dataAbandonedLog = Throttle(LogLevel.Warning, "Host left during a data phase");
        _dataTimeoutLog = Throttle(LogLevel.Warning, "Data phase timed out");
        _failureLog = Throttle(LogLevel.Error, "Failed unexpectedly", burst: 3);
        _restartLog = Throttle(LogLevel.Information, "Restarted", burst: 5);
        UserConfigLog = Throttle(LogLevel.Information, "User config", burst: 5);
        LongCredentialLog = Throttle(LogLevel.Information, "Long credential set", burst: 5);
        NoWifiLog = Throttle(LogLevel.Warning, "AT+MQTTCONN failed: no Wi-Fi connection");
        FlashLog = Throttle(LogLevel.Information, "Flash changes", burst: 5);
        _noticeLog = Throttle(LogLevel.Information, "Notices on the log", burst: 5);
        Events = new EventHub(options.TimeProvider);
        Faults = new FaultSet(options.TimeProvider, Events);
        Checks = HostCheckHooks.Create(options, Events);
        Output = new OutputWriter { Counters = Counters };
        Response = new Response(() => SysLog) { Counters = Counters };
        Urcs = new UrcQueue(Output, options.RxQueue, options.LoggerFactory.CreateLogger("AtMqtt.Urc"), options.TimeProvider);
        var linkLog = options.LoggerFactory.CreateLogger("AtMqtt.Link");
        var certificates = new CertificateSource(Device.Flash, options.Credentials, linkLog);
        Certificates = certificates;
        ResultDelay = options.ResultDelay ?? profile.ResultDelay;
        var links = new MqttLink[Math.Max(1, profile.Clients)];
        for (int i = 0; i < links.Length; i++)
        {
            // Link 0's lines are the queue's default scope, as before there were several links.
            links[i] = new MqttLink(i, profile.Reporter(i), i == 0 ? Urcs.Default : new UrcScope(), profile.Dialect, Urcs, options.MaxSubscriptions, options.MaxMessageBytes, certificates, linkLog, options.TimeProvider)
            {
                Faults = Faults,
                Quirks = Quirks,
            };
        }

        Links = links;

        // The MQTT clients hear the network through their family's reporter (docs/cellular.md), one link after the other.
        Network.Changed += change =>
        {
            foreach (var link in Links)
            {
                link.Reporter.NetworkChanged(this, link, change);
            }
        };
        _stateWatch = InstrumentLink();
        Output.Faults = Faults;
        Faults.Effects = new FaultEffects(this);
        Faults.ModemCommands = (profile.Name, [.. Commands.All.Select(c => c.Name)]);
        HostCheckHooks.Watch(this);
        _urcPump = Task.Run(() => Urcs.RunAsync(_lifetime.Token));
    }

    public ModemOptions Options { get; }

    /// <summary>The module and firmware release this modem is (<c>--profile</c>, or the one <c>--dialect</c> stands for).</summary>
    public Profile Profile { get; }

    /// <summary>The quirks in effect: the profile's own and those asked for.</summary>
    public Quirks Quirks { get; }

    /// <summary>The commands this modem answers: the profile's, less what a quirk takes away.</summary>
    public CommandTable Commands { get; }

    public Dialect Dialect => Profile.Dialect;

    /// <summary>Link 0: ESP-AT's one LinkID, the first client of a module that has several.</summary>
    public MqttLink Link => Links[0];

    /// <summary>The module's MQTT clients, by index (<see cref="Profile.Clients"/>); each with its own configuration, connection and queue lines.</summary>
    public IReadOnlyList<MqttLink> Links { get; }

    /// <summary>The timing model in effect: the profile's <see cref="Profile.ResultDelay"/> or <c>--result-delay</c>.</summary>
    public TimeSpan ResultDelay { get; }

    /// <summary>Ends when the modem is disposed (background work of commands, such as a result URC's delay).</summary>
    public CancellationToken Lifetime => _lifetime.Token;

    /// <summary>The simulated module around the link: Wi-Fi, SNTP, UART, system settings.</summary>
    public Device.DeviceState Device { get; } = new();

    /// <summary>The simulated SIM and mobile network of a cellular profile (unused on the Wi-Fi ones).</summary>
    public Device.CellularNetwork Network { get; }

    /// <summary>What the module writes when it starts: <c>ready</c>, or the cellular profile's boot lines.</summary>
    private byte[] ReadyLine { get; }

    public OutputWriter Output { get; }

    public UrcQueue Urcs { get; }

    /// <summary>The response of the command being executed (owned by that command until it completes).</summary>
    public Response Response { get; }

    public ILogger Log => _log;

    /// <summary>AT+MQTTUSERCFG's log line (a host may repeat the command at will).</summary>
    internal LogThrottle UserConfigLog { get; }

    /// <summary>The LONG commands' log line.</summary>
    internal LogThrottle LongCredentialLog { get; }

    /// <summary>AT+MQTTCONN refused for want of Wi-Fi (--require-wifi).</summary>
    internal LogThrottle NoWifiLog { get; }

    /// <summary>AT+SYSFLASH and AT+SYSMFG erasing and writing (what and how much, never the bytes).</summary>
    internal LogThrottle FlashLog { get; }

    /// <summary>What happens in this modem, for watchers outside the host's channel (control API, scenarios).</summary>
    public EventHub Events { get; }

    /// <summary>The faults a test has started on this modem.</summary>
    public FaultSet Faults { get; }

    /// <summary>The host's mistakes (<c>--strict</c>).</summary>
    public HostChecks Checks { get; }

    /// <summary>The line of the command being dispatched (valid until the next line is read).</summary>
    internal ReadOnlySpan<byte> CurrentLine => _framer.Line;

    /// <summary>ATE0/ATE1; on after start and after AT+RST.</summary>
    public bool Echo { get; set; } = true;

    /// <summary>AT+SYSLOG: ERR CODE lines before ERROR.</summary>
    public bool SysLog { get; set; }

    /// <summary>
    /// Serves one host until its input ends or <paramref name="cancellationToken"/> fires: writes
    /// <c>ready</c>, then reads and executes commands.
    /// </summary>
    public async Task RunAsync(IDuplexPipe host, CancellationToken cancellationToken = default)
    {
        if (Interlocked.Exchange(ref _hostAttached, 1) == 1)
        {
            throw new InvalidOperationException("A modem serves one host at a time.");
        }

        try
        {
            _framer.Reset();
            _input = host.Input;
            _seenResets = Volatile.Read(ref _resets);
            if (Checks.Enabled && host.Input.TryRead(out var early))
            {
                // What is there before "ready" is written was sent before it (the read resumes with it).
                HostCheckHooks.BeforeReady(Checks, early.Buffer);
                host.Input.AdvanceTo(early.Buffer.Start);
            }

            await Output.AttachAsync(host.Output, ReadyLine).ConfigureAwait(false);
            HostChanged(attached: true);
            await ReadLoopAsync(host.Input, cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
        }
        finally
        {
            if (_data is { } abandoned)
            {
                // The host left in the middle of a data phase: its partial data is discarded.
                _data = null;
                abandoned.Dispose();
                if (_dataAbandonedLog.ShouldLog())
                {
                    _log.LogWarning("Host left during a data phase: {Received} of {Length} bytes discarded", abandoned.Received, abandoned.Length);
                }

                await Output.WriteAsync(ReadOnlyMemory<byte>.Empty, ResponseEffect.Close).ConfigureAwait(false);
                ReleaseAfterResponse(written: false);
            }

            _input = null;
            await Output.DetachAsync(host.Output).ConfigureAwait(false);
            Volatile.Write(ref _hostAttached, 0);
            HostChanged(attached: false);
            Volatile.Read(ref _resetSeen)?.TrySetResult();
        }
    }

    private async Task ReadLoopAsync(PipeReader input, CancellationToken cancellationToken)
    {
        long carried = 0;
        while (true)
        {
            var result = await input.ReadAsync(cancellationToken).ConfigureAwait(false);
            var buffer = result.Buffer;
            var received = buffer;

            // Bytes left unconsumed by the last pass come again: only what is new is counted.
            Counters.HostReceived(received.Length - carried);
            bool noisy = Faults.Any && Faults.Noise(toHost: false) is not null;
            if (noisy)
            {
                // uart-noise: the engine reads the bytes as the noise left them (a copy); the framer
                // and the data phase take all they are given, so the pipe is advanced past them all.
                var copy = buffer.ToArray();
                buffer = new ReadOnlySequence<byte>(copy, 0, Faults.Noise(toHost: false)?.Apply(copy, copy) ?? copy.Length);
            }
            if (_seenResets != Volatile.Read(ref _resets))
            {
                // The reset pin was pulled (ResetPinAsync): what this loop was in the middle of is gone,
                // and so are the bytes that came before it noticed, as on a module.
                AfterResetPin();
                buffer = buffer.Slice(buffer.End);
            }
            else if (result.IsCanceled && _data is { TimedOut: true } timedOut)
            {
                // Bytes that arrived with the cancellation are activity: the deadline starts again.
                if (buffer.IsEmpty)
                {
                    await FailDataPhaseAsync(timedOut).ConfigureAwait(false);
                }
                else
                {
                    timedOut.Rearm();
                }
            }

            while (!buffer.IsEmpty)
            {
                if (_data is { } data)
                {
                    _framer.SkipPendingLf(ref buffer);
                    if (data.Take(ref buffer))
                    {
                        _data = null;
                        await CompleteDataPhaseAsync(data).ConfigureAwait(false);
                    }

                    continue;
                }

                var kind = _framer.Next(ref buffer);
                if (kind == FrameKind.NeedMore)
                {
                    break;
                }

                if (kind == FrameKind.Overflow)
                {
                    await OverflowAsync().ConfigureAwait(false);
                }
                else
                {
                    var dataBefore = _data;
                    await LineAsync().ConfigureAwait(false);
                    if (Checks.Enabled && _data is not null && _data != dataBefore)
                    {
                        _framer.SkipPendingLf(ref buffer);
                        HostCheckHooks.DataPhaseStarted(Checks, _data.Command, buffer, _framer.Line);
                    }
                }
            }

            // State events go out before the answers that follow the change: a test that has read the OK
            // finds the event already published.
            _stateWatch.Check(this);
            await FlushBatchAsync(ResponseEffect.Close).ConfigureAwait(false);
            if (noisy)
            {
                input.AdvanceTo(received.End);
                carried = 0;
            }
            else
            {
                input.AdvanceTo(buffer.Start, buffer.End);
                carried = buffer.Length;
            }

            if (result.IsCompleted)
            {
                return;
            }
        }
    }

    private bool IsBusy => _pending is { IsCompleted: false };

    /// <summary>
    /// True when a command runs and is not yet writing its final result: the line is answered
    /// <c>busy p...</c>, and <see cref="EndBusyAnswer"/> must follow its write.
    /// </summary>
    private bool TryBeginBusyAnswer()
    {
        if (!IsBusy)
        {
            return false;
        }

        // Paired with FinishAsync: it sets _finishing then reads the count; this counts then reads
        // _finishing (both with full fences), so one of the two always sees the other.
        Interlocked.Increment(ref _busyAnswers);
        if (!_finishing)
        {
            return true;
        }

        Interlocked.Decrement(ref _busyAnswers);
        return false;
    }

    private void EndBusyAnswer() => Interlocked.Decrement(ref _busyAnswers);

    /// <summary>
    /// True while a command runs. One that is already writing its final result is waited for: the
    /// host may have read it and sent its next line, which must not get "busy p...".
    /// </summary>
    private async ValueTask<bool> StillBusyAsync()
    {
        if (IsBusy && _finishing)
        {
            await _pending!.ConfigureAwait(false);
        }

        return IsBusy;
    }

    private void StartPending(ValueTask execution, string name)
    {
        _finishing = false;
        _pendingName = name;
        _pending = FinishAsync(execution, name, Output.HostGeneration);
    }

    /// <summary>A handler threw: logged, and the host gets ERROR instead of whatever was half written.</summary>
    private void Recover(Exception ex, string name)
    {
        if (_failureLog.ShouldLog())
        {
            _log.LogError(ex, "{Command} failed unexpectedly", name);
        }

        Response.Reset();
        Response.Error(ErrorCode.Mqtt(0));
    }

    private async ValueTask LineAsync()
    {
        var echo = Echo ? _framer.LineWithTerminator : ReadOnlyMemory<byte>.Empty;

        // busy-while-receiving: decided as the line is taken, before anything else hears of it.
        bool receiving = Quirks.BusyWhileReceiving && Output.UrcWriting;
        if (Checks.Enabled)
        {
            Checks.Saw(_framer.Line);
        }

        LineHook?.Invoke(_framer.Line);

        bool answering = TryBeginBusyAnswer();
        bool busy = answering || await StillBusyAsync().ConfigureAwait(false);
        if (busy || receiving || (Faults.Any && Faults.Find(FaultKinds.Busy) is not null))
        {
            // A busy fault's or a quirk's "busy p..." is no mistake of the host's.
            if (busy && Checks.Enabled)
            {
                HostCheckHooks.Busy(Checks, _pendingName, _framer.Line);
            }

            try
            {
                await BusyAsync(echo).ConfigureAwait(false);
            }
            finally
            {
                if (answering)
                {
                    EndBusyAnswer();
                }
            }

            return;
        }

        Response.Reset();
        var command = Resolve(out var kind, out var nameRange, out var paramRange, out uint error, out int commandIndex);
        Counters.Command(commandIndex);
        var handler = command?.For(kind);
        if (command is null || handler is null)
        {
            Response.Error(command is null ? error : ErrorCode.OperationTypeError);
            Batch(echo.Span, Response.Written.Span);
            return;
        }

        if (Faults.Any && Faults.FindError(command.Name) is { } injected && Faults.TryConsume(injected))
        {
            // An error fault: this command answers with the fault's code, and does nothing.
            Response.Error(injected.Code);
            Batch(echo.Span, Response.Written.Span);
            return;
        }

        if (command.Blocking)
        {
            Batch(echo.Span, default);
            await FlushBatchAsync(ResponseEffect.Open).ConfigureAwait(false);
            echo = ReadOnlyMemory<byte>.Empty;
        }

        var execution = Execute(command, handler, kind, paramRange);
        if (!execution.IsCompleted)
        {
            StartPending(execution, command.Name);
            return;
        }

        ObserveFault(execution, command.Name);
        if (Checks.Enabled)
        {
            HostCheckHooks.Completed(this, command, kind, Response.LastError, _framer.Line);
        }

        if (_data is not null)
        {
            // OK and '>' go out now; the response stays open through the data phase.
            int prompt = Response.Written.Span.LastIndexOf("\r\n>"u8);
            if (prompt > 0 && Faults.Any && Faults.Find(FaultKinds.UrcInPrompt) is { } urcInPrompt && Faults.TryConsume(urcInPrompt))
            {
                // urc-in-prompt: a URC between the OK and the '>', as ESP-AT writes one at times (its issue #539).
                Batch(echo.Span, Response.Written.Span[..prompt]);
                await FlushBatchAsync(ResponseEffect.Open).ConfigureAwait(false);
                await UrcInPrompt.WriteAsync(this).ConfigureAwait(false);
                await Output.WriteAsync(Response.Written[prompt..], ResponseEffect.Open).ConfigureAwait(false);
            }
            else if (prompt > 0 && Quirks.UrcInPrompt)
            {
                // urc-in-prompt (quirk): the OK goes out on its own, then the URCs waiting by then, then the '>'.
                Batch(echo.Span, Response.Written.Span[..prompt]);
                await FlushBatchAsync(ResponseEffect.Open).ConfigureAwait(false);
                await LetWaitingUrcsInAsync().ConfigureAwait(false);
                await Output.WriteAsync(Response.Written[prompt..], ResponseEffect.Open).ConfigureAwait(false);
            }
            else
            {
                Batch(echo.Span, Response.Written.Span);
                await FlushBatchAsync(ResponseEffect.Open).ConfigureAwait(false);
            }

            _data.Start(_input);
            return;
        }

        Batch(echo.Span, Response.Written.Span);
    }

    /// <summary>
    /// urc-in-prompt (quirk): the URCs waiting in the queue now go out, though the prompt's response is
    /// open (one write of the queue's); nothing is waited for when none waits. The wait ends when they
    /// went out, when the queue has nothing left to write (a line of a link since cleared is dropped, not
    /// written), or after <see cref="PromptUrcWait"/> (an acknowledgement the broker holds up).
    /// </summary>
    private async ValueTask LetWaitingUrcsInAsync()
    {
        if (Urcs.Pending == 0)
        {
            return;
        }

        using var limit = CancellationTokenSource.CreateLinkedTokenSource(_lifetime.Token);
        limit.CancelAfter(PromptUrcWait);
        try
        {
            var giveUp = Task.WhenAny(Urcs.WhenIdle(), Task.Delay(Timeout.Infinite, limit.Token));
            await Output.AdmitOneUrcAsync(giveUp).ConfigureAwait(false);
        }
        finally
        {
            // Ends the delay, so that nothing of this prompt outlives it.
            await limit.CancelAsync().ConfigureAwait(false);
        }
    }

    /// <summary>
    /// ESP-AT's prompt information (<c>ALREADY SUBSCRIBE</c>, <c>NO UNSUBSCRIBE</c>): a line of the
    /// response; with subscribe-log-only a line of the module's log UART only (the program's log), as
    /// the v2.1-era firmware of ESP-AT issue #453 printed it.
    /// </summary>
    internal void Notice(string line)
    {
        if (!Quirks.SubscribeLogOnly)
        {
            Response.Line(line);
            return;
        }

        if (_noticeLog.ShouldLog())
        {
            _log.LogInformation("{Notice} (on the log only: subscribe-log-only)", line);
        }
    }

    private void Batch(ReadOnlySpan<byte> echo, ReadOnlySpan<byte> response)
    {
        _batch.Write(echo);
        if (!response.IsEmpty && !response.StartsWith("\r\n"u8) && EndsInLoneCr(echo))
        {
            // An information line or ERR CODE right after the echo: see EndsInLoneCr. (Without a
            // response yet, a blocking command's echo, the output writer sees to what follows.)
            _batch.Write("\n"u8);
        }

        _batch.Write(response);
    }

    /// <summary>
    /// An echo that ends in a lone CR: a host that ends lines with CR, or a CR LF whose LF has not
    /// arrived yet (the framer drops it when it comes). What the modem writes next must still start
    /// on a line of its own, so it gets an LF first unless it begins with CR LF itself.
    /// </summary>
    private static bool EndsInLoneCr(ReadOnlySpan<byte> echo) => !echo.IsEmpty && echo[^1] == (byte)'\r';

    private async ValueTask FlushBatchAsync(ResponseEffect effect)
    {
        if (_batch.WrittenCount == 0 && effect != ResponseEffect.Open)
        {
            if (effect == ResponseEffect.Close)
            {
                ReleaseAfterResponse(written: true);
            }

            return;
        }

        bool written = await Output.WriteAsync(_batch.WrittenMemory, effect).ConfigureAwait(false);
        _batch.ResetWrittenCount();
        if (effect == ResponseEffect.Close)
        {
            ReleaseAfterResponse(written);
        }
    }

    /// <summary>
    /// Nothing lost in a host-pull mode (Quectel's AT+QMTRECV): the message's acknowledgement goes to the
    /// broker once the response that carries it has been written to the host, not before.
    /// </summary>
    internal void AcknowledgeAfterResponse(InboundAck ack)
    {
        lock (_afterResponse)
        {
            _afterResponse.Add(ack);
        }
    }

    /// <summary>
    /// Completes once the response of the command now running has been written (or dropped with its host). A
    /// result URC a handler starts waits for it, so that it never goes out before its own OK, even with no result
    /// delay (SPEC section 2): a response that completes at once is batched and written after the handler returns.
    /// Only for a handler to take: outside a command it would wait for the next one.
    /// </summary>
    internal Task ResponseWritten
    {
        get
        {
            lock (_afterResponse)
            {
                return (_responseWritten ??= new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).Task;
            }
        }
    }

    private void ReleaseAfterResponse(bool written)
    {
        InboundAck[] acks;
        lock (_afterResponse)
        {
            _responseWritten?.TrySetResult();
            _responseWritten = null;
            if (_afterResponse.Count == 0)
            {
                return;
            }

            acks = [.. _afterResponse];
            _afterResponse.Clear();
        }

        foreach (var ack in acks)
        {
            // Not written: the host never had it, and the broker delivers it again (a kept session) or never will.
            _ = Urcs.AcknowledgeHeldAsync(ack, written, _lifetime.Token);
        }
    }

    private Command? Resolve(out CommandKind kind, out Range name, out Range parameters, out uint error, out int index)
    {
        var line = _framer.Line;
        if (!CommandLine.TryParse(line, out name, out kind, out parameters))
        {
            error = line.StartsWith("AT"u8) ? ErrorCode.UnsupportedCommand : ErrorCode.NoAt;
            index = -1;
            return null;
        }

        error = ErrorCode.UnsupportedCommand;
        return Commands.Find(line[name], out index);
    }

    private ValueTask Execute(Command command, CommandHandler handler, CommandKind kind, Range parameters)
    {
        var line = _framer.Line;
        if (kind == CommandKind.Set && !_params.Parse(line[parameters], parameters.Start.Value, out int badIndex))
        {
            Response.Error(ErrorCode.ParseFail(badIndex));
            return ValueTask.CompletedTask;
        }

        if (kind != CommandKind.Set)
        {
            _params.Clear();
        }

        var args = new ArgReader(line, _params, _scratch);
        try
        {
            return handler(this, ref args);
        }
        catch (Exception ex)
        {
            Recover(ex, command.Name);
            return ValueTask.CompletedTask;
        }
    }

    private async Task FinishAsync(ValueTask execution, string name, int hostGeneration)
    {
        try
        {
            await execution.ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            Recover(ex, name);
        }

        _finishing = true;
        Interlocked.MemoryBarrier();

        // A "busy p..." decided before now goes out before the result (a write's time at most).
        while (Volatile.Read(ref _busyAnswers) != 0)
        {
            await Task.Delay(1).ConfigureAwait(false);
        }

        _stateWatch.Check(this);
        bool written = await Output.FinishAsync(Response.Written, hostGeneration).ConfigureAwait(false);
        ReleaseAfterResponse(written);
    }

    private void ObserveFault(ValueTask execution, string name)
    {
        if (execution.IsFaulted)
        {
            try
            {
                execution.GetAwaiter().GetResult();
            }
            catch (Exception ex)
            {
                Recover(ex, name);
            }
        }
    }

    private async ValueTask BusyAsync(ReadOnlyMemory<byte> echo)
    {
        await FlushBatchAsync(ResponseEffect.Close).ConfigureAwait(false);
        int n = 0;
        var busy = _busy ??= new byte[Profile.MaxLineBytes + 64];
        echo.Span.CopyTo(busy);
        n += echo.Length;
        if (EndsInLoneCr(echo.Span))
        {
            n += WriteAscii("\n"u8, n);
        }

        if (SysLog)
        {
            n += WriteAscii("ERR CODE:0x010b0000\r\n\r\n"u8, n);
        }

        n += WriteAscii(BusyLine, n);
        await Output.WriteAsync(busy.AsMemory(0, n), ResponseEffect.Neutral).ConfigureAwait(false);
    }

    private int WriteAscii(ReadOnlySpan<byte> text, int at)
    {
        text.CopyTo(_busy!.AsSpan(at));
        return text.Length;
    }

    private async ValueTask OverflowAsync()
    {
        bool receiving = Quirks.BusyWhileReceiving && Output.UrcWriting;
        bool answering = TryBeginBusyAnswer();
        bool busy = answering || await StillBusyAsync().ConfigureAwait(false);
        if (busy || receiving || (Faults.Any && Faults.Find(FaultKinds.Busy) is not null))
        {
            if (busy && Checks.Enabled)
            {
                HostCheckHooks.Busy(Checks, _pendingName, _framer.DiscardedStart);
            }

            try
            {
                await BusyAsync(ReadOnlyMemory<byte>.Empty).ConfigureAwait(false);
            }
            finally
            {
                if (answering)
                {
                    EndBusyAnswer();
                }
            }

            return;
        }

        if (Checks.Enabled)
        {
            HostCheckHooks.LineTooLong(this, _framer.DiscardedStart);
        }

        if (_longLineLog.ShouldLog())
        {
            _log.LogWarning("Line longer than {Max} bytes discarded", _framer.Limit);
        }

        Response.Reset();
        Response.Error(ErrorCode.LineTooLong);
        Batch(default, Response.Written.Span);
    }

    /// <summary>
    /// Asks for exactly <paramref name="length"/> raw bytes after the response written so far (which
    /// should end with the <c>&gt;</c> prompt). <paramref name="onData"/> then writes the result;
    /// if the bytes stop for the data timeout (<paramref name="timeout"/>, a command's own, else the modem's),
    /// <paramref name="failLine"/> is written instead.
    /// </summary>
    public void BeginDataPhase(int length, string failLine, Func<Modem, byte[], ValueTask> onData, TimeSpan? timeout = null)
    {
        _data = new DataPhase(length, failLine, onData, timeout ?? Options.DataTimeout) { Command = Checks.Enabled ? CommandName(_framer.Line) : "" };
    }

    /// <summary>
    /// Asks for raw bytes up to <paramref name="end"/> (Quectel's Ctrl-Z), at most <paramref name="maxLength"/> of
    /// them; <paramref name="cancel"/> (Esc) abandons them. <paramref name="onData"/> gets how the data ended and the
    /// bytes before the terminator; the bytes after it are read as command lines again.
    /// </summary>
    public void BeginDataPhase(int maxLength, byte end, byte cancel, string failLine, Func<Modem, DataEnd, byte[], ValueTask> onData)
    {
        _data = new DataPhase(maxLength, failLine, static (_, _) => ValueTask.CompletedTask, Options.DataTimeout, (end, cancel), onData)
        {
            Command = Checks.Enabled ? CommandName(_framer.Line) : "",
        };
    }

    private async ValueTask CompleteDataPhaseAsync(DataPhase data)
    {
        data.Dispose();
        Response.Reset();
        ValueTask execution;
        try
        {
            execution = data.OnDelimited is { } delimited
                ? delimited(this, data.Outcome, data.Buffer.AsSpan(0, data.Received).ToArray())
                : data.OnData(this, data.Buffer);
        }
        catch (Exception ex)
        {
            if (_failureLog.ShouldLog())
            {
                _log.LogError(ex, "Data phase handler failed unexpectedly");
            }

            Response.Reset();
            Response.Final(data.FailLine);
            execution = ValueTask.CompletedTask;
        }

        if (!execution.IsCompleted)
        {
            StartPending(execution, "data phase");
            return;
        }

        ObserveFault(execution, "data phase");
        ReleaseAfterResponse(await Output.WriteAsync(Response.Written, ResponseEffect.Close).ConfigureAwait(false));
    }

    private async ValueTask FailDataPhaseAsync(DataPhase data)
    {
        _data = null;
        data.Dispose();
        if (_dataTimeoutLog.ShouldLog())
        {
            _log.LogWarning("Data phase timed out after {Received} of {Length} bytes; discarded", data.Received, data.Length);
        }

        Response.Reset();
        Response.Final(data.FailLine);
        ReleaseAfterResponse(await Output.WriteAsync(Response.Written, ResponseEffect.Close).ConfigureAwait(false));
    }

    /// <summary>
    /// AT+RST / AT+RESTORE: writes what the response holds, drops the MQTT link the way a power loss
    /// would, forgets everything, then writes <c>ready</c>.
    /// </summary>
    public async ValueTask RestartAsync()
    {
        await Output.WriteAsync(Response.Written, ResponseEffect.Open).ConfigureAwait(false);
        Response.Reset();
        await CloseLinksAsync("a restart: AT+RST or AT+RESTORE").ConfigureAwait(false);
        Echo = true;
        SysLog = false;
        Device.Restart();
        Network.Restart();
        if (_restartLog.ShouldLog())
        {
            _log.LogInformation("Restarted");
        }

        Response.Raw(ReadyLine);
    }

    /// <summary>What the TLS transports authenticate with (flash, the module's files through a family's SSL context, the factory defaults).</summary>
    internal CertificateSource Certificates { get; }

    /// <summary>
    /// What a command family keeps for the whole module (Quectel's SSL contexts), made on first use: one of
    /// each type per modem, so no family needs a field of the engine's.
    /// </summary>
    internal T FamilyState<T>()
        where T : class, new()
    {
        var states = Volatile.Read(ref _familyState) ?? InitFamilyState();
        return (T)states.GetOrAdd(typeof(T), static _ => new T());
    }

    private System.Collections.Concurrent.ConcurrentDictionary<Type, object> InitFamilyState()
    {
        Interlocked.CompareExchange(ref _familyState, new(), null);
        return _familyState!;
    }

    /// <summary>Every link cut the way a power loss cuts it (no DISCONNECT: the broker publishes each will).</summary>
    internal async Task CloseLinksAsync(string why)
    {
        foreach (var link in Links)
        {
            await link.CloseAsync(graceful: false, why).ConfigureAwait(false);
        }
    }

    /// <summary>Ends a handler with <c>OK</c>.</summary>
    public ValueTask Ok()
    {
        Response.Ok();
        return ValueTask.CompletedTask;
    }

    /// <summary>Ends a handler with <c>ERROR</c> (and its ERR CODE line under AT+SYSLOG=1).</summary>
    public ValueTask Fail(uint code)
    {
        Response.Error(code);
        return ValueTask.CompletedTask;
    }

    public async ValueTask DisposeAsync()
    {
        _lifetime.Cancel();
        Device.Shutdown();
        foreach (var link in Links)
        {
            await link.DisposeAsync().ConfigureAwait(false);
        }

        try
        {
            await _urcPump.ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
        }

        _lifetime.Dispose();
        Urcs.Dispose();
        Checks.Dispose();
        foreach (var throttle in _throttles)
        {
            throttle.Dispose();
        }
    }

    /// <summary>The command name at the start of <paramref name="line"/> (up to '=', '?' or the end).</summary>
    private static string CommandName(ReadOnlySpan<byte> line)
    {
        int end = line.IndexOfAny((byte)'=', (byte)'?');
        return System.Text.Encoding.ASCII.GetString(end < 0 ? line : line[..end]);
    }

    private LogThrottle Throttle(LogLevel level, string what, int burst = 1)
    {
        var throttle = LogThrottle.Summarising(_log, level, what, Options.TimeProvider, burst);
        _throttles.Add(throttle);
        return throttle;
    }

    /// <summary>A <c>&gt;</c> data phase: exactly N raw bytes, with an inactivity deadline.</summary>
    private sealed class DataPhase(
        int length,
        string failLine,
        Func<Modem, byte[], ValueTask> onData,
        TimeSpan timeout,
        (byte End, byte Cancel)? delimiters = null,
        Func<Modem, DataEnd, byte[], ValueTask>? onDelimited = null) : IDisposable
    {
        private Timer? _timer;
        private PipeReader? _reader;
        private volatile bool _timedOut;

        public int Length { get; } = length;
        public int Received { get; private set; }

        // A delimited phase takes one byte more than its maximum: the terminator, or the byte that is one too many.
        public byte[] Buffer { get; } = new byte[delimiters is null ? length : length + 1];
        public Func<Modem, DataEnd, byte[], ValueTask>? OnDelimited { get; } = onDelimited;
        public DataEnd Outcome { get; private set; }
        public string FailLine { get; } = failLine;
        public Func<Modem, byte[], ValueTask> OnData { get; } = onData;

        /// <summary>The command that asked for the data (for the host checks).</summary>
        public string Command { get; init; } = "";
        public bool TimedOut => _timedOut;

        public void Start(PipeReader? reader)
        {
            _reader = reader;
            if (timeout > TimeSpan.Zero)
            {
                _timer = new Timer(static state => ((DataPhase)state!).Expire(), this, timeout, Timeout.InfiniteTimeSpan);
            }
        }

        /// <summary>Takes what it still needs from <paramref name="buffer"/>; true when complete.</summary>
        public bool Take(ref ReadOnlySequence<byte> buffer)
        {
            if (delimiters is { } d)
            {
                return TakeDelimited(ref buffer, d.End, d.Cancel);
            }

            int n = (int)Math.Min(buffer.Length, Length - Received);
            buffer.Slice(0, n).CopyTo(Buffer.AsSpan(Received));
            buffer = buffer.Slice(n);
            Received += n;
            if (n > 0)
            {
                _timer?.Change(timeout, Timeout.InfiniteTimeSpan);
            }

            return Received == Length;
        }

        private bool TakeDelimited(ref ReadOnlySequence<byte> buffer, byte end, byte cancel)
        {
            int n = (int)Math.Min(buffer.Length, Buffer.Length - Received);
            var fresh = Buffer.AsSpan(Received, n);
            buffer.Slice(0, n).CopyTo(fresh);
            int at = fresh.IndexOfAny(end, cancel);
            if (at >= 0)
            {
                Outcome = fresh[at] == end ? DataEnd.Complete : DataEnd.Cancelled;
                Received += at;
                buffer = buffer.Slice(at + 1);
                return true;
            }

            Received += n;
            buffer = buffer.Slice(n);
            if (n > 0)
            {
                _timer?.Change(timeout, Timeout.InfiniteTimeSpan);
            }

            if (Received > Length)
            {
                Outcome = DataEnd.TooLong;
                Received = Length;
                return true;
            }

            return false;
        }

        public void Rearm()
        {
            _timedOut = false;
            _timer?.Change(timeout, Timeout.InfiniteTimeSpan);
        }

        public void Dispose() => _timer?.Dispose();

        private void Expire()
        {
            _timedOut = true;
            _reader?.CancelPendingRead();
        }
    }
}
