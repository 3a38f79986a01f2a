using System.IO.Pipelines;

using System.Buffers;

namespace AtMqtt.Core.Mqtt.Transport;

/// <summary>
/// Makes a stream with only blocking reads usable by MQTTnet, which keeps a read pending while it
/// writes: .NET's default async wrappers serialise both directions, so a publish would wait behind
/// the read. Here a thread of its own does the blocking reads into a pipe; writes go straight through.
/// </summary>
internal sealed class ThreadedReadStream : Stream
{
    private readonly Stream _inner;
    private readonly Pipe _pipe = new(new PipeOptions(pauseWriterThreshold: 1 << 20, resumeWriterThreshold: 1 << 19, useSynchronizationContext: false));
    private readonly Lock _writeLock = new();
    private readonly Action _onClose;

    public ThreadedReadStream(Stream inner, string name, Action onClose)
    {
        _inner = inner;
        _onClose = onClose;
        new Thread(ReadLoop) { IsBackground = true, Name = name }.Start();
    }

    public override bool CanRead => true;
    public override bool CanSeek => false;
    public override bool CanWrite => true;
    public override long Length => throw new NotSupportedException();
    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        var result = await _pipe.Reader.ReadAsync(cancellationToken).ConfigureAwait(false);
        var data = result.Buffer;
        int n = (int)Math.Min(data.Length, buffer.Length);
        data.Slice(0, n).CopyTo(buffer.Span);
        _pipe.Reader.AdvanceTo(data.GetPosition(n));
        return n; // 0 once the reader thread completed the pipe: end of stream
    }

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override int Read(byte[] buffer, int offset, int count) =>
        ReadAsync(buffer.AsMemory(offset, count)).AsTask().GetAwaiter().GetResult();

    public override void Write(byte[] buffer, int offset, int count)
    {
        lock (_writeLock)
        {
            _inner.Write(buffer, offset, count);
        }
    }

    public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
    {
        lock (_writeLock)
        {
            _inner.Write(buffer.Span);
        }

        return ValueTask.CompletedTask;
    }

    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override void Flush()
    {
        lock (_writeLock)
        {
            _inner.Flush();
        }
    }

    public override Task FlushAsync(CancellationToken cancellationToken)
    {
        Flush();
        return Task.CompletedTask;
    }

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            try
            {
                _onClose();
            }
            catch (Exception ex) when (ex is IOException or ObjectDisposedException or InvalidOperationException or Org.BouncyCastle.Tls.TlsFatalAlert)
            {
                // The socket is already gone (AT+RST cuts it first): there is no one to say goodbye to.
            }

            _inner.Dispose();
        }

        base.Dispose(disposing);
    }

    private void ReadLoop()
    {
        Exception? error = null;
        try
        {
            while (true)
            {
                var memory = _pipe.Writer.GetMemory(16 * 1024);
                int n = _inner.Read(memory.Span);
                if (n == 0)
                {
                    break;
                }

                _pipe.Writer.Advance(n);
                var flush = _pipe.Writer.FlushAsync().AsTask().GetAwaiter().GetResult();
                if (flush.IsCompleted)
                {
                    break;
                }
            }
        }
        catch (Exception ex)
        {
            error = new IOException("The TLS connection failed: " + ex.Message, ex);
        }

        _pipe.Writer.Complete(error);
    }
}
