using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;
using System.Threading.Channels;

namespace AtMqtt.Testing;

/// <summary>
/// A TLS server on a free 127.0.0.1 port that only shakes hands (.NET's SslStream, the real thing): for each
/// connection it records the name the client sent as SNI (empty when none), the protocol negotiated and whether
/// the handshake completed, then closes. What a broker cannot tell a test: what the client's ClientHello said.
/// </summary>
public sealed class TlsHandshakeServer : IAsyncDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly CancellationTokenSource _stop = new();
    private readonly Channel<Handshake> _handshakes = Channel.CreateUnbounded<Handshake>();
    private readonly Task _loop;

    /// <summary>Serves <paramref name="certificate"/> (with its key) to every client.</summary>
    public TlsHandshakeServer(X509Certificate2 certificate)
    {
        _listener.Start();
        Port = ((IPEndPoint)_listener.LocalEndpoint).Port;
        _loop = AcceptAsync(certificate);
    }

    /// <summary>One connection's handshake: the SNI name (empty: none sent), the protocol, whether it completed.</summary>
    public sealed record Handshake(string ServerName, SslProtocols Protocol, bool Completed);

    /// <summary>The loopback port it listens on.</summary>
    public int Port { get; }

    /// <summary>The next connection's handshake, in the order they ended.</summary>
    public async Task<Handshake> NextAsync(TimeSpan timeout)
    {
        using var cts = new CancellationTokenSource(timeout);
        return await _handshakes.Reader.ReadAsync(cts.Token);
    }

    /// <summary>Stops listening; connections still shaking hands end with it.</summary>
    public async ValueTask DisposeAsync()
    {
        _stop.Cancel();
        _listener.Stop();
        try
        {
            await _loop;
        }
        catch (Exception ex) when (ex is OperationCanceledException or SocketException or ObjectDisposedException)
        {
        }

        _stop.Dispose();
    }

    private async Task AcceptAsync(X509Certificate2 certificate)
    {
        while (!_stop.IsCancellationRequested)
        {
            var socket = await _listener.AcceptSocketAsync(_stop.Token);
            _ = Task.Run(async () =>
            {
                using var ssl = new SslStream(new NetworkStream(socket, ownsSocket: true));
                string name = "";
                try
                {
                    var options = new SslServerAuthenticationOptions
                    {
                        ServerCertificateSelectionCallback = (_, host) =>
                        {
                            name = host ?? "";
                            return certificate;
                        },
                    };
                    using var deadline = CancellationTokenSource.CreateLinkedTokenSource(_stop.Token);
                    deadline.CancelAfter(TimeSpan.FromSeconds(30));
                    await ssl.AuthenticateAsServerAsync(options, deadline.Token);
                    _handshakes.Writer.TryWrite(new Handshake(name, ssl.SslProtocol, true));
                }
                catch (Exception ex) when (ex is AuthenticationException or IOException or OperationCanceledException or SocketException)
                {
                    _handshakes.Writer.TryWrite(new Handshake(name, SslProtocols.None, false));
                }
            });
        }
    }
}
