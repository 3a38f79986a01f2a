using System.IO.Pipelines;
using System.Net.Sockets;
using System.Runtime.InteropServices;

namespace AtMqtt.Cli.Channels;

/// <summary>
/// A TCP host's connection as the modem's pipe, with one wake-up between the host's bytes and the
/// modem's answer (Linux). A thread of its own blocks in recv(2) and hands what it read to the modem
/// through a pipe whose reader runs inline, so a command that completes at once is framed, executed
/// and answered on the thread the kernel woke, and its answer leaves with a non-blocking send(2) from
/// there. A NetworkStream costs two wake-ups and a thread-pool hop per command instead: the socket
/// engine's epoll thread, then a pool thread that reads and runs the modem (docs/performance.md).
/// </summary>
/// <remarks>
/// The descriptor stays blocking: .NET switches a socket to non-blocking for good at its first
/// asynchronous call, and then serves blocking calls through its epoll thread too. So writes use
/// send(2) with MSG_DONTWAIT, and only what the kernel cannot take at once (a host that does not
/// read) goes through <see cref="Socket.SendAsync(ReadOnlyMemory{byte}, SocketFlags, CancellationToken)"/>,
/// which waits without holding a thread; the reads after that still work, one wake-up dearer.
/// The reader thread starts with the modem's first read, not before: bytes a host sends before
/// <c>ready</c> are read after it, as they were through a NetworkStream.
/// </remarks>
internal sealed class SocketHostPipe : IDuplexPipe, IAsyncDisposable
{
    // Enough for the engine's deepest inline path (a command that publishes through MQTTnet at once).
    private const int ReaderStackBytes = 512 * 1024;

    private readonly Socket _socket;
    private readonly Pipe _received;
    private readonly PipeWriter _output;
    private Thread? _reader;
    private int _started;

    public SocketHostPipe(Socket socket)
    {
        _socket = socket;

        // Inline: the modem's read loop runs inside the reader thread's flush. Paused at 64 KB, so a
        // host that sends faster than the modem executes is held back by TCP, as before.
        _received = new Pipe(new PipeOptions(
            readerScheduler: PipeScheduler.Inline,
            writerScheduler: PipeScheduler.Inline,
            pauseWriterThreshold: 64 * 1024,
            resumeWriterThreshold: 32 * 1024,
            useSynchronizationContext: false));
        Input = new StartingReader(this, _received.Reader);
        _output = PipeWriter.Create(new SendStream(socket), new StreamPipeWriterOptions(leaveOpen: true));
    }

    /// <summary>True where the direct path exists (Linux); elsewhere a channel uses a NetworkStream.</summary>
    public static bool Supported => OperatingSystem.IsLinux();

    public PipeReader Input { get; }

    public PipeWriter Output => _output;

    /// <summary>Ends the connection now: a blocked recv(2) returns, and the reader thread ends.</summary>
    public void Abort()
    {
        try
        {
            _socket.Shutdown(SocketShutdown.Both);
        }
        catch (Exception ex) when (ex is SocketException or ObjectDisposedException)
        {
        }

        _socket.Dispose();
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            await _output.CompleteAsync().ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is IOException or ObjectDisposedException)
        {
            // The host has gone: nothing left unsent matters.
        }

        Abort();
        await _received.Reader.CompleteAsync().ConfigureAwait(false);
        if (_reader is { } reader && reader != Thread.CurrentThread)
        {
            // Shut down, the socket's recv(2) returns at once; the bound is for a machine under load.
            await Task.Run(() => reader.Join(TimeSpan.FromSeconds(15))).ConfigureAwait(false);
        }
    }

    private void StartReader()
    {
        if (Interlocked.Exchange(ref _started, 1) == 0)
        {
            _reader = new Thread(ReadLoop, ReaderStackBytes) { IsBackground = true, Name = "tcp host" };
            _reader.Start();
        }
    }

    private void ReadLoop()
    {
        var writer = _received.Writer;
        Exception? error = null;
        try
        {
            while (true)
            {
                var memory = writer.GetMemory(4096);
                int n = _socket.Receive(memory.Span, SocketFlags.None);
                if (n == 0)
                {
                    break;
                }

                writer.Advance(n);

                // The modem reads, executes and answers in here; it waits only when it is 64 KB behind.
                var flush = writer.FlushAsync();
                var result = flush.IsCompletedSuccessfully ? flush.Result : flush.AsTask().GetAwaiter().GetResult();
                if (result.IsCompleted)
                {
                    break;
                }
            }
        }
        catch (SocketException ex)
        {
            // As a NetworkStream reports it (a reset host is an IOException to the channel).
            error = new IOException(ex.Message, ex);
        }
        catch (Exception ex)
        {
            error = ex;
        }

        writer.Complete(error);
    }

    /// <summary>The modem's input: starts the reader thread with the first read.</summary>
    private sealed class StartingReader(SocketHostPipe owner, PipeReader inner) : PipeReader
    {
        public override ValueTask<ReadResult> ReadAsync(CancellationToken cancellationToken = default)
        {
            owner.StartReader();
            return inner.ReadAsync(cancellationToken);
        }

        public override bool TryRead(out ReadResult result) => inner.TryRead(out result);

        public override void AdvanceTo(SequencePosition consumed) => inner.AdvanceTo(consumed);

        public override void AdvanceTo(SequencePosition consumed, SequencePosition examined) => inner.AdvanceTo(consumed, examined);

        public override void CancelPendingRead() => inner.CancelPendingRead();

        public override void Complete(Exception? exception = null) => inner.Complete(exception);
    }

    /// <summary>Writes with send(2, MSG_DONTWAIT) while the kernel takes them, so the descriptor stays blocking.</summary>
    private sealed class SendStream(Socket socket) : Stream
    {
        private bool _async;

        public override bool CanRead => false;

        public override bool CanSeek => false;

        public override bool CanWrite => true;

        public override long Length => throw new NotSupportedException();

        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

        public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
        {
            int sent = _async ? 0 : SendNow(buffer.Span);
            return sent == buffer.Length ? ValueTask.CompletedTask : SendRestAsync(buffer[sent..], cancellationToken);
        }

        public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
            WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

        public override void Write(byte[] buffer, int offset, int count) => WriteAsync(buffer.AsMemory(offset, count)).AsTask().GetAwaiter().GetResult();

        public override void Flush()
        {
        }

        public override Task FlushAsync(CancellationToken cancellationToken) => Task.CompletedTask;

        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        private async ValueTask SendRestAsync(ReadOnlyMemory<byte> rest, CancellationToken cancellationToken)
        {
            // From here on the socket is non-blocking (.NET's own waits); so are this stream's writes.
            _async = true;
            try
            {
                while (!rest.IsEmpty)
                {
                    rest = rest[await socket.SendAsync(rest, SocketFlags.None, cancellationToken).ConfigureAwait(false)..];
                }
            }
            catch (SocketException ex)
            {
                throw new IOException(ex.Message, ex);
            }
        }

        /// <summary>What the kernel takes now, without waiting.</summary>
        private unsafe int SendNow(ReadOnlySpan<byte> bytes)
        {
            var handle = socket.SafeHandle;
            bool added = false;
            handle.DangerousAddRef(ref added);
            try
            {
                int fd = checked((int)handle.DangerousGetHandle());
                int sent = 0;
                fixed (byte* p = bytes)
                {
                    while (sent < bytes.Length)
                    {
                        nint n = Libc.Send(fd, p + sent, (nuint)(bytes.Length - sent), Libc.MsgDontWait | Libc.MsgNoSignal);
                        if (n >= 0)
                        {
                            sent += (int)n;
                            continue;
                        }

                        int errno = Marshal.GetLastPInvokeError();
                        if (errno == Libc.EIntr)
                        {
                            continue;
                        }

                        if (errno == Libc.EAgain)
                        {
                            break;
                        }

                        throw new IOException($"send: {Marshal.GetPInvokeErrorMessage(errno)} (errno {errno})", errno);
                    }
                }

                return sent;
            }
            finally
            {
                if (added)
                {
                    handle.DangerousRelease();
                }
            }
        }
    }
}
