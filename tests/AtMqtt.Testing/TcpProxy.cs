using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace AtMqtt.Testing;

/// <summary>
/// A loopback TCP proxy between the modem and a broker, for link faults: it can stop forwarding
/// while keeping every socket open (a silent network), resume, refuse new connections (accept and
/// reset at once, a broker that is down), and cut every connection. It counts and timestamps the
/// connections it accepts, so a test can see each connection attempt of the modem, and counts the MQTT
/// packets it has passed each way, so a test can wait until a message has reached the modem's socket
/// (<see cref="WaitForPacketsToClientAsync"/>) instead of guessing how long that takes.
/// </summary>
public sealed class TcpProxy : IAsyncDisposable
{
    private readonly Socket _listener;
    private readonly IPEndPoint _upstream;
    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private readonly object _lock = new();
    private readonly List<Socket> _sockets = [];
    private readonly List<TimeSpan> _accepts = [];
    private readonly CancellationTokenSource _cts = new();
    private readonly Task _acceptLoop;
    private readonly int[] _toClient = new int[16];
    private readonly int[] _toBroker = new int[16];
    private TaskCompletionSource _forwarding = Open();
    private TaskCompletionSource _counted = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private volatile bool _refusing;
    private long _bytesToClient;
    private long _bytesToBroker;

    private TcpProxy(int upstreamPort)
    {
        _upstream = new IPEndPoint(IPAddress.Loopback, upstreamPort);
        _listener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        _listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        _listener.Listen(16);
        Port = ((IPEndPoint)_listener.LocalEndPoint!).Port;
        _acceptLoop = Task.Run(AcceptLoopAsync);
    }

    /// <summary>Bytes passed on to the client (the modem), every connection together.</summary>
    public long BytesToClient => Interlocked.Read(ref _bytesToClient);

    /// <summary>Bytes passed on to the broker, every connection together.</summary>
    public long BytesToBroker => Interlocked.Read(ref _bytesToBroker);

    /// <summary>The loopback port the modem is told to connect to.</summary>
    public int Port { get; }

    /// <summary>Time since the proxy started (the clock of <see cref="Accepts"/>).</summary>
    public TimeSpan Now => _clock.Elapsed;

    /// <summary>Connections accepted so far (each one a connection attempt of the client).</summary>
    public int AcceptCount
    {
        get
        {
            lock (_lock)
            {
                return _accepts.Count;
            }
        }
    }

    /// <summary>When each connection was accepted, on the <see cref="Now"/> clock.</summary>
    public IReadOnlyList<TimeSpan> Accepts
    {
        get
        {
            lock (_lock)
            {
                return [.. _accepts];
            }
        }
    }

    /// <summary>MQTT packets of <paramref name="type"/> (3 PUBLISH, 6 PUBREL...) passed from the broker to the client so far, on every connection.</summary>
    public int PacketsToClient(int type)
    {
        lock (_lock)
        {
            return _toClient[type];
        }
    }

    /// <summary>MQTT packets of <paramref name="type"/> (4 PUBACK, 5 PUBREC...) passed from the client to the broker so far, on every connection.</summary>
    public int PacketsToBroker(int type)
    {
        lock (_lock)
        {
            return _toBroker[type];
        }
    }

    /// <summary>
    /// Waits until at least <paramref name="count"/> MQTT packets of <paramref name="type"/> have been passed
    /// to the client (written to its socket) since the proxy started.
    /// </summary>
    public Task WaitForPacketsToClientAsync(int type, int count, TimeSpan timeout) =>
        WaitForCountAsync(() => PacketsToClient(type), count, timeout, $"packets of type {type} to the client");

    /// <summary>Waits until at least <paramref name="count"/> MQTT packets of <paramref name="type"/> have been passed to the broker.</summary>
    public Task WaitForPacketsToBrokerAsync(int type, int count, TimeSpan timeout) =>
        WaitForCountAsync(() => PacketsToBroker(type), count, timeout, $"packets of type {type} to the broker");

    /// <summary>Starts a proxy on a free loopback port forwarding to 127.0.0.1:<paramref name="upstreamPort"/>.</summary>
    public static TcpProxy Start(int upstreamPort) => new(upstreamPort);

    /// <summary>Stops forwarding in both directions; sockets stay open and data waits (a silent network).</summary>
    public void Pause()
    {
        lock (_lock)
        {
            if (_forwarding.Task.IsCompleted)
            {
                _forwarding = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            }
        }
    }

    /// <summary>Forwards again, including connections accepted while paused.</summary>
    public void Resume()
    {
        lock (_lock)
        {
            _forwarding.TrySetResult();
        }
    }

    /// <summary>While true, new connections are accepted and reset at once (counted all the same).</summary>
    public void Refuse(bool refuse) => _refusing = refuse;

    /// <summary>Resets every open connection, as a broker crash or a network reset would.</summary>
    public void DropAll()
    {
        List<Socket> sockets;
        lock (_lock)
        {
            sockets = [.. _sockets];
            _sockets.Clear();
        }

        foreach (var s in sockets)
        {
            Reset(s);
        }
    }

    /// <summary>Stops listening and closes every relayed connection.</summary>
    public async ValueTask DisposeAsync()
    {
        _cts.Cancel();
        _listener.Dispose();
        DropAll();
        Resume();
        try
        {
            await _acceptLoop.WaitAsync(TimeSpan.FromSeconds(5));
        }
        catch (Exception ex) when (ex is TimeoutException or OperationCanceledException or SocketException or ObjectDisposedException)
        {
        }

        _cts.Dispose();
    }

    private static TaskCompletionSource Open()
    {
        var tcs = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        tcs.SetResult();
        return tcs;
    }

    private static void Reset(Socket socket)
    {
        try
        {
            socket.LingerState = new LingerOption(true, 0);
        }
        catch (Exception ex) when (ex is SocketException or ObjectDisposedException)
        {
        }

        socket.Dispose();
    }

    private Task Gate()
    {
        lock (_lock)
        {
            return _forwarding.Task;
        }
    }

    private Task AcceptLoopAsync() => AcceptLoop.RunAsync(_listener, client =>
    {
        lock (_lock)
        {
            _accepts.Add(_clock.Elapsed);
        }

        if (_refusing)
        {
            Reset(client);
            return;
        }

        _ = Task.Run(() => ServeAsync(client));
    }, _cts.Token);

    private async Task ServeAsync(Socket client)
    {
        var upstream = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        client.NoDelay = true;
        lock (_lock)
        {
            _sockets.Add(client);
            _sockets.Add(upstream);
        }

        try
        {
            await upstream.ConnectAsync(_upstream, _cts.Token);
        }
        catch (Exception ex) when (ex is SocketException or ObjectDisposedException or OperationCanceledException)
        {
            Forget(client, upstream);
            return;
        }

        var a = PumpAsync(client, upstream, new PacketCounter(this, _toBroker), toClient: false);
        var b = PumpAsync(upstream, client, new PacketCounter(this, _toClient), toClient: true);
        await Task.WhenAny(a, b);
        Forget(client, upstream);
        await Task.WhenAll(a, b);
    }

    private void Forget(Socket client, Socket upstream)
    {
        lock (_lock)
        {
            _sockets.Remove(client);
            _sockets.Remove(upstream);
        }

        Reset(client);
        Reset(upstream);
    }

    private async Task WaitForCountAsync(Func<int> count, int wanted, TimeSpan timeout, string what)
    {
        var watch = Stopwatch.StartNew();
        while (true)
        {
            Task changed;
            lock (_lock)
            {
                changed = _counted.Task;
            }

            int now = count();
            if (now >= wanted)
            {
                return;
            }

            var left = timeout - watch.Elapsed;
            if (left <= TimeSpan.Zero)
            {
                throw new TimeoutException($"{now} of {wanted} {what} within {timeout.TotalSeconds:0.#} s");
            }

            try
            {
                await changed.WaitAsync(left);
            }
            catch (TimeoutException)
            {
            }
        }
    }

    private void Counted(int[] counts, int type)
    {
        TaskCompletionSource old;
        lock (_lock)
        {
            counts[type]++;
            old = _counted;
            _counted = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        }

        old.TrySetResult();
    }

    private async Task PumpAsync(Socket from, Socket to, PacketCounter counter, bool toClient)
    {
        var buffer = new byte[16384];
        try
        {
            while (true)
            {
                await Gate();
                int n = await from.ReceiveAsync(buffer, SocketFlags.None, _cts.Token);
                if (n == 0)
                {
                    return;
                }

                await Gate();
                await to.SendAsync(buffer.AsMemory(0, n), SocketFlags.None, _cts.Token);
                Interlocked.Add(ref toClient ? ref _bytesToClient : ref _bytesToBroker, n);
                counter.Feed(buffer.AsSpan(0, n));
            }
        }
        catch (Exception ex) when (ex is SocketException or ObjectDisposedException or OperationCanceledException)
        {
        }
    }

    /// <summary>Cuts one direction of one connection into MQTT packets (fixed header, remaining length, body) and counts them by type.</summary>
    private sealed class PacketCounter(TcpProxy owner, int[] counts)
    {
        private int _state; // 0: fixed header, 1: remaining length, 2: body
        private int _type;
        private long _left;
        private int _shift;

        public void Feed(ReadOnlySpan<byte> data)
        {
            int i = 0;
            while (i < data.Length)
            {
                switch (_state)
                {
                    case 0:
                        _type = data[i++] >> 4;
                        _left = 0;
                        _shift = 0;
                        _state = 1;
                        break;
                    case 1:
                        byte b = data[i++];
                        _left |= (long)(b & 0x7F) << _shift;
                        _shift += 7;
                        if ((b & 0x80) == 0)
                        {
                            _state = 2;
                            Done();
                        }

                        break;
                    default:
                        int take = (int)Math.Min(_left, data.Length - i);
                        i += take;
                        _left -= take;
                        Done();
                        break;
                }
            }
        }

        private void Done()
        {
            if (_state == 2 && _left == 0)
            {
                owner.Counted(counts, _type);
                _state = 0;
            }
        }
    }
}
