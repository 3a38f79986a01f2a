using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;

namespace AtMqtt.Cli.Channels;

/// <summary>
/// A <see cref="Stream"/> over a terminal descriptor (a pty master or slave) in non-blocking mode.
/// Reads and writes wait in poll(2) with a short timeout, so cancellation and <see cref="Dispose(bool)"/>
/// are noticed within <see cref="PollMs"/> and a read never outlives the stream: a read blocked in
/// the kernel on a closed descriptor would otherwise steal the bytes of the next opener. The other
/// side hanging up (EIO, POLLHUP) is the end of the stream; reads and writes run concurrently
/// (the base class's async defaults would serialise them). Every system call holds a reference on
/// the descriptor, so disposing never closes it under a call in progress, whose number the next
/// open could otherwise reuse.
/// </summary>
internal sealed class FdStream : Stream
{
    public const int PollMs = 50;

    private readonly bool _hangupEndsWrites;
    private readonly bool _sharedPoll;
    private readonly SafeFileHandle _handle;
    private readonly object _readGate = new();
    private Thread? _reader;
    private ReadRequest? _request;
    private bool _disposed;

    /// <param name="fd">An open descriptor.</param>
    /// <param name="ownsFd">Close it on dispose.</param>
    /// <param name="hangupEndsWrites">
    /// Refuse to write once the other side hung up. A pty master accepts (and keeps) bytes while no
    /// one has the slave open; they would reach the next host before its <c>ready</c>.
    /// </param>
    /// <param name="setNonBlocking">
    /// Switch the descriptor to non-blocking mode (the default). A descriptor shared with another
    /// process (stdin) stays blocking and is only read: reads wait in poll(2) first either way.
    /// </param>
    /// <param name="sharedPoll">
    /// Wait for the other side's bytes in the process's one poll loop (<see cref="PollLoop"/>) instead of a thread
    /// of this stream's own: a fleet's 1,000 pty hosts then cost no thread each. For a descriptor this stream
    /// does not own (a pty master, closed by its channel after the stream).
    /// </param>
    public FdStream(int fd, bool ownsFd, bool hangupEndsWrites = false, bool setNonBlocking = true, bool sharedPoll = false)
    {
        _handle = new SafeFileHandle(fd, ownsFd);
        _hangupEndsWrites = hangupEndsWrites;
        _sharedPoll = sharedPoll && !ownsFd && PollLoop.Shared.Value is not null;
        if (setNonBlocking)
        {
            Libc.SetNonBlocking(fd);
        }
    }

    public override bool CanRead => !_handle.IsClosed;

    public override bool CanWrite => !_handle.IsClosed;

    public override bool CanSeek => false;

    public override long Length => throw new NotSupportedException();

    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    public override int Read(Span<byte> buffer) => ReadCore(buffer, CancellationToken.None);

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        // Bytes already waiting are read inline; otherwise the wait runs on this stream's own reader
        // thread (a pool thread blocked in poll for as long as the host is quiet would starve the pool).
        if (buffer.Length == 0 || !Acquire(out int fd))
        {
            return ValueTask.FromResult(0);
        }

        short ready;
        try
        {
            ready = Libc.PollOne(fd, Libc.PollIn, 0);
        }
        finally
        {
            Release();
        }

        if ((ready & (Libc.PollIn | Libc.PollHup | Libc.PollErr | Libc.PollNval)) != 0)
        {
            return ValueTask.FromResult(ReadCore(buffer.Span, cancellationToken));
        }

        var request = new ReadRequest(buffer, cancellationToken);
        if (_sharedPoll)
        {
            PollLoop.Shared.Value!.Wait(this, request);
            return new ValueTask<int>(request.Done.Task);
        }

        lock (_readGate)
        {
            if (_reader is null)
            {
                _reader = new Thread(ReaderThread) { IsBackground = true, Name = "pty reader" };
                _reader.Start();
            }

            _request = request;
            Monitor.Pulse(_readGate);
        }

        return new ValueTask<int>(request.Done.Task);
    }

    public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));

    public override void Write(ReadOnlySpan<byte> buffer) => WriteCore(buffer, CancellationToken.None);

    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
    {
        // A terminal's buffer takes a few KB at once: the common case finishes inline.
        int written = TryWriteNow(buffer.Span);
        if (written == buffer.Length)
        {
            return ValueTask.CompletedTask;
        }

        var rest = buffer[written..];
        return new ValueTask(Task.Run(() => WriteCore(rest.Span, cancellationToken), CancellationToken.None));
    }

    public override void Flush()
    {
    }

    public override Task FlushAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    protected override void Dispose(bool disposing)
    {
        Thread? reader;
        lock (_readGate)
        {
            _disposed = true;
            reader = _reader;
            Monitor.Pulse(_readGate);
        }

        // The reader notices within PollMs: waiting for it makes the close happen now, as a host's
        // close(2) does. A deferred close would come after a reopen that follows at once (pyserial's
        // close(); open()), and the modem would see two openers overlap instead of a host leaving.
        // Generous: on a machine loaded to 40 a thread can wait over a second to run (a bound of 1 s
        // was the likely cause of a pty test's missing ready under the suite's stress).
        if (reader is not null && reader != Thread.CurrentThread)
        {
            reader.Join(TimeSpan.FromSeconds(15));
        }

        if (_sharedPoll)
        {
            // A read waiting in the poll loop ends as the reader thread's would: with the end of the stream.
            PollLoop.Shared.Value!.Forget(this);
        }

        // Closes once no system call holds the descriptor.
        _handle.Dispose();
        base.Dispose(disposing);
    }

    /// <summary>Holds the descriptor open for a system call; false once the stream is disposed.</summary>
    private bool Acquire(out int fd)
    {
        fd = -1;
        bool added = false;
        try
        {
            _handle.DangerousAddRef(ref added);
        }
        catch (ObjectDisposedException)
        {
            return false;
        }

        if (!added)
        {
            return false;
        }

        fd = checked((int)_handle.DangerousGetHandle());
        return true;
    }

    private void Release() => _handle.DangerousRelease();

    private void ReaderThread()
    {
        while (true)
        {
            ReadRequest request;
            lock (_readGate)
            {
                while (_request is null && !_disposed)
                {
                    Monitor.Wait(_readGate);
                }

                if (_request is null)
                {
                    return;
                }

                request = _request;
                _request = null;
            }

            try
            {
                request.Done.TrySetResult(ReadCore(request.Buffer.Span, request.CancellationToken));
            }
            catch (OperationCanceledException ex)
            {
                request.Done.TrySetCanceled(ex.CancellationToken);
            }
            catch (Exception ex)
            {
                request.Done.TrySetException(ex);
            }
        }
    }

    private unsafe int ReadCore(Span<byte> buffer, CancellationToken cancellationToken)
    {
        if (buffer.IsEmpty)
        {
            return 0;
        }

        while (true)
        {
            cancellationToken.ThrowIfCancellationRequested();
            if (Volatile.Read(ref _disposed) || !Acquire(out int fd))
            {
                return 0;
            }

            try
            {
                short revents = Libc.PollOne(fd, Libc.PollIn, PollMs);
                if (revents == 0)
                {
                    continue;
                }

                if ((revents & Libc.PollIn) == 0)
                {
                    // POLLHUP / POLLERR with nothing left to read: the other side is gone.
                    return 0;
                }

                nint n;
                fixed (byte* p = buffer)
                {
                    n = Libc.Read(fd, p, (nuint)buffer.Length);
                }

                if (n >= 0)
                {
                    return (int)n;
                }

                int errno = Marshal.GetLastPInvokeError();
                if (errno is Libc.EAgain or Libc.EIntr)
                {
                    continue;
                }

                if (errno == Libc.EIo)
                {
                    return 0;
                }

                throw Libc.Error("read");
            }
            finally
            {
                Release();
            }
        }
    }

    /// <summary>Writes what the terminal takes without waiting; returns how much that was.</summary>
    private unsafe int TryWriteNow(ReadOnlySpan<byte> buffer)
    {
        ObjectDisposedException.ThrowIf(!Acquire(out int fd), this);
        try
        {
            if (_hangupEndsWrites && (Libc.PollOne(fd, 0, 0) & Libc.PollHup) != 0)
            {
                throw new IOException("The other side of the terminal hung up.");
            }

            int done = 0;
            while (done < buffer.Length)
            {
                nint n;
                fixed (byte* p = buffer[done..])
                {
                    n = Libc.Write(fd, p, (nuint)(buffer.Length - done));
                }

                if (n > 0)
                {
                    done += (int)n;
                    continue;
                }

                int errno = Marshal.GetLastPInvokeError();
                if (errno == Libc.EIntr)
                {
                    continue;
                }

                if (errno == Libc.EAgain)
                {
                    return done;
                }

                throw Libc.Error("write");
            }

            return done;
        }
        finally
        {
            Release();
        }
    }

    private void WriteCore(ReadOnlySpan<byte> buffer, CancellationToken cancellationToken)
    {
        while (!buffer.IsEmpty)
        {
            cancellationToken.ThrowIfCancellationRequested();
            int n = TryWriteNow(buffer);
            buffer = buffer[n..];
            if (buffer.IsEmpty)
            {
                break;
            }

            ObjectDisposedException.ThrowIf(!Acquire(out int fd), this);
            try
            {
                short revents = Libc.PollOne(fd, Libc.PollOut, PollMs);
                if ((revents & (Libc.PollErr | Libc.PollNval)) != 0)
                {
                    throw new IOException("The terminal was closed while writing.");
                }
            }
            finally
            {
                Release();
            }
        }
    }

    /// <summary>
    /// One thread that waits, in one poll(2), for every <c>sharedPoll</c> stream's pending read; an eventfd wakes it
    /// when a read is added or taken away. A ready stream's read is done on this thread (the descriptor is
    /// non-blocking and has bytes: it does not wait) and its caller continues on the thread pool.
    /// </summary>
    private sealed class PollLoop
    {
        /// <summary>Made at the first shared stream, kept for the process's life; null where eventfd fails.</summary>
        public static readonly Lazy<PollLoop?> Shared = new(Create);

        private readonly int _wake;
        private readonly Lock _gate = new();
        private readonly Dictionary<FdStream, (ReadRequest Request, CancellationTokenRegistration Cancel)> _waiting = [];

        private PollLoop(int wake)
        {
            _wake = wake;
            new Thread(Run) { IsBackground = true, Name = "pty poll" }.Start();
        }

        public void Wait(FdStream stream, ReadRequest request)
        {
            lock (_gate)
            {
                // One read at a time per stream, as a PipeReader reads.
                _waiting[stream] = (request, default);
            }

            var cancel = request.CancellationToken.UnsafeRegister(_ => Cancel(stream, request), null);
            lock (_gate)
            {
                if (_waiting.TryGetValue(stream, out var entry) && entry.Request == request)
                {
                    _waiting[stream] = (request, cancel);
                }
            }

            Wake();
        }

        public void Forget(FdStream stream)
        {
            if (Take(stream, null) is { } request)
            {
                request.Done.TrySetResult(0);
            }

            Wake();
        }

        private static PollLoop? Create()
        {
            int fd = Libc.EventFd(0, Libc.ONonBlock | Libc.OCloExec);
            return fd < 0 ? null : new PollLoop(fd);
        }

        private void Cancel(FdStream stream, ReadRequest request)
        {
            if (Take(stream, request) is not null)
            {
                request.Done.TrySetCanceled(request.CancellationToken);
                Wake();
            }
        }

        /// <summary>Removes <paramref name="stream"/>'s waiting read (only if it is <paramref name="only"/>, when given).</summary>
        private ReadRequest? Take(FdStream stream, ReadRequest? only)
        {
            (ReadRequest Request, CancellationTokenRegistration Cancel) entry;
            lock (_gate)
            {
                if (!_waiting.TryGetValue(stream, out entry) || (only is not null && entry.Request != only))
                {
                    return null;
                }

                _waiting.Remove(stream);
            }

            entry.Cancel.Dispose();
            return entry.Request;
        }

        private unsafe void Wake()
        {
            ulong one = 1;
            Libc.Write(_wake, (byte*)&one, sizeof(ulong));
        }

        private unsafe void Run()
        {
            var streams = new List<FdStream>();
            var fds = new Libc.PollFd[1];
            while (true)
            {
                streams.Clear();
                lock (_gate)
                {
                    streams.AddRange(_waiting.Keys);
                }

                if (fds.Length < streams.Count + 1)
                {
                    fds = new Libc.PollFd[Math.Max(streams.Count + 1, fds.Length * 2)];
                }

                fds[0] = new Libc.PollFd { Fd = _wake, Events = Libc.PollIn };
                int count = 1;
                var held = new List<FdStream>(streams.Count);
                foreach (var stream in streams)
                {
                    // Held for the poll, so that the descriptor cannot be closed and its number reused under it.
                    if (stream.Acquire(out int fd))
                    {
                        held.Add(stream);
                        fds[count++] = new Libc.PollFd { Fd = fd, Events = Libc.PollIn };
                    }
                    else if (Take(stream, null) is { } gone)
                    {
                        gone.Done.TrySetResult(0);
                    }
                }

                int n = Libc.Poll(ref fds[0], (nuint)count, -1);
                for (int i = 0; i < held.Count; i++)
                {
                    held[i].Release();
                }

                if (n <= 0)
                {
                    continue;
                }

                if (fds[0].Revents != 0)
                {
                    ulong value;
                    Libc.Read(_wake, (byte*)&value, sizeof(ulong));
                }

                for (int i = 0; i < held.Count; i++)
                {
                    if (fds[i + 1].Revents == 0 || Take(held[i], null) is not { } request)
                    {
                        continue;
                    }

                    try
                    {
                        request.Done.TrySetResult(held[i].ReadCore(request.Buffer.Span, CancellationToken.None));
                    }
                    catch (Exception ex)
                    {
                        request.Done.TrySetException(ex);
                    }
                }
            }
        }
    }

    private sealed class ReadRequest(Memory<byte> buffer, CancellationToken cancellationToken)
    {
        public Memory<byte> Buffer { get; } = buffer;

        public CancellationToken CancellationToken { get; } = cancellationToken;

        public TaskCompletionSource<int> Done { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }
}
