using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;
using Xunit;

namespace AtMqtt.Testing;

/// <summary>
/// The test-side "host microcontroller": sends AT command text to the modem and reads its replies.
/// A background loop fills a receive buffer; the read helpers wait on it and consume what they match.
/// Received bytes are decoded as Latin-1 so arbitrary binary data round-trips through strings.
/// </summary>
public sealed class AtHost : IAsyncDisposable
{
    /// <summary>Default timeout of every waiting helper: generous, for a loaded two-core machine.</summary>
    public static readonly TimeSpan DefaultTimeout = TimeSpan.FromSeconds(15);

    /// <summary>Texts that end a command's response in <see cref="CommandAsync"/>.</summary>
    public static readonly IReadOnlyList<string> FinalResults = ["\r\nOK\r\n", "\r\nERROR\r\n", "busy p...\r\n"];

    private delegate int Matcher(ReadOnlySpan<byte> data);

    private readonly Stream _input;
    private readonly Stream _output;
    private readonly CancellationTokenSource _cts = new();
    private readonly SemaphoreSlim _writeLock = new(1, 1);
    private readonly object _lock = new();
    private readonly TaskCompletionSource _closedSignal = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly Task _readLoop;

    // Guarded by _lock.
    private byte[] _buffer = new byte[8192];
    private int _count;
    private bool _closed;
    private Exception? _readError;
    private TaskCompletionSource _changed = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int _disposed;
    private long _bytesReceived;
    private long _bytesSent;

    /// <summary>Talks over a duplex stream (e.g. a socket stream); the stream is disposed with the host.</summary>
    public AtHost(Stream duplex)
        : this(duplex, duplex)
    {
    }

    /// <summary>
    /// Reads the modem's output from <paramref name="input"/> and writes commands to <paramref name="output"/>
    /// (e.g. a child process's stdout and stdin). Both streams are disposed with the host.
    /// </summary>
    public AtHost(Stream input, Stream output)
    {
        _input = input;
        _output = output;
        _readLoop = Task.Run(ReadLoopAsync);
    }

    /// <summary>Every byte read from the modem so far, consumed or not.</summary>
    public long BytesReceived => Interlocked.Read(ref _bytesReceived);

    /// <summary>Every byte written to the modem so far.</summary>
    public long BytesSent => Interlocked.Read(ref _bytesSent);

    /// <summary>True once the remote side closed the connection (or reading failed).</summary>
    public bool IsClosed
    {
        get
        {
            lock (_lock)
            {
                return _closed;
            }
        }
    }

    /// <summary>The error that ended the read loop, if it ended abnormally.</summary>
    public Exception? ReadError
    {
        get
        {
            lock (_lock)
            {
                return _readError;
            }
        }
    }

    /// <summary>Received but not yet consumed data (Latin-1), without consuming it.</summary>
    public string Pending
    {
        get
        {
            lock (_lock)
            {
                return Encoding.Latin1.GetString(_buffer, 0, _count);
            }
        }
    }

    /// <summary>
    /// Connects to the modem on 127.0.0.1:<paramref name="port"/>, retrying until it listens;
    /// <paramref name="refused"/> is called after each attempt that failed.
    /// </summary>
    public static async Task<AtHost> ConnectAsync(int port, TimeSpan? timeout = null, Action? refused = null)
    {
        var t = timeout ?? DefaultTimeout;
        var sw = Stopwatch.StartNew();
        while (true)
        {
            var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
            try
            {
                using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(2));
                await socket.ConnectAsync(new IPEndPoint(IPAddress.Loopback, port), cts.Token);
                return new AtHost(new NetworkStream(socket, ownsSocket: true));
            }
            catch (Exception ex) when (ex is SocketException or OperationCanceledException)
            {
                socket.Dispose();
                refused?.Invoke();

                // The modem may still be starting up: keep trying until the deadline.
                if (sw.Elapsed >= t)
                {
                    throw new TimeoutException(
                        $"Could not connect to {FreePort.Host}:{port} within {t.TotalSeconds:0.#} s: {ex.Message}", ex);
                }

                await Task.Delay(100);
            }
        }
    }

    /// <summary>Renders control and non-ASCII characters visibly (\r, \n, \xNN) for messages.</summary>
    public static string Escape(string text)
    {
        var sb = new StringBuilder(text.Length + 16);
        foreach (var c in text)
        {
            switch (c)
            {
                case '\r': sb.Append("\\r"); break;
                case '\n': sb.Append("\\n"); break;
                case '\t': sb.Append("\\t"); break;
                case '\\': sb.Append("\\\\"); break;
                case < ' ' or > '~': sb.Append($"\\x{(int)c:X2}"); break;
                default: sb.Append(c); break;
            }
        }

        return sb.ToString();
    }

    /// <summary>Sends <paramref name="text"/> as UTF-8 bytes, exactly as given (include "\r\n" yourself).</summary>
    public Task SendAsync(string text) => SendBytesAsync(Encoding.UTF8.GetBytes(text));

    /// <summary>Sends raw bytes, exactly as given (writes are serialised).</summary>
    public async Task SendBytesAsync(ReadOnlyMemory<byte> data)
    {
        await _writeLock.WaitAsync();
        try
        {
            await _output.WriteAsync(data);
            await _output.FlushAsync();
            Interlocked.Add(ref _bytesSent, data.Length);
        }
        finally
        {
            _writeLock.Release();
        }
    }

    /// <summary>Waits for exactly <paramref name="count"/> bytes and consumes them.</summary>
    public Task<byte[]> ReadExactlyAsync(int count, TimeSpan? timeout = null)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        return WaitAndTakeAsync(data => data.Length >= count ? count : -1, timeout ?? DefaultTimeout, $"{count} bytes");
    }

    /// <summary>
    /// Returns everything up to and including <paramref name="marker"/> (Latin-1), consuming it.
    /// Throws <see cref="TimeoutException"/> (with the data received so far) on timeout and
    /// <see cref="EndOfStreamException"/> if the connection closes first.
    /// </summary>
    public Task<string> ReadUntilAsync(string marker, TimeSpan? timeout = null) =>
        ReadUntilAnyAsync([marker], timeout);

    /// <summary>Like <see cref="ReadUntilAsync"/>, stopping at whichever marker is complete first.</summary>
    public async Task<string> ReadUntilAnyAsync(IReadOnlyList<string> markers, TimeSpan? timeout = null)
    {
        if (markers.Count == 0 || markers.Any(string.IsNullOrEmpty))
        {
            throw new ArgumentException("Markers must be non-empty.", nameof(markers));
        }

        var patterns = markers.Select(m => Encoding.Latin1.GetBytes(m)).ToArray();
        var bytes = await WaitAndTakeAsync(
            data =>
            {
                var best = -1;
                foreach (var p in patterns)
                {
                    var i = data.IndexOf(p);
                    if (i >= 0 && (best < 0 || i + p.Length < best))
                    {
                        best = i + p.Length;
                    }
                }

                return best;
            },
            timeout ?? DefaultTimeout,
            string.Join(" or ", markers.Select(m => $"\"{Escape(m)}\"")));
        return Encoding.Latin1.GetString(bytes);
    }

    /// <summary>
    /// Sends <c>line + terminator</c> and returns all text received up to and including the final result
    /// (<c>\r\nOK\r\n</c>, <c>\r\nERROR\r\n</c> or <c>busy p...\r\n</c>), including any echo and URCs before it.
    /// On a paced line end lines with a lone CR, as a terminal does: the modem answers at the CR, and
    /// whether an LF that trickles in after it is in the echo depends on timing.
    /// </summary>
    public async Task<string> CommandAsync(string line, TimeSpan? timeout = null, string terminator = "\r\n")
    {
        await SendAsync(line + terminator);
        return await ReadUntilAnyAsync(FinalResults, timeout);
    }

    /// <summary>
    /// Sends <paramref name="line"/> and asserts the exact bytes (echo on): the echo of the line and its
    /// terminator, then <paramref name="response"/> (as the host reads it, one Latin-1 char a byte). After
    /// an echo that ends in a lone CR, a response that does not begin with CR LF gets the LF the modem
    /// puts first.
    /// </summary>
    public async Task ExpectAsync(string line, string response, TimeSpan? timeout = null, string terminator = "\r\n")
    {
        string actual = await CommandAsync(line, timeout, terminator);
        string lf = terminator == "\r" && !response.StartsWith("\r\n", StringComparison.Ordinal) ? "\n" : "";
        Assert.Equal(Escape(Wire(line) + terminator + lf + response), Escape(actual));
    }

    /// <summary>Asserts that <paramref name="line"/> answers exactly its echo and <c>\r\nOK\r\n</c>.</summary>
    public Task OkAsync(string line, TimeSpan? timeout = null, string terminator = "\r\n") =>
        ExpectAsync(line, "\r\nOK\r\n", timeout, terminator);

    /// <summary>
    /// Reads exactly as many bytes as <paramref name="expected"/> has (one Latin-1 char a byte: use
    /// <see cref="Wire"/> for text) and asserts that they are those.
    /// </summary>
    public async Task ExpectBytesAsync(string expected, TimeSpan? timeout = null)
    {
        string actual;
        try
        {
            actual = Encoding.Latin1.GetString(await ReadExactlyAsync(expected.Length, timeout));
        }
        catch (TimeoutException ex)
        {
            throw new TimeoutException($"Expected \"{Escape(expected)}\". {ex.Message}", ex);
        }

        Assert.Equal(Escape(expected), Escape(actual));
    }

    /// <summary>
    /// AT+MQTTUSERCFG (scheme 1, <paramref name="clientId"/>, <paramref name="user"/>, <paramref name="password"/>),
    /// <paramref name="connCfg"/> if given, then AT+MQTTCONN to 127.0.0.1:<paramref name="port"/>; asserts the exact
    /// responses (echo on, seed dialect): OK, and <c>+MQTTCONNECTED</c> and OK.
    /// </summary>
    public async Task ConnectLinkAsync(string clientId, int port, int reconnect = 0, string? connCfg = null, string user = "", string password = "", TimeSpan? timeout = null, string terminator = "\r\n")
    {
        await OkAsync($"AT+MQTTUSERCFG=0,1,\"{clientId}\",\"{user}\",\"{password}\",0,0,\"\"", timeout, terminator);
        if (connCfg is not null)
        {
            await OkAsync(connCfg, timeout, terminator);
        }

        await ExpectAsync($"AT+MQTTCONN=0,\"{FreePort.Host}\",{port},{reconnect}", LiveModem.ConnectedResponse(port, reconnect), timeout, terminator);
    }

    /// <summary>How <paramref name="text"/> looks on the wire as the host reads it: its UTF-8 bytes, one Latin-1 char each.</summary>
    public static string Wire(string text) => Encoding.Latin1.GetString(Encoding.UTF8.GetBytes(text));

    /// <summary>
    /// Returns (and consumes) whatever arrives until nothing new came for <paramref name="quiet"/>,
    /// the connection closes, or <paramref name="max"/> (default 10 s) has passed.
    /// </summary>
    public async Task<string> DrainAsync(TimeSpan quiet, TimeSpan? max = null)
    {
        var sw = Stopwatch.StartNew();
        var limit = max ?? DefaultTimeout;
        while (true)
        {
            Task changed;
            lock (_lock)
            {
                if (_closed || sw.Elapsed >= limit)
                {
                    return TakeAllLocked();
                }

                changed = _changed.Task;
            }

            var wait = quiet < limit - sw.Elapsed ? quiet : limit - sw.Elapsed;
            if (!await WaitSignalAsync(changed, wait))
            {
                lock (_lock)
                {
                    return TakeAllLocked();
                }
            }
        }
    }

    /// <summary>
    /// Waits until more than <paramref name="count"/> bytes are buffered, the connection closes or
    /// <paramref name="timeout"/> passes, without consuming anything; true if more data came.
    /// </summary>
    public async Task<bool> WaitForDataAsync(int count, TimeSpan timeout)
    {
        var sw = Stopwatch.StartNew();
        while (true)
        {
            Task changed;
            lock (_lock)
            {
                if (_count > count)
                {
                    return true;
                }

                if (_closed || sw.Elapsed >= timeout)
                {
                    return false;
                }

                changed = _changed.Task;
            }

            await WaitSignalAsync(changed, timeout - sw.Elapsed);
        }
    }

    /// <summary>Consumes and returns everything buffered right now, without waiting.</summary>
    public string TakeAll()
    {
        lock (_lock)
        {
            return TakeAllLocked();
        }
    }

    /// <summary>Waits until the remote side closes the connection.</summary>
    public async Task WaitClosedAsync(TimeSpan? timeout = null)
    {
        var t = timeout ?? DefaultTimeout;
        try
        {
            await _closedSignal.Task.WaitAsync(t);
        }
        catch (TimeoutException)
        {
            throw new TimeoutException(
                $"Connection still open after {t.TotalMilliseconds:0} ms. Pending data: \"{Escape(Pending)}\"");
        }
    }

    /// <summary>Closes both streams.</summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        _cts.Cancel();
        // Pipe reads may ignore cancellation; disposing the streams unblocks them.
        _input.Dispose();
        if (!ReferenceEquals(_input, _output))
        {
            try
            {
                _output.Dispose();
            }
            catch (IOException)
            {
                // Flushing a pipe whose reader is gone.
            }
        }

        try
        {
            await _readLoop.WaitAsync(TimeSpan.FromSeconds(2));
        }
        catch (TimeoutException)
        {
        }

        _cts.Dispose();
        _writeLock.Dispose();
    }

    private async Task ReadLoopAsync()
    {
        var chunk = new byte[16384];
        Exception? error = null;
        try
        {
            while (true)
            {
                var n = await _input.ReadAsync(chunk, _cts.Token);
                if (n == 0)
                {
                    break;
                }

                TaskCompletionSource old;
                lock (_lock)
                {
                    if (_count + n > _buffer.Length)
                    {
                        Array.Resize(ref _buffer, Math.Max(_buffer.Length * 2, _count + n));
                    }

                    Buffer.BlockCopy(chunk, 0, _buffer, _count, n);
                    _count += n;
                    _bytesReceived += n;
                    old = SwapChangedLocked();
                }

                old.TrySetResult();
            }
        }
        catch (Exception ex)
        {
            // After DisposeAsync any failure is just the teardown.
            if (!_cts.IsCancellationRequested)
            {
                error = ex;
            }
        }

        TaskCompletionSource last;
        lock (_lock)
        {
            _closed = true;
            _readError = error;
            last = SwapChangedLocked();
        }

        last.TrySetResult();
        _closedSignal.TrySetResult();
    }

    /// <summary>True if <paramref name="signal"/> completed within <paramref name="timeout"/>.</summary>
    private static async Task<bool> WaitSignalAsync(Task signal, TimeSpan timeout)
    {
        if (timeout <= TimeSpan.Zero)
        {
            return signal.IsCompleted;
        }

        try
        {
            await signal.WaitAsync(timeout);
            return true;
        }
        catch (TimeoutException)
        {
            return false;
        }
    }

    private TaskCompletionSource SwapChangedLocked()
    {
        var old = _changed;
        _changed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        return old;
    }

    private string TakeAllLocked()
    {
        var s = Encoding.Latin1.GetString(_buffer, 0, _count);
        _count = 0;
        return s;
    }

    private byte[] TakeLocked(int n)
    {
        var result = _buffer.AsSpan(0, n).ToArray();
        Buffer.BlockCopy(_buffer, n, _buffer, 0, _count - n);
        _count -= n;
        return result;
    }

    private async Task<byte[]> WaitAndTakeAsync(Matcher match, TimeSpan timeout, string what)
    {
        var sw = Stopwatch.StartNew();
        while (true)
        {
            Task changed;
            lock (_lock)
            {
                var n = match(_buffer.AsSpan(0, _count));
                if (n >= 0)
                {
                    return TakeLocked(n);
                }

                if (_closed)
                {
                    var why = _readError is null ? "closed by the remote side" : $"failed: {_readError.Message}";
                    throw new EndOfStreamException(
                        $"Connection {why} while waiting for {what}. Received so far: \"{Escape(Encoding.Latin1.GetString(_buffer, 0, _count))}\"");
                }

                changed = _changed.Task;
            }

            var remaining = timeout - sw.Elapsed;
            if (!await WaitSignalAsync(changed, remaining))
            {
                // One last look: data may have landed right at the deadline.
                lock (_lock)
                {
                    var n = match(_buffer.AsSpan(0, _count));
                    if (n >= 0)
                    {
                        return TakeLocked(n);
                    }

                    throw new TimeoutException(
                        $"Timed out after {timeout.TotalMilliseconds:0} ms waiting for {what}. Received so far: \"{Escape(Encoding.Latin1.GetString(_buffer, 0, _count))}\"");
                }
            }
        }
    }
}
