using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using AtMqtt.Core.Mqtt.Transport;

namespace AtMqtt.Testing;

/// <summary>A certificate with its private key, and both as PEM text (what mosquitto and the modem's options read).</summary>
public sealed class Issued
{
    /// <summary>Wraps <paramref name="certificate"/>, which must carry its ECDSA private key.</summary>
    public Issued(X509Certificate2 certificate)
    {
        Certificate = certificate;
        CertificatePem = certificate.ExportCertificatePem() + "\n";
        using var key = certificate.GetECDsaPrivateKey() ?? throw new InvalidOperationException("no ECDSA private key");
        KeyPem = key.ExportPkcs8PrivateKeyPem() + "\n";
    }

    /// <summary>With its private key.</summary>
    public X509Certificate2 Certificate { get; }

    /// <summary>The certificate as PEM text.</summary>
    public string CertificatePem { get; }

    /// <summary>The private key as PKCS#8 PEM text.</summary>
    public string KeyPem { get; }

    /// <summary>The base64 body of the private key PEM, without its armour lines (what must never reach a log).</summary>
    public string KeyPemBody => string.Concat(KeyPem.Split('\n').Where(l => l.Length > 0 && !l.StartsWith("-----", StringComparison.Ordinal)));

    /// <summary>An X509Certificate2 that SslStream servers on Linux accept (key attached through PEM).</summary>
    public X509Certificate2 ForServer() => X509Certificate2.CreateFromPem(CertificatePem, KeyPem);
}

/// <summary>
/// A throw-away certificate authority for one test class: ECDSA P-256 (fast to generate), with
/// server certificates for the names each test needs and client certificates it signs.
/// </summary>
public sealed class Pki
{
    /// <summary>The DNS name the server certificates carry; not resolvable, used only as SNI / certificate name.</summary>
    public const string BrokerName = "broker.test";

    private Pki(Issued ca, string name)
    {
        Ca = ca;
        Name = name;
    }

    /// <summary>The CA's own (self-signed) certificate and key.</summary>
    public Issued Ca { get; }

    /// <summary>The CA's common name.</summary>
    public string Name { get; }

    /// <summary>A new CA named <paramref name="name"/>, valid from two days ago for sixty days.</summary>
    public static Pki Create(string name)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest($"CN={name}", key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
        request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(request.PublicKey, false));
        var now = DateTimeOffset.UtcNow;
        return new Pki(new Issued(request.CreateSelfSigned(now.AddDays(-2), now.AddDays(60))), name);
    }

    /// <summary>A server certificate for <paramref name="dnsNames"/> and, when <paramref name="loopbackIp"/>, the IP 127.0.0.1.</summary>
    public Issued Server(string commonName, bool loopbackIp, params string[] dnsNames)
    {
        var san = new SubjectAlternativeNameBuilder();
        foreach (string dns in dnsNames)
        {
            san.AddDnsName(dns);
        }

        if (loopbackIp)
        {
            san.AddIpAddress(IPAddress.Loopback);
        }

        return Issue($"CN={commonName}", "1.3.6.1.5.5.7.3.1", san.Build());
    }

    /// <summary>
    /// What an in-process modem is provisioned with, as <c>--ca</c> and <c>--client-cert</c>/<c>--client-key</c>
    /// would load it: <paramref name="ca"/>'s certificate as the only trust anchor (null: the system store) and
    /// <paramref name="client"/> as the client certificate.
    /// </summary>
    public static TlsCredentials Credentials(Pki? ca = null, Issued? client = null) => new()
    {
        TrustedCa = ca is null ? null : [X509Certificate2.CreateFromPem(ca.Ca.CertificatePem)],
        ClientCertificate = client is null ? null : X509Certificate2.CreateFromPem(client.CertificatePem, client.KeyPem),
    };

    /// <summary>A client certificate (clientAuth) signed by this CA.</summary>
    public Issued Client(string commonName) => Issue($"CN={commonName}", "1.3.6.1.5.5.7.3.2", null);

    /// <summary>True if <paramref name="certificate"/> chains to this CA (for servers that check client certificates themselves).</summary>
    public bool Signed(X509Certificate2 certificate)
    {
        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.Add(Ca.Certificate);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        return chain.Build(certificate);
    }

    private Issued Issue(string subject, string usage, X509Extension? san)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest(subject, key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature | X509KeyUsageFlags.KeyAgreement, true));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid(usage)], false));
        request.CertificateExtensions.Add(X509AuthorityKeyIdentifierExtension.CreateFromCertificate(Ca.Certificate, true, false));
        if (san is not null)
        {
            request.CertificateExtensions.Add(san);
        }

        var now = DateTimeOffset.UtcNow;
        byte[] serial = RandomNumberGenerator.GetBytes(12);
        serial[0] &= 0x7F;
        using var signed = request.Create(Ca.Certificate, now.AddDays(-1), now.AddDays(30), serial);
        return new Issued(signed.CopyWithPrivateKey(key));
    }
}
