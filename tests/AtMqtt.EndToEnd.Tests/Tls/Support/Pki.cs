using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace AtMqtt.EndToEnd.Tests.Tls.Support;

/// <summary>A certificate with its private key, and both as PEM text (what mosquitto and the modem's options read).</summary>
public sealed class Issued
{
    public Issued(X509Certificate2 certificate)
    {
        Certificate = certificate;
        CertificatePem = certificate.ExportCertificatePem() + "\n";
        using var key = certificate.GetECDsaPrivateKey() ?? throw new InvalidOperationException("no ECDSA private key");
        KeyPem = key.ExportPkcs8PrivateKeyPem() + "\n";
    }

    /// <summary>With its private key.</summary>
    public X509Certificate2 Certificate { get; }

    public string CertificatePem { get; }

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

    public Issued Ca { get; }

    public string Name { get; }

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
