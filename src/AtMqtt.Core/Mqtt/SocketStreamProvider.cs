using System.Net;
using System.Net.Sockets;
using MQTTnet.Channel;

namespace AtMqtt.Core.Mqtt;

/// <summary>
/// Opens the broker connection on a socket the link owns, so that <c>AT+RST</c> can cut it the way
/// a power loss would (no DISCONNECT, so the broker publishes the will). TLS transports wrap it later.
/// </summary>
internal sealed class SocketStreamProvider : IMqttClientStreamProvider
{
    private Socket? _socket;
    private MonitoredStream? _stream;

    /// <summary>Time since the broker last sent a byte on the current connection.</summary>
    public TimeSpan Silence => _stream?.Silence ?? TimeSpan.Zero;

    public async Task<Stream> ConnectAsync(EndPoint remoteEndPoint, CancellationToken cancellationToken)
    {
        var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        try
        {
            switch (remoteEndPoint)
            {
                case DnsEndPoint dns when IPAddress.TryParse(dns.Host, out var address):
                    await socket.ConnectAsync(new IPEndPoint(address, dns.Port), cancellationToken).ConfigureAwait(false);
                    break;
                case DnsEndPoint dns:
                    await socket.ConnectAsync(dns.Host, dns.Port, cancellationToken).ConfigureAwait(false);
                    break;
                default:
                    await socket.ConnectAsync(remoteEndPoint, cancellationToken).ConfigureAwait(false);
                    break;
            }
        }
        catch
        {
            socket.Dispose();
            throw;
        }

        Interlocked.Exchange(ref _socket, socket)?.Dispose();
        var stream = new MonitoredStream(new NetworkStream(socket, ownsSocket: true));
        _stream = stream;
        return stream;
    }

    /// <summary>Resets the connection without a word to the broker.</summary>
    public void Abort()
    {
        var socket = Interlocked.Exchange(ref _socket, null);
        if (socket is null)
        {
            return;
        }

        try
        {
            socket.LingerState = new LingerOption(true, 0);
        }
        catch (Exception ex) when (ex is SocketException or ObjectDisposedException)
        {
            // Already closed (by the peer, or by MQTTnet after DISCONNECT); nothing left to cut.
        }

        socket.Dispose();
    }
}
