using Org.BouncyCastle.Security;
using Org.BouncyCastle.Tls;
using Org.BouncyCastle.Tls.Crypto;
using Org.BouncyCastle.Tls.Crypto.Impl.BC;

namespace AtMqtt.Core.Mqtt.Transport;

/// <summary>The seed's scheme 2: TLS 1.2 with a pre-shared key, by BouncyCastle's TLS client.</summary>
internal static class PskTls
{
    // The PSK suites OpenSSL (and so mosquitto) offers for TLS 1.2, strongest first.
    private static readonly int[] Suites =
    [
        CipherSuite.TLS_ECDHE_PSK_WITH_CHACHA20_POLY1305_SHA256,
        CipherSuite.TLS_ECDHE_PSK_WITH_AES_256_CBC_SHA384,
        CipherSuite.TLS_ECDHE_PSK_WITH_AES_128_CBC_SHA256,
        CipherSuite.TLS_DHE_PSK_WITH_AES_256_GCM_SHA384,
        CipherSuite.TLS_DHE_PSK_WITH_AES_128_GCM_SHA256,
        CipherSuite.TLS_DHE_PSK_WITH_CHACHA20_POLY1305_SHA256,
        CipherSuite.TLS_PSK_WITH_AES_256_GCM_SHA384,
        CipherSuite.TLS_PSK_WITH_AES_128_GCM_SHA256,
        CipherSuite.TLS_PSK_WITH_CHACHA20_POLY1305_SHA256,
        CipherSuite.TLS_PSK_WITH_AES_256_CBC_SHA384,
        CipherSuite.TLS_PSK_WITH_AES_128_CBC_SHA256,
        CipherSuite.TLS_PSK_WITH_AES_256_CBC_SHA,
        CipherSuite.TLS_PSK_WITH_AES_128_CBC_SHA,
    ];

    /// <summary>Runs the handshake on <paramref name="network"/>; the returned stream owns it.</summary>
    public static async Task<Stream> ConnectAsync(Stream network, PskKey psk, string host, TlsSettings tls, CancellationToken cancellationToken)
    {
        var protocol = new TlsClientProtocol(network);
        var client = new Client(new BcTlsCrypto(new SecureRandom()), new BasicTlsPskIdentity(psk.Identity, psk.Key), tls.Sni ?? host, tls.Alpn);

        // The handshake blocks; cancelling closes the socket under it.
        using (cancellationToken.Register(network.Dispose))
        {
            try
            {
                await Task.Run(() => protocol.Connect(client), CancellationToken.None).ConfigureAwait(false);
            }
            catch (Exception ex)
            {
                network.Dispose();
                cancellationToken.ThrowIfCancellationRequested();
                throw new TransportException(client.Reason(ex), Parsing.MqttError.ClientStartFailed, ex);
            }
        }

        return new ThreadedReadStream(protocol.Stream, "atmqtt tls-psk reader", protocol.Close);
    }

    private sealed class Client(TlsCrypto crypto, TlsPskIdentity identity, string serverName, IReadOnlyList<string> alpn) : PskTlsClient(crypto, identity)
    {
        private string? _received;
        private string? _raised;

        /// <summary>Why the handshake failed, in words a user can act on.</summary>
        public string Reason(Exception ex)
        {
            if (_received is not null)
            {
                return _received;
            }

            // The server hung up without an alert: OpenSSL does that for an identity it does not know,
            // and a server that does not speak TLS-PSK never answers a PSK hello properly.
            return "TLS-PSK handshake failed: the server closed the connection (unknown PSK identity, or a server that is not a TLS-PSK listener?)"
                + (_raised is null ? $" [{ex.Message}]" : "");
        }

        protected override ProtocolVersion[] GetSupportedVersions() => ProtocolVersion.TLSv12.Only();

        protected override int[] GetSupportedCipherSuites() => TlsUtilities.GetSupportedCipherSuites(Crypto, Suites);

        protected override IList<ServerName>? GetSniServerNames() =>
            System.Net.IPAddress.TryParse(serverName, out _) ? null // SNI carries host names only (RFC 6066)
                : [new ServerName(NameType.host_name, System.Text.Encoding.ASCII.GetBytes(serverName))];

        protected override IList<ProtocolName>? GetProtocolNames() =>
            alpn.Count == 0 ? null : [.. alpn.Select(ProtocolName.AsUtf8Encoding)];

        public override void NotifyAlertReceived(short alertLevel, short alertDescription)
        {
            // bad_record_mac is what a wrong key looks like from the client's side.
            _received ??= $"TLS-PSK handshake refused by the server: {AlertDescription.GetText(alertDescription)}"
                + (alertDescription is AlertDescription.bad_record_mac or AlertDescription.decrypt_error ? " (wrong key?)" : "")
                + (alertDescription == AlertDescription.handshake_failure ? " (not a PSK server, or unknown identity?)" : "");
        }

        public override void NotifyAlertRaised(short alertLevel, short alertDescription, string message, Exception cause)
        {
            if (alertDescription is AlertDescription.bad_record_mac or AlertDescription.decrypt_error)
            {
                _received ??= $"TLS-PSK handshake failed: {AlertDescription.GetText(alertDescription)} (wrong key?)";
            }

            _raised ??= message;
        }
    }
}
