using System.Runtime.CompilerServices;
using System.Net.Http;
using System.Net.WebSockets;
using AtMqtt.Core.Parsing;

namespace AtMqtt.Core.Mqtt.Transport;

/// <summary>
/// MQTT over WebSocket (ESP-AT schemes 6..10): .NET's ClientWebSocket upgrades the connection the
/// link already opened (so AT+RST can still cut the socket), with the subprotocol "mqtt" and the
/// USERCFG path; WSS adds TLS with the same certificate rules as schemes 2..5.
/// </summary>
internal static class WebSocketCarrier
{
    public static async Task<Stream> ConnectAsync(Stream connected, Scheme scheme, string host, int port, string path, TlsSettings tls, TlsCredentials credentials, CancellationToken cancellationToken)
    {
        string name = tls.Sni ?? host;
        if (scheme.Carrier == Carrier.SecureWebSocket)
        {
            // TLS here rather than in the HTTP handler, which would replace the ALPN list with its own.
            var failure = new StrongBox<TransportException?>();
            connected = await X509Tls.ConnectAsync(connected, X509Tls.Options(scheme, name, tls, credentials, failure), failure, cancellationToken).ConfigureAwait(false);
        }

        // The scheme in the URI only decides whether the handler adds TLS; the connection is ours.
        var uri = new UriBuilder("ws", name, port, path.StartsWith('/') ? path : "/" + path).Uri;
        var handler = new SocketsHttpHandler
        {
            UseProxy = false,
            ConnectCallback = (_, _) => ValueTask.FromResult(connected),
        };

        var socket = new ClientWebSocket();
        socket.Options.AddSubProtocol("mqtt");
        socket.Options.KeepAliveInterval = TimeSpan.Zero; // MQTT keeps the connection alive itself
        try
        {
            await socket.ConnectAsync(uri, new HttpMessageInvoker(handler), cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is WebSocketException or HttpRequestException or IOException)
        {
            socket.Dispose();
            await connected.DisposeAsync().ConfigureAwait(false);
            throw new TransportException($"WebSocket upgrade to {(scheme.Carrier == Carrier.SecureWebSocket ? "wss" : "ws")}://{name}:{port}{uri.AbsolutePath} failed: {Innermost(ex)}", MqttError.ClientStartFailed, ex);
        }

        return WebSocketStream.Create(socket, WebSocketMessageType.Binary, ownsWebSocket: true);
    }

    private static string Innermost(Exception ex)
    {
        while (ex.InnerException is not null)
        {
            ex = ex.InnerException;
        }

        return ex.Message;
    }
}
