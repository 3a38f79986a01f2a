using System.IO.Pipelines;
using System.Net;
using System.Net.Sockets;
using AtMqtt.Core.Logging;
using Microsoft.Extensions.Logging;

namespace AtMqtt.Cli.Channels;

/// <summary>
/// <c>--tcp HOST:PORT</c>: listens like a UART socket; one host at a time (a second one is told so
/// and closed), and the modem's state outlives each host.
/// </summary>
/// <remarks>
/// A host that closes and at once reconnects is not a second host: when the new connection arrives,
/// the old one's FIN or RST may already be in while its session has not seen it yet. The new
/// connection then waits until that session has ended (it reads what the old host sent before
/// leaving, and detaches) and gets the line, with <c>ready</c> first. Only a host whose connection
/// is still open two seconds later refuses the newcomer.
/// </remarks>
internal sealed class TcpListenChannel
{
    /// <summary>
    /// How long a newcomer waits for a connected host's end to show before it is refused. Half a second
    /// was too short on a loaded 2-core machine (a few reconnects in 2,000 refused); a true second host
    /// only waits longer for its refusal.
    /// </summary>
    private static readonly TimeSpan SettleLimit = TimeSpan.FromSeconds(2);

    /// <summary>How long a session whose host has gone may take to finish what that host sent.</summary>
    private static readonly TimeSpan DrainLimit = TimeSpan.FromSeconds(2);

    /// <summary>How long a session that was cut may take to detach.</summary>
    private static readonly TimeSpan CutLimit = TimeSpan.FromSeconds(5);

    private readonly HostLine _line;
    private readonly Socket _listener;
    private readonly ILogger _log;

    // Only the accept loop touches these.
    private Task _session = Task.CompletedTask;
    private Socket? _sessionSocket;
    private CancellationTokenSource? _sessionCut;

    // A host can connect and leave in a loop: each kind of line is logged a few times per interval.
    private readonly LogThrottle _connectedLog;
    private readonly LogThrottle _errorLog;
    private readonly LogThrottle _disconnectedLog;
    private readonly LogThrottle _refusedLog;

    /// <param name="listener">From <see cref="Listen"/>; the channel owns it.</param>
    public TcpListenChannel(HostLine line, Socket listener, ILogger log)
    {
        _line = line;
        _listener = listener;
        _log = log;
        _connectedLog = LogThrottle.Summarising(log, LogLevel.Information, "Host connected", TimeProvider.System, burst: 10);
        _errorLog = LogThrottle.Summarising(log, LogLevel.Debug, "Host connection ended with an error", TimeProvider.System);
        _disconnectedLog = LogThrottle.Summarising(log, LogLevel.Information, "Host disconnected", TimeProvider.System, burst: 10);
        _refusedLog = LogThrottle.Summarising(log, LogLevel.Warning, "Refused a second host", TimeProvider.System);
    }

    /// <summary>
    /// Serve a connected host through <see cref="SocketHostPipe"/> (Linux): a thread per connected host, one
    /// wake-up and no thread-pool hop per command. Off by default: on a quiet machine it is the faster path,
    /// but on a machine loaded 40 times over its cores its reader thread, which does all the work, waited
    /// milliseconds for the CPU in whole rounds where the NetworkStream's pool threads did not
    /// (docs/performance.md, section 1's breakdown); it needs a measurement on a quiet machine first.
    /// </summary>
    public bool DirectReader { get; init; }

    /// <summary>
    /// Binds and listens on <paramref name="endPoint"/>, before anything else starts, so that a port
    /// in use stops the program at once (<see cref="SocketError.AddressAlreadyInUse"/>).
    /// </summary>
    /// <remarks>
    /// No <see cref="SocketOptionName.ReuseAddress"/>: on Linux .NET turns it into SO_REUSEPORT as well
    /// as SO_REUSEADDR, and two sockets with SO_REUSEPORT may listen on one port side by side (the
    /// kernel shares the connections out between them): a second atmqtt on the same --tcp port
    /// listened too. .NET sets SO_REUSEADDR alone on every listening socket on Unix, which is what lets
    /// a restarted modem bind while the old connections are in TIME_WAIT, and which the kernel refuses
    /// while anything listens on the port, with or without SO_REUSEPORT.
    /// </remarks>
    public static Socket Listen(IPEndPoint endPoint)
    {
        var listener = new Socket(endPoint.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        try
        {
            listener.Bind(endPoint);
            listener.Listen(4);
            return listener;
        }
        catch
        {
            listener.Dispose();
            throw;
        }
    }

    public async Task RunAsync(CancellationToken cancellationToken)
    {
        using var listener = _listener;
        _log.LogInformation("Listening for a host on {EndPoint}", listener.LocalEndPoint);
        using var registration = cancellationToken.Register(listener.Dispose);
        while (!cancellationToken.IsCancellationRequested)
        {
            Socket socket;
            try
            {
                socket = await listener.AcceptAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (Exception) when (cancellationToken.IsCancellationRequested)
            {
                return;
            }

            socket.NoDelay = true;
            bool free;
            try
            {
                free = await LineFreeForAsync(socket, cancellationToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                socket.Dispose();
                return;
            }

            if (!free)
            {
                _ = RefuseAsync(socket);
                continue;
            }

            // The previous session has ended: its token source is no longer in use.
            _sessionCut?.Dispose();
            _sessionCut = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            _sessionSocket = socket;
            _session = ServeAsync(socket, _sessionCut.Token);
        }
    }

    /// <summary>
    /// True when <paramref name="newcomer"/> may have the line: no session, or one whose host has
    /// closed or reset its end (once that session has ended); false while that host is still connected.
    /// </summary>
    private async Task<bool> LineFreeForAsync(Socket newcomer, CancellationToken cancellationToken)
    {
        if (_session.IsCompleted)
        {
            return true;
        }

        var peer = TcpPeer.Probe(_sessionSocket!);
        if (peer == PeerState.Connected)
        {
            // The old host's FIN or RST may still be on its way: under load the kernel can handle the
            // new connection's SYN (on one CPU) before the old FIN (queued on another).
            if (await EndsWithinAsync(SettleLimit, cancellationToken).ConfigureAwait(false))
            {
                return true;
            }

            peer = TcpPeer.Probe(_sessionSocket!);
            if (peer == PeerState.Connected)
            {
                return false;
            }
        }

        _log.LogDebug("A host connected from {Remote} while the previous one's session was ending; it waits for that", Endpoints.Show(newcomer.RemoteEndPoint));
        if (await EndsWithinAsync(DrainLimit, cancellationToken).ConfigureAwait(false))
        {
            return true;
        }

        if (peer != PeerState.Gone)
        {
            // Only readable (no TCP_INFO here), and the session goes on: data from a live host.
            return false;
        }

        // The host is gone but its session hangs (say, on a write the other end never reads): cut it.
        _log.LogWarning("The previous host's session did not end within {Limit} s of its leaving; cutting it", DrainLimit.TotalSeconds);
        _sessionCut!.Cancel();
        try
        {
            // A shutdown wakes a reader blocked in recv(2) (SocketHostPipe); a close alone may not.
            _sessionSocket!.Shutdown(SocketShutdown.Both);
        }
        catch (SocketException)
        {
        }

        _sessionSocket!.Dispose();
        return await EndsWithinAsync(CutLimit, cancellationToken).ConfigureAwait(false);
    }

    private async Task<bool> EndsWithinAsync(TimeSpan limit, CancellationToken cancellationToken)
    {
        // Neither the time limit nor the session's own failure is an error of the accept loop's.
        await _session.WaitAsync(limit, cancellationToken).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        cancellationToken.ThrowIfCancellationRequested();
        return _session.IsCompleted;
    }

    private async Task ServeAsync(Socket socket, CancellationToken cancellationToken)
    {
        string remote = Endpoints.Show(socket.RemoteEndPoint);
        if (_connectedLog.ShouldLog())
        {
            _log.LogInformation("Host connected from {Remote}", remote);
        }

        try
        {
            if (DirectReader && SocketHostPipe.Supported)
            {
                // One wake-up per command: the modem runs on the thread that reads the socket.
                await using var pipe = new SocketHostPipe(socket);
                await _line.ServeAsync(pipe, $"tcp {remote}", cancellationToken).ConfigureAwait(false);
            }
            else
            {
                await using var stream = new NetworkStream(socket, ownsSocket: true);
                var input = PipeReader.Create(stream, new StreamPipeReaderOptions(bufferSize: 4096, leaveOpen: true));
                var output = PipeWriter.Create(stream, new StreamPipeWriterOptions(leaveOpen: true));
                await _line.ServeAsync(new DuplexPipe(input, output), $"tcp {remote}", cancellationToken).ConfigureAwait(false);
                await input.CompleteAsync().ConfigureAwait(false);
                await output.CompleteAsync().ConfigureAwait(false);
            }
        }
        catch (Exception ex) when (ex is IOException or SocketException or ObjectDisposedException or OperationCanceledException)
        {
            if (_errorLog.ShouldLog())
            {
                _log.LogDebug(ex, "Host connection ended with an error");
            }
        }
        finally
        {
            if (_disconnectedLog.ShouldLog())
            {
                _log.LogInformation("Host {Remote} disconnected", remote);
            }
        }
    }

    private async Task RefuseAsync(Socket socket)
    {
        if (_refusedLog.ShouldLog())
        {
            _log.LogWarning("Refused a second host from {Remote}: one host at a time", Endpoints.Show(socket.RemoteEndPoint));
        }

        try
        {
            await socket.SendAsync("ERROR: another host is connected\r\n"u8.ToArray()).ConfigureAwait(false);
            socket.Shutdown(SocketShutdown.Both);
        }
        catch (SocketException)
        {
        }
        finally
        {
            socket.Dispose();
        }
    }
}
