using System.IO.Pipelines;
using System.Runtime.CompilerServices;

namespace AtMqtt.Cli.Channels;

/// <summary>
/// The slow-host-link fault on a line that <c>--baud</c> does not pace: passes bytes straight
/// through (one volatile read per read and flush) until <see cref="SetBaud"/> gives it a rate, then
/// hands the modem at most 50 ms worth of input at a time, each after the time those bytes take at
/// that rate, and holds each write to the host for the time it takes. A paced line
/// (<see cref="PacedPipe"/>) changes its own rate instead.
/// </summary>
internal sealed class SlowLinkPipe : IDuplexPipe
{
    private int _baud;

    // Set when SetBaud cancelled the modem's waiting read, so that its data is read again, slowly.
    private int _cancelled;

    private readonly PipeReader _innerInput;

    public SlowLinkPipe(IDuplexPipe inner)
    {
        _innerInput = inner.Input;
        Input = new SlowReader(this, inner.Input);
        Output = new SlowWriter(this, inner.Output);
    }

    public PipeReader Input { get; }

    public PipeWriter Output { get; }

    /// <summary>The rate imposed, or 0 for none.</summary>
    public int Baud => Volatile.Read(ref _baud);

    public void SetBaud(int baud)
    {
        Volatile.Write(ref _baud, baud);

        // The modem's read already waiting is on the fast path: cancelled, so that the next goes slowly.
        if (baud != 0)
        {
            Volatile.Write(ref _cancelled, 1);
            _innerInput.CancelPendingRead();
        }
    }

    private sealed class SlowReader(SlowLinkPipe owner, PipeReader inner) : PipeReader
    {
        public override ValueTask<ReadResult> ReadAsync(CancellationToken cancellationToken = default)
        {
            var read = inner.ReadAsync(cancellationToken);
            return read.IsCompletedSuccessfully && owner.Baud == 0 ? read : ContinueAsync(read, cancellationToken);
        }

        public override bool TryRead(out ReadResult result) => inner.TryRead(out result);

        public override void AdvanceTo(SequencePosition consumed) => inner.AdvanceTo(consumed);

        public override void AdvanceTo(SequencePosition consumed, SequencePosition examined) => inner.AdvanceTo(consumed, examined);

        public override void CancelPendingRead() => inner.CancelPendingRead();

        public override void Complete(Exception? exception = null) => inner.Complete(exception);

        // Pooled: a read that waits (the usual case) allocates nothing.
        [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
        private async ValueTask<ReadResult> ContinueAsync(ValueTask<ReadResult> read, CancellationToken cancellationToken)
        {
            var result = await read.ConfigureAwait(false);
            int baud = owner.Baud;
            if (baud == 0)
            {
                return result;
            }

            if (result.IsCanceled && Interlocked.Exchange(ref owner._cancelled, 0) == 1)
            {
                // SetBaud's own cancellation: nothing is handed on from it; the data is read again below.
                inner.AdvanceTo(result.Buffer.Start);
                result = await inner.ReadAsync(cancellationToken).ConfigureAwait(false);
            }

            if (result.Buffer.IsEmpty)
            {
                return result;
            }

            // 50 ms worth at a time: the modem sees the bytes arrive at the line's pace.
            long chunk = Math.Max(1, baud / 10 / 20);
            var slice = result.Buffer.Slice(0, Math.Min(chunk, result.Buffer.Length));
            await Task.Delay(PacedPipe.TimeFor(slice.Length, baud), cancellationToken).ConfigureAwait(false);
            return new ReadResult(slice, result.IsCanceled, result.IsCompleted && slice.Length == result.Buffer.Length);
        }
    }

    private sealed class SlowWriter(SlowLinkPipe owner, PipeWriter inner) : PipeWriter
    {
        private long _unflushed;

        // CancelPendingFlush (a host detached while a write waited) ends the wait too.
        private CancellationTokenSource _cancel = new();

        public override void Advance(int bytes)
        {
            _unflushed += bytes;
            inner.Advance(bytes);
        }

        public override Memory<byte> GetMemory(int sizeHint = 0) => inner.GetMemory(sizeHint);

        public override Span<byte> GetSpan(int sizeHint = 0) => inner.GetSpan(sizeHint);

        public override void CancelPendingFlush()
        {
            inner.CancelPendingFlush();
            Volatile.Read(ref _cancel).Cancel();
        }

        public override void Complete(Exception? exception = null) => inner.Complete(exception);

        public override ValueTask CompleteAsync(Exception? exception = null) => inner.CompleteAsync(exception);

        public override ValueTask<FlushResult> FlushAsync(CancellationToken cancellationToken = default)
        {
            long bytes = _unflushed;
            _unflushed = 0;
            int baud = owner.Baud;
            return baud == 0 ? inner.FlushAsync(cancellationToken) : FlushSlowlyAsync(bytes, baud, cancellationToken);
        }

        private async ValueTask<FlushResult> FlushSlowlyAsync(long bytes, int baud, CancellationToken cancellationToken)
        {
            var cancel = Volatile.Read(ref _cancel);
            using var either = CancellationTokenSource.CreateLinkedTokenSource(cancel.Token, cancellationToken);
            try
            {
                await Task.Delay(PacedPipe.TimeFor(bytes, baud), either.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (cancel.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
            {
                Volatile.Write(ref _cancel, new CancellationTokenSource());
                cancel.Dispose();
                return new FlushResult(isCanceled: true, isCompleted: false);
            }

            return await inner.FlushAsync(cancellationToken).ConfigureAwait(false);
        }
    }
}
