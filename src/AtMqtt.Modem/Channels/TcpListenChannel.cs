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
internal sealed class TcpListenChannel
{
    private readonly HostLine _line;
    private readonly IPEndPoint _endPoint;
    private readonly ILogger _log;

    // A host can connect and leave in a loop: each kind of line is logged a few times per interval.
    private readonly LogThrottle _connectedLog;
    private readonly LogThrottle _errorLog;
    private readonly LogThrottle _disconnectedLog;
    private readonly LogThrottle _refusedLog;
    private int _busy;

    public TcpListenChannel(HostLine line, IPEndPoint endPoint, ILogger log)
    {
        _line = line;
        _endPoint = endPoint;
        _log = log;
        _connectedLog = LogThrottle.Summarising(log, LogLevel.Information, "Host connected", TimeProvider.System, burst: 10);
        _errorLog = LogThrottle.Summarising(log, LogLevel.Debug, "Host connection ended with an error", TimeProvider.System);
        _disconnectedLog = LogThrottle.Summarising(log, LogLevel.Information, "Host disconnected", TimeProvider.System, burst: 10);
        _refusedLog = LogThrottle.Summarising(log, LogLevel.Warning, "Refused a second host", TimeProvider.System);
    }

    public async Task RunAsync(CancellationToken cancellationToken)
    {
        using var listener = new Socket(_endPoint.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        listener.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.ReuseAddress, true);
        listener.Bind(_endPoint);
        listener.Listen(4);
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
            if (Interlocked.Exchange(ref _busy, 1) == 1)
            {
                _ = RefuseAsync(socket);
                continue;
            }

            _ = ServeAsync(socket, cancellationToken);
        }
    }

    private async Task ServeAsync(Socket socket, CancellationToken cancellationToken)
    {
        var remote = socket.RemoteEndPoint;
        if (_connectedLog.ShouldLog())
        {
            _log.LogInformation("Host connected from {Remote}", remote);
        }

        try
        {
            await using var stream = new NetworkStream(socket, ownsSocket: true);
            var input = PipeReader.Create(stream, new StreamPipeReaderOptions(bufferSize: 4096, leaveOpen: true));
            var output = PipeWriter.Create(stream, new StreamPipeWriterOptions(leaveOpen: true));
            await _line.ServeAsync(new DuplexPipe(input, output), $"tcp {remote}", cancellationToken).ConfigureAwait(false);
            await input.CompleteAsync().ConfigureAwait(false);
            await output.CompleteAsync().ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is IOException or SocketException or ObjectDisposedException)
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

            Volatile.Write(ref _busy, 0);
        }
    }

    private async Task RefuseAsync(Socket socket)
    {
        if (_refusedLog.ShouldLog())
        {
            _log.LogWarning("Refused a second host from {Remote}: one host at a time", socket.RemoteEndPoint);
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
