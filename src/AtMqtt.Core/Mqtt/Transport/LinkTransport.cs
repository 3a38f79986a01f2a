using System.Runtime.CompilerServices;
using System.Net;
using System.Net.Sockets;
using AtMqtt.Core.Instrument;
using AtMqtt.Core.Parsing;
using MQTTnet.Channel;

namespace AtMqtt.Core.Mqtt.Transport;

/// <summary>
/// Opens the broker connection for one scheme, on a socket the link owns: TCP, TLS-PSK, TLS,
/// WebSocket or WSS layered on it. Owning the socket lets <c>AT+RST</c> cut the connection the way
/// a power loss would (no DISCONNECT, so the broker publishes the will), whatever the carrier.
/// The credentials are asked for at the first connection (the flash may refuse them: a TLS
/// configuration error before any byte is sent) and kept for the reconnections that follow, as a
/// module loads its certificates at AT+MQTTCONN.
/// </summary>
internal sealed class LinkTransport(Scheme scheme, string host, int port, string path, TlsSettings tls, Func<TlsCredentials> resolveCredentials, long maxMessageBytes, Action<ushort> released, FaultSet? faults = null, CounterSet? counters = null) : IMqttClientStreamProvider
{
    private readonly CancellationTokenSource _aborted = new();
    private TlsCredentials? _credentials;
    private Socket? _socket;
    private MonitoredStream? _stream;
    private PacketGuard? _guard;

    /// <summary>What the broker did wrong on the current connection, if that is why it closed.</summary>
    public BrokerViolationException? Violation => _guard?.Violation;

    public Scheme Scheme => scheme;

    /// <summary>Time since the broker last sent a byte on the current connection.</summary>
    public TimeSpan Silence => _stream?.Silence ?? TimeSpan.Zero;

    // A connection opened ahead of CONNECT (OpenAheadAsync), handed to MQTTnet's first ConnectAsync.
    private Stream? _ahead;

    /// <summary>
    /// Opens the connection now (Quectel's AT+QMTOPEN: TCP, and TLS for a TLS scheme, before any MQTT
    /// packet); MQTTnet's next <see cref="ConnectAsync"/> takes it instead of opening another.
    /// </summary>
    public async Task OpenAheadAsync(CancellationToken cancellationToken) =>
        Interlocked.Exchange(ref _ahead, await OpenAsync(cancellationToken).ConfigureAwait(false))?.Dispose();

    public Task<Stream> ConnectAsync(EndPoint remoteEndPoint, CancellationToken cancellationToken) =>
        Interlocked.Exchange(ref _ahead, null) is { } ahead ? Task.FromResult(ahead) : OpenAsync(cancellationToken);

    private async Task<Stream> OpenAsync(CancellationToken cancellationToken)
    {
        // Missing credentials are known before any packet is sent.
        var credentials = _credentials ??= resolveCredentials();
        if (scheme.Carrier == Carrier.TlsPsk && credentials.Psk is null)
        {
            throw new TransportException("Scheme 2 (TLS-PSK) needs a pre-shared key: start the modem with --psk IDENTITY:HEXKEY, --psk-file FILE or ATMQTT_PSK", MqttError.TlsConfigError);
        }

        if (faults is { Any: true })
        {
            NetworkFaults.ThrowIfUnreachable(faults);
        }

        var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        Stream stream;
        try
        {
            if (IPAddress.TryParse(host, out var address))
            {
                await socket.ConnectAsync(new IPEndPoint(address, port), cancellationToken).ConfigureAwait(false);
            }
            else
            {
                await socket.ConnectAsync(host, port, cancellationToken).ConfigureAwait(false);
            }

            Interlocked.Exchange(ref _socket, socket)?.Dispose();
            stream = new NetworkStream(socket, ownsSocket: true);
            switch (scheme.Carrier)
            {
                case Carrier.TlsPsk:
                    stream = await PskTls.ConnectAsync(stream, credentials.Psk!, host, tls, cancellationToken).ConfigureAwait(false);
                    break;
                case Carrier.Tls:
                    var failure = new StrongBox<TransportException?>();
                    var options = X509Tls.Options(scheme, tls.Sni ?? host, tls, credentials, failure);
                    stream = await X509Tls.ConnectAsync(stream, options, failure, cancellationToken).ConfigureAwait(false);
                    break;
                case Carrier.WebSocket or Carrier.SecureWebSocket:
                    stream = await WebSocketCarrier.ConnectAsync(stream, scheme, host, port, path, tls, credentials, cancellationToken).ConfigureAwait(false);
                    break;
            }
        }
        catch
        {
            socket.Dispose();
            throw;
        }

        // A new connection starts a new packet stream (its CONNACK first).
        var guard = new PacketGuard(maxMessageBytes, released);
        _guard = guard;
        var monitored = new MonitoredStream(stream, guard, faults, _aborted.Token, counters);
        _stream = monitored;
        return monitored;
    }

    /// <summary>Resets the connection without a word to the broker.</summary>
    public void Abort()
    {
        var socket = Interlocked.Exchange(ref _socket, null);
        if (socket is null)
        {
            return;
        }

        // Bytes a broker-stall or ack-delay holds back go nowhere now.
        _aborted.Cancel();

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
