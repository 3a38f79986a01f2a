using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Text;
using System.Threading.Channels;
using AtMqtt.Client.Internal;
using Microsoft.Extensions.Logging;

namespace AtMqtt.Client;

/// <summary>
/// An MQTT client that works through a module speaking the MQTT AT command set: an Espressif ESP-AT
/// module on a UART, a Beken-style module, or the atmqtt software modem. The application never sees an
/// AT string: it configures, connects, publishes, subscribes and reads messages with typed calls.
/// </summary>
/// <remarks>
/// <para>
/// The client owns a duplex <see cref="Stream"/> to the module (a serial port's
/// <see cref="System.IO.Ports.SerialPort.BaseStream"/>, a <see cref="System.Net.Sockets.NetworkStream"/>, a
/// pseudo-terminal). One background loop reads it: lines, <c>+MQTTSUBRECV</c> messages (taken by their
/// length, so payloads may hold any byte) and <c>&gt;</c> prompts. Commands go out one at a time; calls made
/// concurrently queue up. Messages arrive in <see cref="Messages"/> whenever they come, also between
/// <c>OK</c> and <c>&gt;</c> as ESP-AT writes them.
/// </para>
/// <para>
/// A cancelled call stops waiting at once, but the command it sent still runs to its end on the module
/// (a half-sent <c>AT+MQTTPUBRAW</c> would otherwise swallow the next command as data); the next command
/// waits for it.
/// </para>
/// </remarks>
public sealed partial class AtMqttClient : IAtMqttClient
{
    private static readonly TimeSpan QuietPeriod = TimeSpan.FromMilliseconds(150);

    // The trace of the exchange: "TX <line>" and "RX <line>", secrets already hidden.
    private static readonly Action<ILogger, string, string, Exception?> LogSent = LoggerMessage.Define<string, string>(
        LogLevel.Trace, new EventId(1, "AtSent"), "{Direction} {Line}", new LogDefineOptions { SkipEnabledCheck = true });

    private static readonly Action<ILogger, string, string, Exception?> LogReceived = LoggerMessage.Define<string, string>(
        LogLevel.Trace, new EventId(2, "AtReceived"), "{Direction} {Line}", new LogDefineOptions { SkipEnabledCheck = true });

    private readonly Stream _stream;
    private readonly IDisposable? _owner;
    private readonly bool _leaveOpen;
    private readonly AtMqttClientOptions _options;
    private readonly ILogger? _log;
    private readonly AtStreamParser _parser = new();
    private readonly SemaphoreSlim _commandLock = new(1, 1);
    private readonly Channel<AtMqttMessage> _messages = Channel.CreateUnbounded<AtMqttMessage>(
        new UnboundedChannelOptions { SingleWriter = true, AllowSynchronousContinuations = false });
    private readonly Channel<Action> _events = Channel.CreateUnbounded<Action>(new UnboundedChannelOptions { SingleReader = true });
    private readonly CancellationTokenSource _lifetime = new();
    private readonly object _gate = new();
    private readonly Task _readLoop;
    private readonly Task _eventLoop;

    private Attempt? _attempt;
    private volatile bool _initialized;
    private volatile bool _needsReinit;
    private volatile bool _resync;
    private volatile bool _initializing;
    private volatile bool _connected;

    // The module answered a LONG command "unknown" (ESP-AT v2.x): long values go through its setters instead.
    private volatile bool _noLongCommands;
    private volatile Exception? _closed;
    private long _lastReceiveTicks = Environment.TickCount64;
    private AtDialect _dialect;
    private int _disposed;

    /// <summary>
    /// Creates a client over <paramref name="stream"/> and starts reading it. No command is sent until
    /// <see cref="InitializeAsync"/> or the first operation (which initialises first).
    /// </summary>
    /// <param name="stream">A readable and writable stream to the module.</param>
    /// <param name="options">How to talk to the module; null for the defaults.</param>
    /// <param name="leaveOpen">True to leave <paramref name="stream"/> open when the client is disposed.</param>
    public AtMqttClient(Stream stream, AtMqttClientOptions? options = null, bool leaveOpen = false)
        : this(stream, options, leaveOpen, owner: null)
    {
    }

    private AtMqttClient(Stream stream, AtMqttClientOptions? options, bool leaveOpen, IDisposable? owner)
    {
        ArgumentNullException.ThrowIfNull(stream);
        if (!stream.CanRead || !stream.CanWrite)
        {
            throw new ArgumentException("The stream must be readable and writable.", nameof(stream));
        }

        options ??= new AtMqttClientOptions();
        if (options.MaxTopicLength is < 1 or > TopicRules.MqttMaxBytes)
        {
            throw new ArgumentOutOfRangeException(nameof(options), options.MaxTopicLength, $"MaxTopicLength must be 1..{TopicRules.MqttMaxBytes}.");
        }

        _stream = stream;
        _options = options;
        _log = options.Logger;
        _leaveOpen = leaveOpen;
        _owner = owner;
        _dialect = _options.Dialect;
        _readLoop = Task.Run(ReadLoopAsync);
        _eventLoop = Task.Run(EventLoopAsync);
    }

    /// <summary>The module's MQTT link came up: the answer to a connect, or the module's own reconnection.</summary>
    public event EventHandler<AtMqttConnectedEventArgs>? Connected;

    /// <summary>The module's MQTT link went down (dropped, cleaned, module restarted, channel closed).</summary>
    public event EventHandler<AtMqttDisconnectedEventArgs>? Disconnected;

    /// <summary>The module restarted on its own (an unexpected <c>ready</c>): its MQTT link and configuration are gone.</summary>
    public event EventHandler? ModuleRestarted;

    /// <summary>A line that no command was waiting for and that is not an MQTT event (<c>WIFI GOT IP</c>, <c>+TIME_UPDATED</c>, boot noise).</summary>
    public event EventHandler<AtUnsolicitedLineEventArgs>? UnsolicitedLine;

    /// <summary>The options the client was created with.</summary>
    public AtMqttClientOptions Options => _options;

    /// <summary>
    /// The dialect in use: the one chosen in <see cref="AtMqttClientOptions.Dialect"/>, or the one detected by
    /// initialisation (<see cref="AtDialect.Auto"/> until then).
    /// </summary>
    public AtDialect Dialect => _dialect;

    /// <summary>True once initialisation succeeded.</summary>
    public bool IsInitialized => _initialized;

    /// <summary>True while the module's MQTT link is connected, as far as the module has told.</summary>
    public bool IsConnected => _connected;

    /// <summary>
    /// Received messages, in the order the module wrote them. Unbounded: read them, or they accumulate.
    /// Completes when the client is disposed or the channel to the module closes.
    /// </summary>
    public ChannelReader<AtMqttMessage> Messages => _messages.Reader;

    /// <summary>Received messages as an async stream; ends when the client is disposed or the channel closes.</summary>
    /// <param name="cancellationToken">Stops the enumeration.</param>
    public async IAsyncEnumerable<AtMqttMessage> ReadMessagesAsync([EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        while (await _messages.Reader.WaitToReadAsync(cancellationToken).ConfigureAwait(false))
        {
            while (_messages.Reader.TryRead(out var message))
            {
                yield return message;
            }
        }
    }

    /// <summary>
    /// Gets the module talking: sends <c>AT</c> until it answers (a booting module may not yet), turns echo
    /// off, asks for <c>ERR CODE</c> lines, and detects the dialect and whether the MQTT link is already up.
    /// Every operation calls this first if it has not run; call it yourself to fail early.
    /// </summary>
    /// <param name="cancellationToken">Stops waiting.</param>
    public async Task InitializeAsync(CancellationToken cancellationToken = default)
    {
        ThrowIfUnusable();
        await _commandLock.WaitAsync(cancellationToken).ConfigureAwait(false);
        Task run;
        try
        {
            run = InitializeLockedAsync();
        }
        catch
        {
            _commandLock.Release();
            throw;
        }

        await run.WaitAsync(cancellationToken).ConfigureAwait(false);
    }

    private async Task InitializeLockedAsync()
    {
        try
        {
            if (!_initialized || _needsReinit)
            {
                await HandshakeAsync().ConfigureAwait(false);
            }
        }
        finally
        {
            _commandLock.Release();
        }
    }

    /// <summary>Runs with the command lock held.</summary>
    private async Task HandshakeAsync()
    {
        _initializing = true;
        try
        {
            var deadline = Stopwatch.StartNew();
            while (true)
            {
                var remaining = _options.StartupTimeout - deadline.Elapsed;
                try
                {
                    await AttemptLoopAsync(new AtLine("AT"), AttemptMode.Normal, Min(remaining, TimeSpan.FromSeconds(1)), default).ConfigureAwait(false);
                    break;
                }
                catch (AtMqttException ex) when (ex is not AtChannelClosedException && deadline.Elapsed < _options.StartupTimeout)
                {
                    await Task.Delay(50, _lifetime.Token).ConfigureAwait(false);
                }
                catch (AtMqttException ex) when (ex is not AtChannelClosedException)
                {
                    throw new AtMqttTimeoutException(
                        $"The module did not answer AT within {_options.StartupTimeout.TotalSeconds:0.#} s: {ex.Message}", ex);
                }
            }

            // Answers to earlier tries (a module that was still booting) may still be on their way. Let them
            // come, then send a query whose OK counts only after its own +MQTTCONN line: once it is answered,
            // every older answer is behind us (a module answers in order), and the later commands get their own.
            await WaitQuietAsync(TimeSpan.FromSeconds(2)).ConfigureAwait(false);
            AtMqttConnectionInfo? info = null;
            bool numeric = false;
            try
            {
                var response = await AttemptLoopAsync(new AtLine("AT+MQTTCONN?"), AttemptMode.Normal, _options.CommandTimeout, default, "+MQTTCONN:").ConfigureAwait(false);
                foreach (var line in response)
                {
                    info ??= Responses.ParseConnection(line, out numeric);
                }
            }
            catch (AtCommandException)
            {
                // No MQTT query on this firmware: it is not the seed page; assume ESP-AT.
                numeric = true;
            }

            _resync = false;
            if (_options.DisableEcho)
            {
                await AttemptLoopAsync(new AtLine("ATE0"), AttemptMode.Normal, _options.CommandTimeout, default).ConfigureAwait(false);
            }

            if (_options.EnableErrorCodes)
            {
                try
                {
                    await AttemptLoopAsync(new AtLine("AT+SYSLOG").Int(1), AttemptMode.Normal, _options.CommandTimeout, default).ConfigureAwait(false);
                }
                catch (AtCommandException)
                {
                    // Older firmware has no AT+SYSLOG: errors then come without a code.
                }
            }

            if (_options.Dialect == AtDialect.Auto)
            {
                // The state field of AT+MQTTCONN? is a word in the seed dialect and a number in ESP-AT.
                _dialect = numeric || info is null ? AtDialect.EspAt : AtDialect.Seed;
            }

            SetConnected(info?.IsConnected == true, info, AtMqttDisconnectReason.ModuleRestarted);
            _needsReinit = false;
            _initialized = true;
        }
        finally
        {
            _initializing = false;
        }
    }

    /// <summary>Sends one command line and returns its information lines; throws on anything but success.</summary>
    private async Task<IReadOnlyList<string>> ExecuteAsync(
        AtLine line,
        AttemptMode mode,
        TimeSpan timeout,
        ReadOnlyMemory<byte> data,
        CancellationToken cancellationToken,
        string? requiredLinePrefix = null)
    {
        ThrowIfUnusable();
        if (line.Length > AtLine.MaxBytes)
        {
            throw new ArgumentException($"{line.Name}: the command line would be {line.Length} bytes; a module takes at most {AtLine.MaxBytes}.");
        }

        await _commandLock.WaitAsync(cancellationToken).ConfigureAwait(false);
        Task<IReadOnlyList<string>> run;
        try
        {
            run = RunLockedAsync(line, mode, timeout, data, requiredLinePrefix);
        }
        catch
        {
            _commandLock.Release();
            throw;
        }

        return await run.WaitAsync(cancellationToken).ConfigureAwait(false);
    }

    private async Task<IReadOnlyList<string>> RunLockedAsync(AtLine line, AttemptMode mode, TimeSpan timeout, ReadOnlyMemory<byte> data, string? requiredLinePrefix)
    {
        try
        {
            if (!_initialized || _needsReinit)
            {
                await HandshakeAsync().ConfigureAwait(false);
            }
            else if (_resync)
            {
                await ResyncAsync().ConfigureAwait(false);
            }

            return await AttemptLoopAsync(line, mode, timeout, data, requiredLinePrefix).ConfigureAwait(false);
        }
        finally
        {
            _commandLock.Release();
        }
    }

    /// <summary>After a command timed out its answer may still come: let it come and go before the next command.</summary>
    private async Task ResyncAsync()
    {
        await WaitQuietAsync(_options.CommandTimeout).ConfigureAwait(false);
        try
        {
            await AttemptLoopAsync(new AtLine("AT+MQTTCONN?"), AttemptMode.Normal, _options.CommandTimeout, default, "+MQTTCONN:").ConfigureAwait(false);
        }
        catch (AtCommandException)
        {
        }

        _resync = false;
    }

    /// <summary>Waits until nothing has arrived for a moment (at most <paramref name="max"/>).</summary>
    private async Task WaitQuietAsync(TimeSpan max)
    {
        var watch = Stopwatch.StartNew();
        while (watch.Elapsed < max)
        {
            long quietFor = Environment.TickCount64 - Interlocked.Read(ref _lastReceiveTicks);
            if (quietFor >= QuietPeriod.TotalMilliseconds)
            {
                return;
            }

            await Task.Delay(QuietPeriod - TimeSpan.FromMilliseconds(quietFor), _lifetime.Token).ConfigureAwait(false);
        }
    }

    /// <summary>Sends a command, retrying after <c>busy p...</c>, until it succeeds, fails or runs out of time.</summary>
    private async Task<IReadOnlyList<string>> AttemptLoopAsync(
        AtLine line,
        AttemptMode mode,
        TimeSpan timeout,
        ReadOnlyMemory<byte> data,
        string? requiredLinePrefix = null)
    {
        var watch = Stopwatch.StartNew();
        var delay = _options.BusyRetryDelay;
        var wire = line.ToWire();
        while (true)
        {
            ThrowIfClosed();
            var attempt = new Attempt(line, mode, requiredLinePrefix);
            AttemptResult result;
            lock (_gate)
            {
                _attempt = attempt;
            }

            try
            {
                if (mode == AttemptMode.Prompt)
                {
                    _parser.PromptExpected = true;
                }

                if (Tracing)
                {
                    LogSent(_log!, "TX", line.ToLogText(), null);
                }

                await WriteAsync(wire).ConfigureAwait(false);
                if (mode == AttemptMode.Prompt)
                {
                    await Task.WhenAny(attempt.Prompt.Task, attempt.Done.Task).WaitAsync(Remaining(watch, timeout)).ConfigureAwait(false);
                    if (attempt.Prompt.Task.IsCompleted && !attempt.Done.Task.IsCompleted)
                    {
                        // The module now waits for exactly data.Length bytes, whatever the caller does.
                        if (Tracing)
                        {
                            LogSent(_log!, "TX", $"<{data.Length} bytes of data>", null);
                        }

                        await WriteAsync(data).ConfigureAwait(false);
                    }
                }

                result = await attempt.Done.Task.WaitAsync(Remaining(watch, timeout)).ConfigureAwait(false);
            }
            catch (TimeoutException)
            {
                _resync = true;
                throw new AtMqttTimeoutException(
                    $"{line.Name}: no answer from the module within {timeout.TotalSeconds:0.#} s" +
                    (mode == AttemptMode.Prompt && !attempt.Prompt.Task.IsCompleted ? " (no '>' prompt)" : "") + ".");
            }
            finally
            {
                lock (_gate)
                {
                    if (ReferenceEquals(_attempt, attempt))
                    {
                        _attempt = null;
                    }
                }

                if (mode == AttemptMode.Prompt)
                {
                    _parser.PromptExpected = false;
                }
            }

            switch (result)
            {
                case AttemptResult.Ok:
                    return attempt.Lines;
                case AttemptResult.Busy:
                    if (watch.Elapsed + delay >= timeout)
                    {
                        throw new AtModuleBusyException($"{line.Name}: the module stayed busy (busy p...) for {timeout.TotalSeconds:0.#} s.");
                    }

                    await Task.Delay(delay, _lifetime.Token).ConfigureAwait(false);
                    delay = Min(delay * 2, TimeSpan.FromSeconds(1));
                    continue;
                case AttemptResult.Reset:
                    throw new AtModuleResetException($"{line.Name}: the module restarted (ready) before it answered; the command's effect is lost.");
                case AttemptResult.Closed:
                    throw new AtChannelClosedException($"{line.Name}: the channel to the module closed.", _closed);
                default:
                    throw CommandFailed(line.Name, attempt);
            }
        }
    }

    private static AtCommandException CommandFailed(string name, Attempt attempt)
    {
        var code = attempt.ErrorCode;
        string what = attempt.Result == AttemptResult.PublishFailed ? "the publish failed" : "ERROR";
        string detail = code is { } c ? $" (ERR CODE {c})" : "";
        return new AtCommandException($"{name}: the module answered {what}{detail}.", name, code, attempt.Lines);
    }

    private static TimeSpan Remaining(Stopwatch watch, TimeSpan timeout)
    {
        var left = timeout - watch.Elapsed;
        return left > TimeSpan.Zero ? left : TimeSpan.Zero;
    }

    private static TimeSpan Min(TimeSpan a, TimeSpan b) => a < b ? a : b;

    private async Task WriteAsync(ReadOnlyMemory<byte> bytes)
    {
        try
        {
            await _stream.WriteAsync(bytes, _lifetime.Token).ConfigureAwait(false);
            await _stream.FlushAsync(_lifetime.Token).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is IOException or ObjectDisposedException or OperationCanceledException)
        {
            throw new AtChannelClosedException("Writing to the module failed: " + ex.Message, ex);
        }
    }

    private async Task ReadLoopAsync()
    {
        Exception? error = null;
        try
        {
            while (true)
            {
                var buffer = _parser.GetWriteBuffer();
                int n = await _stream.ReadAsync(buffer, _lifetime.Token).ConfigureAwait(false);
                if (n == 0)
                {
                    break;
                }

                Interlocked.Exchange(ref _lastReceiveTicks, Environment.TickCount64);
                _parser.Advance(n);
                Drain();
            }
        }
        catch (Exception ex)
        {
            error = ex;
        }

        OnClosed(error);
    }

    private void Drain()
    {
        while (true)
        {
            switch (_parser.Next())
            {
                case AtTokenKind.None:
                    return;
                case AtTokenKind.Line:
                    OnLine(_parser.Line);
                    break;
                case AtTokenKind.Message:
                    if (Tracing)
                    {
                        var m = _parser.Message!;
                        LogReceived(_log!, "RX", $"+MQTTSUBRECV:0,\"{m.Topic}\",{m.Payload.Length},<{m.Payload.Length} bytes>", null);
                    }

                    _messages.Writer.TryWrite(_parser.Message!);
                    break;
                case AtTokenKind.Prompt:
                    if (Tracing)
                    {
                        LogReceived(_log!, "RX", ">", null);
                    }

                    lock (_gate)
                    {
                        if (_attempt is { Mode: AttemptMode.Prompt } a)
                        {
                            a.PromptSeen = true;
                            a.Prompt.TrySetResult();
                        }
                    }

                    break;
            }
        }
    }

    private void OnLine(ReadOnlySpan<byte> raw)
    {
        var line = raw.Trim(" \t"u8);
        if (line.IsEmpty)
        {
            return;
        }

        lock (_gate)
        {
            var a = _attempt;
            bool echo = a is not null && line.SequenceEqual(a.Echo);
            if (Tracing)
            {
                // An echo is the command itself; any other line may still repeat one of its secrets.
                LogReceived(_log!, "RX", echo ? a!.Line.ToLogText() : AtLine.Scrub(line, a?.Line.Secrets ?? []), null);
            }

            if (echo)
            {
                return; // echo of the command (echo on)
            }

            if (line.SequenceEqual("ready"u8))
            {
                OnReady(a);
                return;
            }

            if (a is not null && OnResultLine(a, line))
            {
                return;
            }

            string text = Encoding.UTF8.GetString(line);
            bool mqttEvent = OnMqttEvent(text);
            if (a is not null)
            {
                a.Lines.Add(text);
            }
            else if (!mqttEvent && !IsStrayResult(line))
            {
                Raise(() => UnsolicitedLine?.Invoke(this, new AtUnsolicitedLineEventArgs(text)));
            }
        }
    }

    /// <summary>Final results, error codes and busy for the waiting command; true if the line was one.</summary>
    private static bool OnResultLine(Attempt a, ReadOnlySpan<byte> line)
    {
        if (line.SequenceEqual("OK"u8))
        {
            if (a.Mode == AttemptMode.Prompt && !a.PromptSeen)
            {
                return true; // OK before '>'
            }

            if (a.Mode == AttemptMode.Reset)
            {
                return true; // OK, then the module restarts and says ready
            }

            if (a.RequiredLinePrefix is { } prefix && !a.Lines.Exists(l => l.StartsWith(prefix, StringComparison.Ordinal)))
            {
                return true; // a late OK of an earlier command
            }

            a.Complete(AttemptResult.Ok);
            return true;
        }

        if (line.SequenceEqual("ERROR"u8))
        {
            a.Complete(AttemptResult.Error);
            return true;
        }

        if (line.StartsWith("busy p"u8))
        {
            a.Complete(AttemptResult.Busy);
            return true;
        }

        if (line.StartsWith("ERR CODE:"u8))
        {
            if (AtErrorCode.TryParse(Encoding.ASCII.GetString(line), out var code) && code.Category != AtErrorCategory.Busy)
            {
                a.ErrorCode = code;
            }

            return true;
        }

        if (a.Mode == AttemptMode.Prompt && a.PromptSeen)
        {
            if (line.SequenceEqual("+MQTTPUB:OK"u8) || line.SequenceEqual("+MQTTPUBRAW:OK"u8))
            {
                a.Complete(AttemptResult.Ok);
                return true;
            }

            if (line.SequenceEqual("+MQTTPUB:FAIL"u8) || line.SequenceEqual("+MQTTPUBRAW:FAIL"u8))
            {
                a.Complete(AttemptResult.PublishFailed);
                return true;
            }
        }

        return false;
    }

    private static bool IsStrayResult(ReadOnlySpan<byte> line) =>
        line.SequenceEqual("OK"u8) || line.SequenceEqual("ERROR"u8) || line.StartsWith("busy p"u8) || line.StartsWith("ERR CODE:"u8);

    /// <summary>+MQTTCONNECTED / +MQTTDISCONNECTED, wherever they come; true if the line was one.</summary>
    private bool OnMqttEvent(string text)
    {
        if (text.StartsWith("+MQTTCONNECTED:", StringComparison.Ordinal))
        {
            SetConnected(true, Responses.ParseConnected(text), AtMqttDisconnectReason.ConnectionLost);
            return true;
        }

        if (text.StartsWith("+MQTTDISCONNECTED:", StringComparison.Ordinal))
        {
            SetConnected(false, null, AtMqttDisconnectReason.ConnectionLost);
            return true;
        }

        return false;
    }

    private void OnReady(Attempt? a)
    {
        if (a is { Mode: AttemptMode.Reset })
        {
            a.Complete(AttemptResult.Ok);
            return;
        }

        if (_initializing)
        {
            return; // the module just came up (or a new TCP host attached): not a failure of the handshake
        }

        a?.Complete(AttemptResult.Reset);
        if (!_initialized)
        {
            return;
        }

        _needsReinit = true;
        SetConnected(false, null, AtMqttDisconnectReason.ModuleRestarted);
        Raise(() => ModuleRestarted?.Invoke(this, EventArgs.Empty));
        if (_options.RestoreSessionAfterReset && HasSessionToRestore)
        {
            _ = Task.Run(RestoreInBackgroundAsync);
        }
    }

    private void SetConnected(bool connected, AtMqttConnectionInfo? info, AtMqttDisconnectReason reason, Exception? exception = null)
    {
        bool was = _connected;
        _connected = connected;
        if (connected && info is not null && !_initializing)
        {
            Raise(() => Connected?.Invoke(this, new AtMqttConnectedEventArgs(info)));
        }
        else if (!connected && was)
        {
            Raise(() => Disconnected?.Invoke(this, new AtMqttDisconnectedEventArgs(reason, exception)));
        }
    }

    private void OnClosed(Exception? error)
    {
        if (_closed is not null)
        {
            return;
        }

        _closed = error ?? new EndOfStreamException("The module's channel ended.");
        lock (_gate)
        {
            _attempt?.Complete(AttemptResult.Closed);
            if (Volatile.Read(ref _disposed) == 0)
            {
                SetConnected(false, null, AtMqttDisconnectReason.ChannelClosed, error);
            }
            else
            {
                _connected = false; // the application closed it: no news for it
            }
        }

        _messages.Writer.TryComplete();
        _events.Writer.TryComplete();
    }

    private void Raise(Action action) => _events.Writer.TryWrite(action);

    private bool Tracing => _log is not null && _log.IsEnabled(LogLevel.Trace);

    private async Task EventLoopAsync()
    {
        await foreach (var action in _events.Reader.ReadAllAsync().ConfigureAwait(false))
        {
            try
            {
                action();
            }
            catch (Exception)
            {
                // A failing handler must not stop the client; handlers should catch their own exceptions.
            }
        }
    }

    private void ThrowIfUnusable()
    {
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
        ThrowIfClosed();
    }

    private void ThrowIfClosed()
    {
        if (_closed is { } error)
        {
            throw new AtChannelClosedException("The channel to the module is closed.", error);
        }
    }

    /// <summary>Stops reading, closes the stream (unless left open) and ends <see cref="Messages"/>.</summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        await _lifetime.CancelAsync().ConfigureAwait(false);
        CloseStream();
        try
        {
            await _readLoop.WaitAsync(TimeSpan.FromSeconds(5)).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
        }

        OnClosed(new ObjectDisposedException(nameof(AtMqttClient)));
        try
        {
            await _eventLoop.WaitAsync(TimeSpan.FromSeconds(5)).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
        }

        _lifetime.Dispose();
    }

    /// <summary>Synchronous <see cref="DisposeAsync"/>.</summary>
    public void Dispose() => DisposeAsync().AsTask().GetAwaiter().GetResult();

    private void CloseStream()
    {
        if (!_leaveOpen)
        {
            try
            {
                _stream.Dispose();
            }
            catch (Exception ex) when (ex is IOException or ObjectDisposedException or UnauthorizedAccessException)
            {
            }
        }

        _owner?.Dispose();
    }

    private enum AttemptMode
    {
        /// <summary>Ends with OK or ERROR.</summary>
        Normal,

        /// <summary>OK, <c>&gt;</c>, data, then OK / +MQTTPUB:OK / FAIL / ERROR.</summary>
        Prompt,

        /// <summary>AT+RST: OK, then ready.</summary>
        Reset,
    }

    private enum AttemptResult
    {
        Ok,
        Error,
        PublishFailed,
        Busy,
        Reset,
        Closed,
    }

    /// <summary>One sending of a command line and what came back for it.</summary>
    private sealed class Attempt(AtLine line, AttemptMode mode, string? requiredLinePrefix)
    {
        public AtLine Line { get; } = line;

        public byte[] Echo { get; } = line.Span.ToArray();

        public AttemptMode Mode { get; } = mode;

        public string? RequiredLinePrefix { get; } = requiredLinePrefix;

        public List<string> Lines { get; } = [];

        public AtErrorCode? ErrorCode { get; set; }

        public bool PromptSeen { get; set; }

        public AttemptResult Result { get; private set; }

        public TaskCompletionSource<AttemptResult> Done { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public TaskCompletionSource Prompt { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public void Complete(AttemptResult result)
        {
            if (!Done.Task.IsCompleted)
            {
                Result = result;
                Done.TrySetResult(result);
            }
        }
    }
}
