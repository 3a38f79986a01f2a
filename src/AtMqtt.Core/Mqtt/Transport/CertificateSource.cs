using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using AtMqtt.Core.Device;
using AtMqtt.Core.Parsing;
using Microsoft.Extensions.Logging;

namespace AtMqtt.Core.Mqtt.Transport;

/// <summary>
/// What the X.509 schemes (3, 4, 5, 8, 9, 10) authenticate with: the module's flash first (the MQTT
/// CA, certificate and key written over AT+SYSMFG or AT+SYSFLASH, picked by <c>CA_ID</c> and
/// <c>cert_key_ID</c>), the factory defaults (<c>--ca</c>, <c>--client-cert</c>, <c>--client-key</c>) for
/// what flash does not hold. A file in flash that does not parse fails the connection as a TLS
/// configuration error and is warned about once (until the problem changes); neither names a byte of it.
/// </summary>
public sealed class CertificateSource(Flash flash, TlsCredentials factory, ILogger log)
{
    private readonly Lock _gate = new();
    private string? _warned;

    /// <summary>The factory defaults (the command line's files and PSK).</summary>
    public TlsCredentials Factory => factory;

    /// <summary>
    /// The credentials for a connection with <paramref name="scheme"/> configured by <paramref name="user"/>:
    /// only what the scheme uses is read (the CA where it verifies the server, the pair where it presents
    /// a certificate). Throws a <see cref="TransportException"/> (AT_MQTT_TLS_CONFIG_ERROR) when that
    /// file is in flash but cannot be used.
    /// </summary>
    public TlsCredentials For(UserConfig user, Scheme scheme)
    {
        var ca = scheme.VerifyServer ? flash.Find(PkiKind.Ca, user.CaId) : default;
        var certificate = scheme.ClientCertificate ? flash.Find(PkiKind.Certificate, user.CertKeyId) : default;
        var key = scheme.ClientCertificate ? flash.Find(PkiKind.Key, user.CertKeyId) : default;
        return Combine(ca, certificate, key, "flash", (present, missing) =>
            $"{present.Origin} is written but {Flash.StoreName(missing)} holds nothing for cert_key_ID {user.CertKeyId}: write both, or erase both for the factory default");
    }

    /// <summary>
    /// The credentials of a cellular module's SSL context (Quectel AT+QSSLCFG, SIMCom AT+CSSLCFG) for
    /// <paramref name="scheme"/>: the files the context names, read from the module's own file store by the
    /// family (an entry left empty where the context names none; a <see cref="FlashCertificate.Problem"/> where
    /// the file is not there). What the context names nothing for comes from the factory defaults, as with flash.
    /// Throws a <see cref="TransportException"/> (AT_MQTT_TLS_CONFIG_ERROR) when a named file cannot be used.
    /// </summary>
    public TlsCredentials ForContext(Scheme scheme, FlashCertificate ca, FlashCertificate certificate, FlashCertificate key) =>
        Combine(
            scheme.VerifyServer ? ca : default,
            scheme.ClientCertificate ? certificate : default,
            scheme.ClientCertificate ? key : default,
            "the module's files",
            (present, missing) => $"{present.Origin} is named but the context names no {(missing == PkiKind.Key ? "client key" : "client certificate")}: name both, or neither for the factory default");

    private TlsCredentials Combine(FlashCertificate ca, FlashCertificate certificate, FlashCertificate key, string store, Func<FlashCertificate, PkiKind, string> halfPair)
    {
        if (ca.IsEmpty && certificate.IsEmpty && key.IsEmpty)
        {
            return factory;
        }

        var trusted = factory.TrustedCa;
        string? caOrigin = null;
        if (!ca.IsEmpty)
        {
            trusted = Parse(ca, "CA certificate", LoadCa, store);
            caOrigin = ca.Origin;
        }

        var client = factory.ClientCertificate;
        string? clientOrigin = null;
        if (!certificate.IsEmpty || !key.IsEmpty)
        {
            // The pair comes from one place together: a certificate without its key is no identity.
            if (certificate.IsEmpty || key.IsEmpty)
            {
                throw Refuse(halfPair(certificate.IsEmpty ? key : certificate, certificate.IsEmpty ? PkiKind.Certificate : PkiKind.Key), store);
            }

            var loaded = Parse(certificate, "certificate", LoadCertificate, store);
            client = Parse(key, "private key", k => WithKey(loaded, k), store)
                ?? throw Refuse($"{key.Origin} is not the private key of {certificate.Origin}", store);
            clientOrigin = certificate.Origin;
        }

        return new TlsCredentials
        {
            Psk = factory.Psk,
            TrustedCa = trusted,
            ClientCertificate = client,
            CaOrigin = caOrigin ?? factory.CaOrigin,
            ClientOrigin = clientOrigin ?? factory.ClientOrigin,
        };
    }

    private T Parse<T>(FlashCertificate entry, string what, Func<byte[], T> load, string store)
    {
        if (entry.Problem is not null)
        {
            throw Refuse($"{entry.Origin} {entry.Problem}", store);
        }

        try
        {
            return load(entry.Content!);
        }
        catch (Exception ex) when (ex is CryptographicException or FormatException or ArgumentException)
        {
            // The exception's own words are left out: a parser's message could quote the input.
            throw Refuse($"{entry.Origin} holds no {what} that parses (PEM or DER expected)", store);
        }
    }

    private TransportException Refuse(string reason, string store)
    {
        string message = $"The TLS credentials in {store} cannot be used: {reason}";
        bool first;
        lock (_gate)
        {
            first = _warned != message;
            _warned = message;
        }

        if (first)
        {
            log.LogWarning("{Reason}; the TLS schemes fail until it is written again (or erased, for the factory default)", message);
        }

        return new TransportException(message, MqttError.TlsConfigError);
    }

    private static X509Certificate2Collection LoadCa(byte[] content)
    {
        var collection = new X509Certificate2Collection();
        if (Pem(content) is { } text)
        {
            collection.ImportFromPem(text);
        }
        else
        {
            collection.Add(X509CertificateLoader.LoadCertificate(content));
        }

        return collection.Count > 0 ? collection : throw new FormatException("no certificate");
    }

    private static X509Certificate2 LoadCertificate(byte[] content) =>
        Pem(content) is { } text ? X509Certificate2.CreateFromPem(text) : X509CertificateLoader.LoadCertificate(content);

    /// <summary><paramref name="certificate"/> with the key in <paramref name="keyContent"/>; null when the key is not the certificate's.</summary>
    private static X509Certificate2? WithKey(X509Certificate2 certificate, byte[] keyContent)
    {
        try
        {
            if (certificate.GetRSAPublicKey() is { } rsaPublic)
            {
                rsaPublic.Dispose();
                using var rsa = RSA.Create();
                Import(rsa, keyContent, static (k, der) =>
                {
                    try
                    {
                        k.ImportPkcs8PrivateKey(der, out _);
                    }
                    catch (CryptographicException)
                    {
                        k.ImportRSAPrivateKey(der, out _);
                    }
                });
                return Matched(() => certificate.CopyWithPrivateKey(rsa));
            }

            if (certificate.GetECDsaPublicKey() is { } ecPublic)
            {
                ecPublic.Dispose();
                using var ec = ECDsa.Create();
                Import(ec, keyContent, static (k, der) =>
                {
                    try
                    {
                        k.ImportPkcs8PrivateKey(der, out _);
                    }
                    catch (CryptographicException)
                    {
                        k.ImportECPrivateKey(der, out _);
                    }
                });
                return Matched(() => certificate.CopyWithPrivateKey(ec));
            }

            throw new FormatException("The certificate's key is neither RSA nor ECDSA.");
        }
        finally
        {
            certificate.Dispose();
        }
    }

    /// <summary>The pair, or null when the key does not belong to the certificate (CopyWithPrivateKey's ArgumentException).</summary>
    private static X509Certificate2? Matched(Func<X509Certificate2> pair)
    {
        try
        {
            return pair();
        }
        catch (ArgumentException)
        {
            return null;
        }
    }

    private static void Import<TKey>(TKey key, byte[] content, Action<TKey, byte[]> der)
        where TKey : AsymmetricAlgorithm
    {
        if (Pem(content) is { } text)
        {
            key.ImportFromPem(text);
        }
        else
        {
            der(key, content);
        }
    }

    /// <summary>The content as PEM text, or null when it is DER. A trailing NUL (mbedTLS wants one counted in a PEM's length) is allowed.</summary>
    private static string? Pem(byte[] content)
    {
        var span = content.AsSpan().TrimEnd((byte)0);
        if (span.IndexOf("-----BEGIN "u8) < 0)
        {
            return null;
        }

        return Encoding.ASCII.GetString(span);
    }
}
