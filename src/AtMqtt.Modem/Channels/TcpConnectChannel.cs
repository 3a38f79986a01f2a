using System.IO.Pipelines;
using System.Net.Sockets;
using AtMqtt.Core.Logging;
using Microsoft.Extensions.Logging;

namespace AtMqtt.Cli.Channels;

/// <summary>
/// <c>--tcp-connect HOST:PORT</c>: connects out to a UART that is a listening socket (Renode's
/// server socket terminal, <c>qemu -serial tcp::PORT,server=on</c>), retrying until it answers and
/// again whenever it goes away. Each connection is a host attaching: it gets <c>ready</c>.
/// </summary>
internal sealed class TcpConnectChannel(HostLine line, string host, int port, ILogger log)
{
    /// <summary>Between connection attempts.</summary>
    public static readonly TimeSpan RetryInterval = TimeSpan.FromMilliseconds(500);

    // A UART socket that accepts and closes in a loop: each kind of line is logged a few times per interval.
    private readonly LogThrottle _connectedLog = LogThrottle.Summarising(log, LogLevel.Information, "Connected to the host's UART", TimeProvider.System, burst: 5);
    private readonly LogThrottle _errorLog = LogThrottle.Summarising(log, LogLevel.Debug, "Connection ended with an error", TimeProvider.System);
    private readonly LogThrottle _goneLog = LogThrottle.Summarising(log, LogLevel.Information, "The host's UART went away", TimeProvider.System, burst: 5);
    private readonly LogThrottle _waitingLog = LogThrottle.Summarising(log, LogLevel.Information, "Waiting for the host's UART to answer", TimeProvider.System, burst: 5);

    public async Task RunAsync(CancellationToken cancellationToken)
    {
        while (!cancellationToken.IsCancellationRequested)
        {
            var socket = await ConnectAsync(cancellationToken).ConfigureAwait(false);
            if (socket is null)
            {
                return;
            }

            string remote = Endpoints.Show(socket.RemoteEndPoint);
            if (_connectedLog.ShouldLog())
            {
                log.LogInformation("Connected to the host's UART at {Remote}", remote);
            }

            try
            {
                await using var stream = new NetworkStream(socket, ownsSocket: true);
                var pipe = new DuplexPipe(
                    PipeReader.Create(stream, new StreamPipeReaderOptions(bufferSize: 4096, leaveOpen: true)),
                    PipeWriter.Create(stream, new StreamPipeWriterOptions(leaveOpen: true)));
                try
                {
                    await line.ServeAsync(pipe, $"tcp-connect {remote}", cancellationToken).ConfigureAwait(false);
                }
                finally
                {
                    await pipe.CompleteQuietlyAsync().ConfigureAwait(false);
                }
            }
            catch (Exception ex) when (ex is IOException or SocketException or ObjectDisposedException)
            {
                if (_errorLog.ShouldLog())
                {
                    log.LogDebug(ex, "Connection ended with an error");
                }
            }

            if (!cancellationToken.IsCancellationRequested && _goneLog.ShouldLog())
            {
                log.LogInformation("The host's UART at {Remote} went away; reconnecting", remote);
            }
        }
    }

    private async Task<Socket?> ConnectAsync(CancellationToken cancellationToken)
    {
        bool told = false;
        while (!cancellationToken.IsCancellationRequested)
        {
            var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
            try
            {
                using var attempt = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
                attempt.CancelAfter(TimeSpan.FromSeconds(5));
                await socket.ConnectAsync(host, port, attempt.Token).ConfigureAwait(false);
                return socket;
            }
            catch (Exception ex) when (ex is SocketException or OperationCanceledException)
            {
                socket.Dispose();
                if (cancellationToken.IsCancellationRequested)
                {
                    return null;
                }

                if (!told)
                {
                    told = true;
                    if (_waitingLog.ShouldLog())
                    {
                        log.LogInformation("Waiting for {Host}:{Port} to answer ({Reason}); retrying every {Interval} ms", host, port, ex.Message, RetryInterval.TotalMilliseconds);
                    }
                }
            }

            try
            {
                await Task.Delay(RetryInterval, cancellationToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return null;
            }
        }

        return null;
    }
}
