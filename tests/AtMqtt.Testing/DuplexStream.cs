namespace AtMqtt.Testing;

/// <summary>
/// One stream made of a stream to read and a stream to write (two pipe ends, a process's stdout and stdin);
/// optionally each read returns at most <c>maxRead()</c> bytes, as a UART driver hands over what it has.
/// </summary>
/// <param name="input">Where reads come from.</param>
/// <param name="output">Where writes go.</param>
/// <param name="maxRead">The most bytes one read returns (asked at each read); null for no limit.</param>
public sealed class DuplexStream(Stream input, Stream output, Func<int>? maxRead = null) : Stream
{
    /// <inheritdoc/>
    public override bool CanRead => true;

    /// <inheritdoc/>
    public override bool CanWrite => true;

    /// <inheritdoc/>
    public override bool CanSeek => false;

    /// <inheritdoc/>
    public override long Length => throw new NotSupportedException();

    /// <inheritdoc/>
    public override long Position
    {
        get => throw new NotSupportedException();
        set => throw new NotSupportedException();
    }

    /// <inheritdoc/>
    public override int Read(byte[] buffer, int offset, int count) => input.Read(buffer, offset, Limit(count));

    /// <inheritdoc/>
    public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) =>
        input.ReadAsync(buffer[..Limit(buffer.Length)], cancellationToken);

    /// <inheritdoc/>
    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        input.ReadAsync(buffer, offset, Limit(count), cancellationToken);

    /// <inheritdoc/>
    public override void Write(byte[] buffer, int offset, int count) => output.Write(buffer, offset, count);

    /// <inheritdoc/>
    public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default) =>
        output.WriteAsync(buffer, cancellationToken);

    /// <inheritdoc/>
    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        output.WriteAsync(buffer, offset, count, cancellationToken);

    /// <inheritdoc/>
    public override void Flush() => output.Flush();

    /// <inheritdoc/>
    public override Task FlushAsync(CancellationToken cancellationToken) => output.FlushAsync(cancellationToken);

    /// <inheritdoc/>
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    /// <inheritdoc/>
    public override void SetLength(long value) => throw new NotSupportedException();

    /// <summary>Disposes both streams.</summary>
    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            input.Dispose();
            output.Dispose();
        }

        base.Dispose(disposing);
    }

    private int Limit(int count) => maxRead is null ? count : Math.Min(count, maxRead());
}
