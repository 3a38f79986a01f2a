using System.Buffers;
using System.Diagnostics;
using System.IO.Pipelines;

namespace AtMqtt.Cli.Channels;

/// <summary>
/// <c>--baud N</c>: wraps a host pipe to the timing of a UART at N baud, 10 bits a byte (8N1). Each
/// direction has its own clock, as a UART is full duplex: a byte the host sends reaches the modem
/// only when its stop bit would have, and a byte the modem writes leaves only when the line is free
/// (a flush completes when its last byte has gone). The rate can change at run time
/// (<see cref="SetBaud"/>): at once, or after the next write, which is how AT+UART_CUR's own
/// <c>OK</c> goes out at the old rate.
/// </summary>
internal sealed class PacedPipe : IDuplexPipe, IAsyncDisposable
{
    private readonly IDuplexPipe _inner;
    private readonly Pipe _input;
    private readonly PacedWriter _output;
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _pump;
    private readonly Lock _gate = new();
    private readonly LineClock _rxClock = new();
    private readonly LineClock _txClock = new();
    private int _baud;
    private int _pendingBaud;

    public PacedPipe(IDuplexPipe inner, int baud)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(baud, 1);
        _inner = inner;
        _baud = baud;
        _input = new Pipe(new PipeOptions(pauseWriterThreshold: 16 * 1024, resumeWriterThreshold: 8 * 1024, useSynchronizationContext: false));
        _output = new PacedWriter(this, inner.Output);
        _pump = Task.Run(PumpInputAsync);
    }

    /// <summary>The rate the line runs at now.</summary>
    public int Baud
    {
        get
        {
            lock (_gate)
            {
                return _baud;
            }
        }
    }

    /// <summary>Raised (on the thread that made the change effective) when <see cref="Baud"/> changes.</summary>
    public event Action<int>? BaudChanged;

    public PipeReader Input => _input.Reader;

    public PipeWriter Output => _output;

    /// <summary>
    /// Changes the rate: at once, or (<paramref name="afterNextWrite"/>) once the next write to the
    /// host has gone out at the current rate. Both directions change together.
    /// </summary>
    public void SetBaud(int baud, bool afterNextWrite)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(baud, 1);
        if (afterNextWrite)
        {
            lock (_gate)
            {
                _pendingBaud = baud;
            }

            return;
        }

        Apply(baud);
    }

    public async ValueTask DisposeAsync()
    {
        _stop.Cancel();
        try
        {
            await _pump.ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
        }

        _stop.Dispose();
    }

    /// <summary>Time for <paramref name="bytes"/> at <paramref name="baud"/>, 10 bits a byte.</summary>
    public static TimeSpan TimeFor(long bytes, int baud) => TimeSpan.FromSeconds(bytes * 10.0 / baud);

    private void Apply(int baud)
    {
        bool changed;
        lock (_gate)
        {
            _pendingBaud = 0;
            changed = _baud != baud;
            _baud = baud;
        }

        if (changed)
        {
            BaudChanged?.Invoke(baud);
        }
    }

    private void ApplyPending()
    {
        int pending;
        lock (_gate)
        {
            pending = _pendingBaud;
        }

        if (pending != 0)
        {
            Apply(pending);
        }
    }

    private double TicksPerByte()
    {
        lock (_gate)
        {
            return Stopwatch.Frequency * 10.0 / _baud;
        }
    }

    private async Task PumpInputAsync()
    {
        var source = _inner.Input;
        var target = _input.Writer;
        Exception? error = null;
        try
        {
            while (true)
            {
                // Bytes that were already waiting continue the stream; only after waiting for the
                // host may the line have been idle.
                var read = source.ReadAsync(_stop.Token);
                bool continuing = read.IsCompleted;
                var result = await read.ConfigureAwait(false);
                var buffer = result.Buffer;
                foreach (var segment in buffer)
                {
                    int done = 0;
                    while (done < segment.Length)
                    {
                        int n = await _rxClock.WaitForBytesAsync(segment.Length - done, continuing, TicksPerByte, _stop.Token).ConfigureAwait(false);
                        continuing = true;
                        target.Write(segment.Span.Slice(done, n));
                        done += n;
                        var flush = await target.FlushAsync(_stop.Token).ConfigureAwait(false);
                        if (flush.IsCompleted)
                        {
                            // The modem stopped reading: nothing more to deliver.
                            source.AdvanceTo(buffer.End);
                            return;
                        }
                    }
                }

                source.AdvanceTo(buffer.End);
                if (result.IsCompleted)
                {
                    break;
                }
            }
        }
        catch (OperationCanceledException) when (_stop.IsCancellationRequested)
        {
        }
        catch (Exception ex) when (ex is IOException or ObjectDisposedException or InvalidOperationException)
        {
            error = ex;
        }
        finally
        {
            await target.CompleteAsync(error).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// One direction of the line: when its next byte may start. Bytes are released as their stop bit
    /// passes, checked at least every millisecond (the last millisecond of a write by a short spin,
    /// since a timer would wake a millisecond late), so the average rate is exact.
    /// </summary>
    /// <remarks>
    /// Timers wake late by up to a millisecond or so. If the line counted as idle whenever a write
    /// came after the last byte's due time, every write would lose that lateness and a stream of
    /// small writes would run well below the rate. So bytes that were already waiting (the rest of a
    /// write, the next read of a stream) continue the line's clock, and so do bytes that come within
    /// the slack of the last release (however late that release was): only a longer pause restarts
    /// it. A stall of the process (a GC, a loaded machine) is made up for at most
    /// <see cref="MaxCatchUp"/>, so no long burst follows it.
    /// </remarks>
    private sealed class LineClock
    {
        private static readonly long OneMs = Stopwatch.Frequency / 1000;
        private static readonly long Slack = 2 * OneMs;
        private static readonly long MaxCatchUp = 50 * OneMs;

        // Stopwatch ticks at which the line is free again (the end of the last byte released).
        private double _freeAt;
        private long _lastRelease;
        private bool _used;

        /// <summary>
        /// Waits until at least one of the next <paramref name="wanted"/> bytes has passed the line,
        /// and returns how many have (1..wanted); the rate is read again at every step.
        /// <paramref name="continuing"/>: these bytes were waiting behind the previous ones (the
        /// line was never idle), whatever the timers' lateness.
        /// </summary>
        public async ValueTask<int> WaitForBytesAsync(int wanted, bool continuing, Func<double> ticksPerByte, CancellationToken cancellationToken)
        {
            long now = Stopwatch.GetTimestamp();
            if (!_used || (!continuing && now - _lastRelease > Slack))
            {
                _freeAt = now; // the line was idle: this byte starts now
                _used = true;
            }
            else if (_freeAt < now - MaxCatchUp)
            {
                _freeAt = now - MaxCatchUp; // a long stall is not made up in one burst
            }

            while (true)
            {
                double tpb = ticksPerByte();
                now = Stopwatch.GetTimestamp();
                long passed = (long)((now - _freeAt) / tpb);
                if (passed >= 1)
                {
                    int n = (int)Math.Min(passed, wanted);
                    _freeAt += n * tpb;
                    _lastRelease = now;
                    return n;
                }

                double end = _freeAt + (wanted * tpb);
                if (end - now < OneMs)
                {
                    // The rest of the write is due within a millisecond: a timer would wake too late
                    // (about 1 ms on top), so wait for it on this thread, briefly.
                    var spinner = default(SpinWait);
                    while (Stopwatch.GetTimestamp() < end)
                    {
                        cancellationToken.ThrowIfCancellationRequested();
                        spinner.SpinOnce(sleep1Threshold: -1);
                    }

                    continue;
                }

                long due = (long)(_freeAt + tpb) - now;
                await Task.Delay(TimeSpan.FromTicks(Math.Max(due, OneMs) * TimeSpan.TicksPerSecond / Stopwatch.Frequency), cancellationToken).ConfigureAwait(false);
            }
        }
    }

    /// <summary>
    /// Collects what the modem writes and, on flush, lets it out to the host at the line's rate; the
    /// flush completes when the last byte has gone (then a pending rate change takes effect).
    /// </summary>
    private sealed class PacedWriter(PacedPipe owner, PipeWriter inner) : PipeWriter
    {
        private readonly ArrayBufferWriter<byte> _pending = new(4096);
        private readonly Lock _cancelGate = new();
        private CancellationTokenSource? _flushing;
        private bool _cancelRequested;

        public override void Advance(int bytes) => _pending.Advance(bytes);

        public override Memory<byte> GetMemory(int sizeHint = 0) => _pending.GetMemory(sizeHint);

        public override Span<byte> GetSpan(int sizeHint = 0) => _pending.GetSpan(sizeHint);

        public override bool CanGetUnflushedBytes => true;

        public override long UnflushedBytes => _pending.WrittenCount;

        public override void CancelPendingFlush()
        {
            lock (_cancelGate)
            {
                _cancelRequested = true;
                _flushing?.Cancel();
            }

            inner.CancelPendingFlush();
        }

        public override void Complete(Exception? exception = null) => inner.Complete(exception);

        public override ValueTask CompleteAsync(Exception? exception = null) => inner.CompleteAsync(exception);

        public override async ValueTask<FlushResult> FlushAsync(CancellationToken cancellationToken = default)
        {
            using var flushing = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, owner._stop.Token);
            lock (_cancelGate)
            {
                if (_cancelRequested)
                {
                    _cancelRequested = false;
                    return new FlushResult(isCanceled: true, isCompleted: false);
                }

                _flushing = flushing;
            }

            var bytes = _pending.WrittenMemory;
            int sent = 0;
            try
            {
                while (sent < bytes.Length)
                {
                    int n = await owner._txClock.WaitForBytesAsync(bytes.Length - sent, sent > 0, owner.TicksPerByte, flushing.Token).ConfigureAwait(false);
                    inner.Write(bytes.Span.Slice(sent, n));
                    sent += n;
                    var result = await inner.FlushAsync(flushing.Token).ConfigureAwait(false);
                    if (result.IsCompleted || result.IsCanceled)
                    {
                        return result;
                    }
                }
            }
            catch (OperationCanceledException) when (flushing.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
            {
                return new FlushResult(isCanceled: true, isCompleted: false);
            }
            finally
            {
                _pending.ResetWrittenCount();
                lock (_cancelGate)
                {
                    _flushing = null;
                    _cancelRequested = false;
                }
            }

            if (sent > 0)
            {
                owner.ApplyPending();
            }

            return new FlushResult(isCanceled: false, isCompleted: false);
        }
    }
}
