using System.Buffers.Binary;
using System.Runtime.InteropServices;

namespace AtMqtt.Cli.Channels;

/// <summary>
/// Counts who has a pty's slave open, from inotify's open and close events on its device node.
/// The master alone cannot tell: a host that closes and at once reopens the slave (pyserial's
/// <c>close(); open()</c>) clears the hang-up before anyone sees it. Every close that leaves no one
/// is a host leaving (<see cref="Departures"/>); the next open is a new host.
/// </summary>
internal sealed class SlaveWatcher : IDisposable
{
    private readonly int _fd;
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _loop;
    private readonly Lock _gate = new();
    private int _open;
    private int _departures;
    private TaskCompletionSource _changed = NewSignal();

    private SlaveWatcher(int fd)
    {
        _fd = fd;
        _loop = Task.Factory.StartNew(ReadLoop, CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);
    }

    /// <summary>Watches <paramref name="slavePath"/>; null if inotify is not available.</summary>
    public static SlaveWatcher? TryCreate(string slavePath)
    {
        int fd = Libc.InotifyInit1(Libc.ONonBlock | Libc.OCloExec);
        if (fd < 0)
        {
            return null;
        }

        if (Libc.InotifyAddWatch(fd, slavePath, Libc.InOpen | Libc.InCloseWrite | Libc.InCloseNoWrite) < 0)
        {
            Libc.Close(fd);
            return null;
        }

        return new SlaveWatcher(fd);
    }

    /// <summary>Someone has the slave open now.</summary>
    public bool HasHost
    {
        get
        {
            lock (_gate)
            {
                return _open > 0;
            }
        }
    }

    /// <summary>How many times the last opener closed the slave.</summary>
    public int Departures
    {
        get
        {
            lock (_gate)
            {
                return _departures;
            }
        }
    }

    /// <summary>Waits until someone has the slave open; false when cancelled.</summary>
    public async Task<bool> WaitForHostAsync(CancellationToken cancellationToken)
    {
        while (true)
        {
            Task changed;
            lock (_gate)
            {
                if (_open > 0)
                {
                    return true;
                }

                changed = _changed.Task;
            }

            try
            {
                await changed.WaitAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return false;
            }
        }
    }

    /// <summary>Completes when the number of departures is no longer <paramref name="departures"/>.</summary>
    public async Task WaitForDepartureAsync(int departures, CancellationToken cancellationToken)
    {
        while (true)
        {
            Task changed;
            lock (_gate)
            {
                if (_departures != departures)
                {
                    return;
                }

                changed = _changed.Task;
            }

            await changed.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    public void Dispose()
    {
        _stop.Cancel();
        _loop.Wait(TimeSpan.FromSeconds(2));
        Libc.Close(_fd);
        _stop.Dispose();
    }

    private static TaskCompletionSource NewSignal() => new(TaskCreationOptions.RunContinuationsAsynchronously);

    private unsafe void ReadLoop()
    {
        var buffer = new byte[4096];
        while (!_stop.IsCancellationRequested)
        {
            if ((Libc.PollOne(_fd, Libc.PollIn, FdStream.PollMs) & Libc.PollIn) == 0)
            {
                continue;
            }

            nint n;
            fixed (byte* p = buffer)
            {
                n = Libc.Read(_fd, p, (nuint)buffer.Length);
            }

            if (n <= 0)
            {
                int errno = Marshal.GetLastPInvokeError();
                if (n < 0 && errno is Libc.EAgain or Libc.EIntr)
                {
                    continue;
                }

                return;
            }

            // struct inotify_event { int wd; uint32_t mask, cookie, len; char name[len]; }
            for (int offset = 0; offset + 16 <= n;)
            {
                uint mask = BinaryPrimitives.ReadUInt32LittleEndian(buffer.AsSpan(offset + 4));
                int length = (int)BinaryPrimitives.ReadUInt32LittleEndian(buffer.AsSpan(offset + 12));
                offset += 16 + length;
                Apply(mask);
            }
        }
    }

    private void Apply(uint mask)
    {
        TaskCompletionSource? signal = null;
        lock (_gate)
        {
            if ((mask & Libc.InOpen) != 0)
            {
                _open++;
                signal = _changed;
            }
            else if ((mask & (Libc.InCloseWrite | Libc.InCloseNoWrite)) != 0 && _open > 0)
            {
                if (--_open == 0)
                {
                    _departures++;
                }

                signal = _changed;
            }

            if (signal is not null)
            {
                _changed = NewSignal();
            }
        }

        signal?.TrySetResult();
    }
}
