using System.IO.Pipelines;
using AtMqtt.Core.Instrument;

namespace AtMqtt.Core.Output;

/// <summary>How a write changes the response state that gates URCs.</summary>
public enum ResponseEffect : byte
{
    /// <summary>Neither opens nor closes a response (<c>ready</c>, <c>busy p...</c>).</summary>
    Neutral,
    /// <summary>A response is under way (an echo, <c>OK</c> before a <c>&gt;</c> data phase): URCs wait.</summary>
    Open,
    /// <summary>The final result: URCs may follow.</summary>
    Close,
}

/// <summary>
/// The only code that writes to the host. Each write is atomic, and unsolicited lines are written
/// only while no response is open (SPEC section 2), so they can never land inside a response,
/// between <c>OK</c> and <c>&gt;</c>, or inside a data phase.
/// </summary>
public sealed class OutputWriter
{
    private readonly SemaphoreSlim _mutex = new(1, 1);
    private PipeWriter? _host;
    private bool _responseOpen;
    private bool _urcWaiting;

    // urc-in-prompt: the next URC may go out although a response is open, and this completes once it has
    // (true), or once no host can take it (false).
    private TaskCompletionSource<bool>? _admitOne;

    // From the start of a URC's write until its flush completed (busy-while-receiving).
    private volatile bool _urcWriting;

    // The last byte written was a CR: the end of an echo whose LF may still be on its way.
    private bool _endsInCr;
    private TaskCompletionSource _changed = NewSignal();

    /// <summary>Bytes written to hosts since start (for diagnostics and benchmarks).</summary>
    public long BytesWritten { get; private set; }

    /// <summary>The modem's counts: the bytes written to the host.</summary>
    internal CounterSet? Counters { get; init; }

    /// <summary>The modem's faults: uart-noise on the bytes to the host.</summary>
    internal FaultSet? Faults { get; set; }

    /// <summary>
    /// True from the start of a URC's write until its flush completed: on a paced line (<c>--baud</c>, a
    /// serial port, slow-host-link) for as long as the line takes to carry it (busy-while-receiving).
    /// </summary>
    public bool UrcWriting => _urcWriting;

    /// <summary>True while a host is attached.</summary>
    public bool HasHost => Volatile.Read(ref _host) is not null;

    /// <summary>Which host is attached: a response begun for one host is never finished on the next.</summary>
    public int HostGeneration => Volatile.Read(ref _hostGeneration);

    private int _hostGeneration;

    /// <summary>Attaches a host and writes <paramref name="greeting"/> to it before any queued line can go out.</summary>
    internal async ValueTask AttachAsync(PipeWriter host, ReadOnlyMemory<byte> greeting)
    {
        await _mutex.WaitAsync().ConfigureAwait(false);
        try
        {
            _host = host;
            Interlocked.Increment(ref _hostGeneration);

            // Whatever response the previous host left open is over for this one.
            _responseOpen = false;
            _endsInCr = false;
            await WriteLockedAsync(greeting, ReadOnlyMemory<byte>.Empty).ConfigureAwait(false);
            Signal();
        }
        finally
        {
            _mutex.Release();
        }
    }

    /// <summary>
    /// The reset pin: a response begun before now is dropped when it ends (<see cref="FinishAsync"/>
    /// sees another generation), as if a new host had attached.
    /// </summary>
    internal void Abandon() => Interlocked.Increment(ref _hostGeneration);

    /// <summary>The reset pin, done: no response is open any more, and the host gets <paramref name="ready"/>.</summary>
    internal async ValueTask ReadyAfterResetAsync(ReadOnlyMemory<byte> ready)
    {
        await _mutex.WaitAsync().ConfigureAwait(false);
        try
        {
            _responseOpen = false;
            _endsInCr = false;
            await WriteLockedAsync(ready, ReadOnlyMemory<byte>.Empty).ConfigureAwait(false);
            Signal();
        }
        finally
        {
            _mutex.Release();
        }
    }

    internal async ValueTask DetachAsync(PipeWriter host)
    {
        // A write blocked on a host that stopped reading would hold the mutex forever.
        host.CancelPendingFlush();
        await _mutex.WaitAsync().ConfigureAwait(false);
        if (ReferenceEquals(_host, host))
        {
            _host = null;

            // A prompt waiting to let a URC out would wait for nothing.
            _admitOne?.TrySetResult(false);
            _admitOne = null;
        }

        _mutex.Release();
    }

    /// <summary>
    /// The end of a response begun for the host of <paramref name="generation"/>: dropped if another
    /// host has attached since (the answer belongs to the host that asked).
    /// </summary>
    public async ValueTask<bool> FinishAsync(ReadOnlyMemory<byte> bytes, int generation)
    {
        await _mutex.WaitAsync().ConfigureAwait(false);
        try
        {
            if (generation != _hostGeneration)
            {
                return false;
            }

            _responseOpen = false;
            Signal();
            return await WriteLockedAsync(bytes, ReadOnlyMemory<byte>.Empty).ConfigureAwait(false);
        }
        finally
        {
            _mutex.Release();
        }
    }

    /// <summary>Writes part of a response (or a neutral line) in one piece; false when no host took it.</summary>
    public async ValueTask<bool> WriteAsync(ReadOnlyMemory<byte> first, ReadOnlyMemory<byte> second, ResponseEffect effect)
    {
        await _mutex.WaitAsync().ConfigureAwait(false);
        try
        {
            if (effect == ResponseEffect.Open)
            {
                _responseOpen = true;
            }
            else if (effect == ResponseEffect.Close)
            {
                _responseOpen = false;
                Signal();
            }

            return await WriteLockedAsync(first, second).ConfigureAwait(false);
        }
        finally
        {
            _mutex.Release();
        }
    }

    public ValueTask<bool> WriteAsync(ReadOnlyMemory<byte> bytes, ResponseEffect effect) =>
        WriteAsync(bytes, ReadOnlyMemory<byte>.Empty, effect);

    /// <summary>
    /// Writes an unsolicited line once no response is open and a host is attached; completes only
    /// when the bytes went to the host (the caller may then acknowledge the message to the broker).
    /// </summary>
    /// <param name="urc">The lines.</param>
    /// <param name="cancellationToken">Ends the wait for a host or the end of a response.</param>
    /// <param name="beforeWrite">Called once the bytes are about to be written (a scenario's URC trigger).</param>
    public ValueTask WriteUrcAsync(ReadOnlyMemory<byte> urc, CancellationToken cancellationToken, Action? beforeWrite = null) =>
        WriteUrcAsync(() => urc, cancellationToken, beforeWrite);

    /// <summary>
    /// As <see cref="WriteUrcAsync(ReadOnlyMemory{byte}, CancellationToken, Action?)"/>, with the lines composed
    /// only once they may go out (<paramref name="compose"/> runs once, under the writer's lock): a line whose link
    /// was closed while a response held it back is left out then, not written after all. Nothing is written when
    /// nothing is left.
    /// </summary>
    public async ValueTask WriteUrcAsync(Func<ReadOnlyMemory<byte>> compose, CancellationToken cancellationToken, Action? beforeWrite = null)
    {
        ReadOnlyMemory<byte>? composed = null;
        while (true)
        {
            Task changed;
            await _mutex.WaitAsync(cancellationToken).ConfigureAwait(false);
            try
            {
                if ((!_responseOpen || _admitOne is not null) && _host is not null)
                {
                    composed ??= compose();
                    var urc = composed.Value;
                    if (urc.IsEmpty)
                    {
                        return;
                    }

                    beforeWrite?.Invoke();
                    beforeWrite = null;
                    bool written;
                    _urcWriting = true;
                    try
                    {
                        written = await WriteLockedAsync(urc, ReadOnlyMemory<byte>.Empty).ConfigureAwait(false);
                    }
                    finally
                    {
                        _urcWriting = false;
                    }

                    // Admitted into a prompt or not, the admission is over: the URC went out, or the host is gone.
                    _admitOne?.TrySetResult(written);
                    _admitOne = null;
                    if (written)
                    {
                        return;
                    }
                }

                _urcWaiting = true;
                changed = _changed.Task;
            }
            finally
            {
                _mutex.Release();
            }

            await changed.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// urc-in-prompt: lets the next queued URC out although a response is open (between <c>OK</c> and
    /// <c>&gt;</c>); true once it went out, false if none did within <paramref name="wait"/>.
    /// </summary>
    internal Task<bool> AdmitOneUrcAsync(TimeSpan wait) => AdmitOneUrcAsync(Task.Delay(wait));

    /// <summary>
    /// urc-in-prompt: lets the next queued URC out although a response is open; true once it went out,
    /// false once <paramref name="giveUp"/> completed first or no host could take it.
    /// </summary>
    internal async Task<bool> AdmitOneUrcAsync(Task giveUp)
    {
        var admitted = new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously);
        await _mutex.WaitAsync().ConfigureAwait(false);
        try
        {
            if (_host is null)
            {
                return false;
            }

            _admitOne = admitted;
            _urcWaiting = true;
            Signal();
        }
        finally
        {
            _mutex.Release();
        }

        if (await Task.WhenAny(admitted.Task, giveUp).ConfigureAwait(false) == admitted.Task)
        {
            return admitted.Task.Result;
        }

        await _mutex.WaitAsync().ConfigureAwait(false);
        bool took = admitted.Task.IsCompleted && admitted.Task.Result;
        if (ReferenceEquals(_admitOne, admitted))
        {
            _admitOne = null;
        }

        _mutex.Release();
        return took;
    }

    private async ValueTask<bool> WriteLockedAsync(ReadOnlyMemory<byte> first, ReadOnlyMemory<byte> second)
    {
        var host = _host;
        if (host is null)
        {
            return false;
        }

        try
        {
            int length = first.Length + second.Length;
            if (length == 0)
            {
                return true;
            }

            // After an echo that ended in a lone CR, what follows starts on a line of its own, however
            // the host's bytes were cut (behaviour.md, Framing); a response's own CR LF does that already.
            int lf = _endsInCr && !BeginsWithCrLf(first.Span, second.Span) ? 1 : 0;
            var span = host.GetSpan(lf + length);
            if (lf == 1)
            {
                span[0] = (byte)'\n';
            }

            first.Span.CopyTo(span[lf..]);
            second.Span.CopyTo(span[(lf + first.Length)..]);
            _endsInCr = (second.IsEmpty ? first.Span[^1] : second.Span[^1]) == (byte)'\r';
            length += lf;
            if (Faults is { Any: true } faults && faults.Noise(toHost: true) is { } noise)
            {
                length = noise.Apply(span[..length], span);
            }

            host.Advance(length);
            var result = await host.FlushAsync().ConfigureAwait(false);
            if (result.IsCompleted || result.IsCanceled)
            {
                _host = null;
                return false;
            }

            BytesWritten += length;
            Counters?.HostSent(length);
            return true;
        }
        catch (Exception ex) when (ex is IOException or ObjectDisposedException or InvalidOperationException or OperationCanceledException)
        {
            // The host went away mid-write; the session's reader notices and detaches.
            _host = null;
            return false;
        }
    }

    private static bool BeginsWithCrLf(ReadOnlySpan<byte> first, ReadOnlySpan<byte> second)
    {
        if (first.Length >= 2 || second.IsEmpty)
        {
            return first.StartsWith("\r\n"u8);
        }

        return first.IsEmpty ? second.StartsWith("\r\n"u8) : first[0] == (byte)'\r' && second[0] == (byte)'\n';
    }

    private void Signal()
    {
        if (_urcWaiting)
        {
            _urcWaiting = false;
            var old = _changed;
            _changed = NewSignal();
            old.TrySetResult();
        }
    }

    private static TaskCompletionSource NewSignal() => new(TaskCreationOptions.RunContinuationsAsynchronously);
}
