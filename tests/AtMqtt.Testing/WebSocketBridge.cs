using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Net.WebSockets;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;

namespace AtMqtt.Testing;

/// <summary>
/// A WebSocket (or, with a certificate, secure WebSocket) endpoint on a free loopback port that
/// carries MQTT to a broker's plain TCP listener: ESP-AT schemes 6..10 against mosquitto, whose own
/// websockets listener cannot be bound to loopback only. Records the request path and subprotocol.
/// </summary>
public sealed class WebSocketBridge : IAsyncDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly CancellationTokenSource _stop = new();
    private readonly int _brokerPort;
    private readonly X509Certificate2? _certificate;
    private readonly List<IDisposable> _open = [];
    private readonly Task _accept;

    /// <summary>Listens on a free loopback port and relays WebSocket MQTT to <paramref name="brokerPort"/>; WSS when a <paramref name="certificate"/> is given.</summary>
    public WebSocketBridge(int brokerPort, X509Certificate2? certificate = null)
    {
        _brokerPort = brokerPort;
        _certificate = certificate;
        _listener.Start();
        Port = ((IPEndPoint)_listener.LocalEndpoint).Port;
        _accept = Task.Run(AcceptLoopAsync);
    }

    /// <summary>The loopback port the bridge listens on.</summary>
    public int Port { get; }

    /// <summary>The path of the last upgrade request, e.g. <c>/mqtt</c>.</summary>
    public string? RequestPath { get; private set; }

    /// <summary>The Sec-WebSocket-Protocol the client asked for.</summary>
    public string? Subprotocol { get; private set; }

    /// <summary>The server name the client sent in the TLS handshake (WSS only).</summary>
    public string? ServerName { get; private set; }

    /// <summary>Stops listening and closes every relayed connection.</summary>
    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _listener.Stop();
        lock (_open)
        {
            foreach (var d in _open)
            {
                d.Dispose();
            }
        }

        try
        {
            await _accept.WaitAsync(TimeSpan.FromSeconds(2));
        }
        catch (Exception ex) when (ex is OperationCanceledException or TimeoutException or SocketException or ObjectDisposedException)
        {
        }

        _stop.Dispose();
    }

    private async Task AcceptLoopAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            TcpClient client;
            try
            {
                client = await _listener.AcceptTcpClientAsync(_stop.Token);
            }
            catch (Exception ex) when (ex is OperationCanceledException or ObjectDisposedException or SocketException)
            {
                return;
            }

            lock (_open)
            {
                _open.Add(client);
            }

            _ = Task.Run(() => ServeAsync(client));
        }
    }

    private async Task ServeAsync(TcpClient client)
    {
        try
        {
            Stream stream = client.GetStream();
            if (_certificate is not null)
            {
                var ssl = new SslStream(stream, leaveInnerStreamOpen: false);
                await ssl.AuthenticateAsServerAsync(new SslServerAuthenticationOptions { ServerCertificate = _certificate }, _stop.Token);
                ServerName = ssl.TargetHostName;
                stream = ssl;
            }

            var request = await ReadHeadAsync(stream);
            string[] lines = request.Split("\r\n");
            RequestPath = lines[0].Split(' ')[1];
            string? key = Header(lines, "Sec-WebSocket-Key");
            Subprotocol = Header(lines, "Sec-WebSocket-Protocol");
            string accept = Convert.ToBase64String(SHA1.HashData(Encoding.ASCII.GetBytes(key + "258EAFA5-E914-47DA-95CA-C5AB0DC85B11")));
            string response = "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                + $"Sec-WebSocket-Accept: {accept}\r\nSec-WebSocket-Protocol: mqtt\r\n\r\n";
            await stream.WriteAsync(Encoding.ASCII.GetBytes(response), _stop.Token);

            using var socket = WebSocket.CreateFromStream(stream, isServer: true, "mqtt", Timeout.InfiniteTimeSpan);
            using var broker = new TcpClient();
            await broker.ConnectAsync(IPAddress.Loopback, _brokerPort, _stop.Token);
            var tcp = broker.GetStream();
            using var done = CancellationTokenSource.CreateLinkedTokenSource(_stop.Token);
            var up = Task.Run(async () =>
            {
                var buffer = new byte[65536];
                while (true)
                {
                    var result = await socket.ReceiveAsync(buffer, done.Token);
                    if (result.MessageType == WebSocketMessageType.Close)
                    {
                        return;
                    }

                    await tcp.WriteAsync(buffer.AsMemory(0, result.Count), done.Token);
                }
            });
            var down = Task.Run(async () =>
            {
                var buffer = new byte[65536];
                while (true)
                {
                    int n = await tcp.ReadAsync(buffer, done.Token);
                    if (n == 0)
                    {
                        return;
                    }

                    await socket.SendAsync(buffer.AsMemory(0, n), WebSocketMessageType.Binary, true, done.Token);
                }
            });
            await Task.WhenAny(up, down);
            await done.CancelAsync();
        }
        catch (Exception ex) when (ex is IOException or SocketException or WebSocketException or OperationCanceledException or ObjectDisposedException or System.Security.Authentication.AuthenticationException)
        {
        }
        finally
        {
            client.Dispose();
        }
    }

    private async Task<string> ReadHeadAsync(Stream stream)
    {
        var head = new List<byte>();
        var one = new byte[1];
        while (head.Count < 8192)
        {
            if (await stream.ReadAsync(one, _stop.Token) == 0)
            {
                throw new IOException("closed during the upgrade request");
            }

            head.Add(one[0]);
            int n = head.Count;
            if (n >= 4 && head[n - 4] == '\r' && head[n - 3] == '\n' && head[n - 2] == '\r' && head[n - 1] == '\n')
            {
                return Encoding.ASCII.GetString([.. head]);
            }
        }

        throw new IOException("upgrade request too long");
    }

    private static string? Header(string[] lines, string name) =>
        lines.Skip(1)
            .Select(l => l.Split(':', 2))
            .Where(p => p.Length == 2 && p[0].Trim().Equals(name, StringComparison.OrdinalIgnoreCase))
            .Select(p => p[1].Trim())
            .FirstOrDefault();
}
