using System.Buffers;
using System.IO.Pipelines;

namespace AtMqtt.Cli.Transcript;

/// <summary>What a tap reports bytes to: the transcript's <see cref="TrafficRecorder"/>, the control API's line events.</summary>
internal interface IByteObserver
{
    /// <summary>Bytes that just passed <paramref name="direction"/>.</summary>
    void Record(Direction direction, ReadOnlySpan<byte> bytes);
}

/// <summary>
/// Wraps a <see cref="PipeReader"/> and reports each byte once, when it is first read (bytes
/// examined but not consumed come back on the next read and are not reported again).
/// </summary>
internal sealed class TapReader(PipeReader inner, IByteObserver recorder, Direction direction) : PipeReader
{
    private ReadOnlySequence<byte> _last;
    private long _seen;

    public override async ValueTask<ReadResult> ReadAsync(CancellationToken cancellationToken = default)
    {
        var result = await inner.ReadAsync(cancellationToken).ConfigureAwait(false);
        Observe(result.Buffer);
        return result;
    }

    public override bool TryRead(out ReadResult result)
    {
        if (!inner.TryRead(out result))
        {
            return false;
        }

        Observe(result.Buffer);
        return true;
    }

    public override void AdvanceTo(SequencePosition consumed) => AdvanceTo(consumed, consumed);

    public override void AdvanceTo(SequencePosition consumed, SequencePosition examined)
    {
        _seen -= _last.Slice(_last.Start, consumed).Length;
        _last = default;
        inner.AdvanceTo(consumed, examined);
    }

    public override void CancelPendingRead() => inner.CancelPendingRead();

    public override void Complete(Exception? exception = null) => inner.Complete(exception);

    public override ValueTask CompleteAsync(Exception? exception = null) => inner.CompleteAsync(exception);

    private void Observe(ReadOnlySequence<byte> buffer)
    {
        _last = buffer;
        if (buffer.Length <= _seen)
        {
            return;
        }

        foreach (var segment in buffer.Slice(_seen))
        {
            recorder.Record(direction, segment.Span);
        }

        _seen = buffer.Length;
    }
}

/// <summary>Wraps a <see cref="PipeWriter"/> and reports the bytes written to it as they are committed.</summary>
internal sealed class TapWriter(PipeWriter inner, IByteObserver recorder, Direction direction) : PipeWriter
{
    private Memory<byte> _last;

    public override Memory<byte> GetMemory(int sizeHint = 0) => _last = inner.GetMemory(sizeHint);

    public override Span<byte> GetSpan(int sizeHint = 0) => (_last = inner.GetMemory(sizeHint)).Span;

    public override void Advance(int bytes)
    {
        recorder.Record(direction, _last.Span[..bytes]);
        _last = _last[bytes..];
        inner.Advance(bytes);
    }

    public override ValueTask<FlushResult> FlushAsync(CancellationToken cancellationToken = default) => inner.FlushAsync(cancellationToken);

    public override void CancelPendingFlush() => inner.CancelPendingFlush();

    public override void Complete(Exception? exception = null) => inner.Complete(exception);

    public override ValueTask CompleteAsync(Exception? exception = null) => inner.CompleteAsync(exception);
}
