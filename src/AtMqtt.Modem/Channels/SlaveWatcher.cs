using System.Buffers.Binary;
using System.Runtime.InteropServices;

namespace AtMqtt.Cli.Channels;

/// <summary>
/// Counts who has a pty's slave open, from inotify's open and close events on its device node.
/// The master alone cannot tell: a host that closes and at once reopens the slave (pyserial's
/// <c>close(); open()</c>) clears the hang-up before anyone sees it. Every close that leaves no one
/// is a host leaving (<see cref="Departures"/>); the next open is a new host.
/// </summary>
/// <remarks>
/// Every watcher of the process shares one inotify instance and one thread (<see cref="Hub"/>): the kernel
/// allows a user 128 instances by default (fs.inotify.max_user_instances), and <c>--count 1000</c> ptys
/// must not cost 1,000 threads. Watches are cheap (fs.inotify.max_user_watches, 8,192 or more).
/// </remarks>
internal sealed class SlaveWatcher : IDisposable
{
    private readonly Hub _hub;
    private readonly int _wd;
    private readonly Lock _gate = new();
    private int _open;
    private int _departures;
    private TaskCompletionSource _changed = NewSignal();

    private SlaveWatcher(Hub hub, int wd)
    {
        _hub = hub;
        _wd = wd;
    }

    /// <summary>Watches <paramref name="slavePath"/>; null if inotify is not available.</summary>
    public static SlaveWatcher? TryCreate(string slavePath) => Hub.Shared.Value?.Watch(slavePath);

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

    public void Dispose() => _hub.Unwatch(_wd);

    private static TaskCompletionSource NewSignal() => new(TaskCreationOptions.RunContinuationsAsynchronously);

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

    /// <summary>The process's one inotify instance and the thread that hands its events to the watchers by watch descriptor.</summary>
    private sealed class Hub
    {
        /// <summary>Made at the first <c>--pty</c>, kept for the process's life; null where inotify is not available.</summary>
        public static readonly Lazy<Hub?> Shared = new(Create);

        private readonly int _fd;
        private readonly Lock _gate = new();
        private readonly Dictionary<int, SlaveWatcher> _watchers = [];

        private Hub(int fd)
        {
            _fd = fd;
            var thread = new Thread(ReadLoop) { IsBackground = true, Name = "pty watcher" };
            thread.Start();
        }

        public SlaveWatcher? Watch(string slavePath)
        {
            // Under the lock, so that an event for the new watch cannot be read before it is registered.
            lock (_gate)
            {
                int wd = Libc.InotifyAddWatch(_fd, slavePath, Libc.InOpen | Libc.InCloseWrite | Libc.InCloseNoWrite);
                if (wd < 0)
                {
                    return null;
                }

                var watcher = new SlaveWatcher(this, wd);
                _watchers[wd] = watcher;
                return watcher;
            }
        }

        public void Unwatch(int wd)
        {
            lock (_gate)
            {
                if (_watchers.Remove(wd))
                {
                    Libc.InotifyRmWatch(_fd, wd);
                }
            }
        }

        private static Hub? Create()
        {
            int fd = Libc.InotifyInit1(Libc.ONonBlock | Libc.OCloExec);
            return fd < 0 ? null : new Hub(fd);
        }

        private unsafe void ReadLoop()
        {
            // Room for many events at once: a fleet's hosts may open their terminals together.
            var buffer = new byte[64 * 1024];
            while (true)
            {
                if ((Libc.PollOne(_fd, Libc.PollIn, -1) & Libc.PollIn) == 0)
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
                    int wd = BinaryPrimitives.ReadInt32LittleEndian(buffer.AsSpan(offset));
                    uint mask = BinaryPrimitives.ReadUInt32LittleEndian(buffer.AsSpan(offset + 4));
                    int length = (int)BinaryPrimitives.ReadUInt32LittleEndian(buffer.AsSpan(offset + 12));
                    offset += 16 + length;
                    SlaveWatcher? watcher;
                    lock (_gate)
                    {
                        _watchers.TryGetValue(wd, out watcher);
                    }

                    // A removed watch's last events (IN_IGNORED among them) find no one.
                    watcher?.Apply(mask);
                }
            }
        }
    }
}
