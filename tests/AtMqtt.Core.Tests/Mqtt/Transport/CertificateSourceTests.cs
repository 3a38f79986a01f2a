using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using AtMqtt.Core.Device;
using AtMqtt.Core.Dialects;
using AtMqtt.Core.Mqtt;
using AtMqtt.Core.Mqtt.Transport;
using AtMqtt.Core.Parsing;
using Xunit;

namespace AtMqtt.Core.Tests.Mqtt.Transport;

/// <summary>
/// Where the X.509 schemes get their CA and client certificate: the module's flash (mfg_nvs values,
/// AtPKI items in the v2.x partitions) in PEM or DER, the factory defaults otherwise; and how a file that
/// cannot be used is refused: a TLS configuration error, one warning, no byte of it in either.
/// </summary>
public sealed class CertificateSourceTests
{
    private static readonly IReadOnlyList<Scheme> Schemes = Dialect.EspAt().Schemes;
    private static readonly Pki Ca = Pki.Create("Flash Test CA");
    private static readonly Issued Client = Ca.Client("flash-client");

    private readonly Flash _flash = new();
    private readonly LogCapture _logs = new();

    private static UserConfig User(int scheme, int certKeyId = 0, int caId = 0) => new(scheme, "c", "", [], certKeyId, caId, "");

    private static byte[] Ascii(string text) => Encoding.ASCII.GetBytes(text);

    private CertificateSource Source(TlsCredentials? factory = null) => new(_flash, factory ?? TlsCredentials.None, _logs.CreateLogger("test"));

    private void Nvs(string ns, string key, byte[] value)
    {
        lock (_flash.Gate)
        {
            Assert.True(_flash.Nvs.Set(ns, key, new NvsEntry(NvsEntry.Binary, value)));
        }
    }

    [Fact]
    public void With_nothing_in_flash_the_factory_defaults_are_used()
    {
        var factory = Pki.Credentials(Ca, Client);
        foreach (var scheme in Schemes)
        {
            Assert.Same(factory, Source(factory).For(User(scheme.Number), scheme));
        }
    }

    [Fact]
    public void A_ca_in_flash_replaces_the_factory_ca_for_the_schemes_that_verify_the_server()
    {
        var other = Pki.Create("Factory CA");
        var factory = Pki.Credentials(other, Client);
        Nvs("mqtt_ca", "mqtt_ca", Ascii(Ca.Ca.CertificatePem));
        var source = Source(factory);

        foreach (int number in new[] { 3, 5, 8, 10 })
        {
            var credentials = source.For(User(number), Schemes[number - 1]);
            Assert.Equal(Ca.Ca.Certificate.Thumbprint, Assert.Single(credentials.TrustedCa!).Thumbprint);
            Assert.Equal("AT+SYSMFG \"mqtt_ca\",\"mqtt_ca\"", credentials.CaOrigin);
            Assert.Same(factory.ClientCertificate, credentials.ClientCertificate);
        }

        // Schemes that do not verify the server never read it.
        Assert.Same(factory, source.For(User(4), Schemes[3]));
    }

    [Fact]
    public void Ca_id_picks_the_key_ns_dot_id_and_id_0_also_takes_ns_dot_0()
    {
        var second = Pki.Create("Second CA");
        Nvs("mqtt_ca", "mqtt_ca.0", Ascii(Ca.Ca.CertificatePem));
        Nvs("mqtt_ca", "mqtt_ca.1", Ascii(second.Ca.CertificatePem));
        var source = Source();
        Assert.Equal(Ca.Ca.Certificate.Thumbprint, source.For(User(3, caId: 0), Schemes[2]).TrustedCa![0].Thumbprint);
        Assert.Equal(second.Ca.Certificate.Thumbprint, source.For(User(3, caId: 1), Schemes[2]).TrustedCa![0].Thumbprint);
        Assert.Null(source.For(User(3, caId: 2), Schemes[2]).TrustedCa); // nothing for ID 2: the factory's (none)
    }

    [Theory]
    [InlineData("pem")]
    [InlineData("pem+nul")]
    [InlineData("der")]
    public void A_client_certificate_and_key_in_flash_are_read_as_pem_or_der(string form)
    {
        byte[] cert = form == "der" ? Client.Certificate.RawData : Ascii(Client.CertificatePem);
        byte[] key;
        using (var ec = Client.Certificate.GetECDsaPrivateKey()!)
        {
            key = form == "der" ? ec.ExportPkcs8PrivateKey() : Ascii(Client.KeyPem);
        }

        if (form == "pem+nul")
        {
            // mbedTLS wants a PEM's terminating NUL counted in its length: hosts send one.
            cert = [.. cert, 0];
            key = [.. key, 0];
        }

        Nvs("mqtt_cert", "mqtt_cert", cert);
        Nvs("mqtt_key", "mqtt_key", key);
        var credentials = Source().For(User(4), Schemes[3]);
        Assert.True(credentials.ClientCertificate!.HasPrivateKey);
        Assert.Equal(Client.Certificate.Thumbprint, credentials.ClientCertificate.Thumbprint);
        Assert.Equal("AT+SYSMFG \"mqtt_cert\",\"mqtt_cert\"", credentials.ClientOrigin);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void An_rsa_pair_is_read_with_a_pkcs1_or_pkcs8_key(bool pkcs1)
    {
        using var rsa = RSA.Create(2048);
        var request = new CertificateRequest("CN=rsa-client", rsa, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        using var cert = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(1));
        Nvs("mqtt_cert", "mqtt_cert", Ascii(cert.ExportCertificatePem()));
        Nvs("mqtt_key", "mqtt_key", pkcs1 ? rsa.ExportRSAPrivateKey() : Ascii(rsa.ExportPkcs8PrivateKeyPem()));
        var credentials = Source().For(User(5), Schemes[4]);
        Assert.True(credentials.ClientCertificate!.HasPrivateKey);
        Assert.Equal(cert.Thumbprint, credentials.ClientCertificate.Thumbprint);
    }

    [Fact]
    public void The_v2_partitions_give_the_atpki_items_of_the_configured_ids()
    {
        var second = Ca.Client("second-client");
        using var key1 = second.Certificate.GetECDsaPrivateKey()!;
        Write("mqtt_ca", AtPkiBin.Build((AtPkiBin.Ca, Ascii(Ca.Ca.CertificatePem))));
        Write("mqtt_cert", AtPkiBin.Build((AtPkiBin.Certificate, Ascii(Client.CertificatePem)), (AtPkiBin.Certificate, second.Certificate.RawData)));
        Write("mqtt_key", AtPkiBin.Build((AtPkiBin.Key, Ascii(Client.KeyPem)), (AtPkiBin.Key, key1.ExportPkcs8PrivateKey())));
        var source = Source();

        var first = source.For(User(5, certKeyId: 0), Schemes[4]);
        Assert.Equal(Client.Certificate.Thumbprint, first.ClientCertificate!.Thumbprint);
        Assert.Equal(Ca.Ca.Certificate.Thumbprint, first.TrustedCa![0].Thumbprint);
        Assert.Equal("AT+SYSFLASH \"mqtt_ca\" (AtPKI item 1, ID 0)", first.CaOrigin);
        Assert.Equal(second.Certificate.Thumbprint, source.For(User(5, certKeyId: 1), Schemes[4]).ClientCertificate!.Thumbprint);
    }

    [Fact]
    public void A_key_that_does_not_parse_is_refused_once_in_the_log_and_never_quoted()
    {
        const string garbage = "-----BEGIN PRIVATE KEY-----\nTk9UQUtFWV9ub3RfYV9rZXlfYXRfYWxs\n-----END PRIVATE KEY-----\n";
        Nvs("mqtt_cert", "mqtt_cert", Ascii(Client.CertificatePem));
        Nvs("mqtt_key", "mqtt_key", Ascii(garbage));
        var source = Source(Pki.Credentials(Ca, Client));
        for (int i = 0; i < 3; i++)
        {
            var refused = Assert.Throws<TransportException>(() => source.For(User(5), Schemes[4]));
            Assert.Equal(MqttError.TlsConfigError, refused.ErrorCode);
            Assert.Contains("AT+SYSMFG \"mqtt_key\",\"mqtt_key\" holds no private key that parses", refused.Message, StringComparison.Ordinal);
            Assert.DoesNotContain("Tk9UQUtF", refused.Message, StringComparison.Ordinal);
        }

        Assert.Equal(1, _logs.Count("holds no private key that parses"));
        Assert.DoesNotContain("Tk9UQUtF", _logs.Text, StringComparison.Ordinal);

        // Another problem is warned about in its turn.
        Nvs("mqtt_key", "mqtt_key", Ascii(Ca.Client("someone-else").KeyPem));
        var mismatch = Assert.Throws<TransportException>(() => source.For(User(5), Schemes[4]));
        Assert.Equal("The TLS credentials in flash cannot be used: AT+SYSMFG \"mqtt_key\",\"mqtt_key\" is not the private key of AT+SYSMFG \"mqtt_cert\",\"mqtt_cert\"", mismatch.Message);
        Assert.Equal(1, _logs.Count("is not the private key of"));
        Assert.DoesNotContain("PRIVATE KEY", _logs.Text, StringComparison.Ordinal);
    }

    [Fact]
    public void Half_a_pair_in_flash_is_refused_rather_than_mixed_with_the_factory_key()
    {
        Nvs("mqtt_cert", "mqtt_cert", Ascii(Client.CertificatePem));
        var refused = Assert.Throws<TransportException>(() => Source(Pki.Credentials(Ca, Client)).For(User(4), Schemes[3]));
        Assert.Contains("mqtt_key holds nothing for cert_key_ID 0", refused.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_partition_that_is_not_an_atpki_bin_is_refused_naming_why()
    {
        Write("mqtt_ca", Ascii(Ca.Ca.CertificatePem));
        var refused = Assert.Throws<TransportException>(() => Source().For(User(3), Schemes[2]));
        Assert.Equal(MqttError.TlsConfigError, refused.ErrorCode);
        Assert.Contains("AT+SYSFLASH \"mqtt_ca\" does not start with the AtPKI magic", refused.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_ca_that_does_not_parse_is_refused()
    {
        Nvs("mqtt_ca", "mqtt_ca", Ascii("not a certificate at all"));
        var refused = Assert.Throws<TransportException>(() => Source().For(User(10), Schemes[9]));
        Assert.Contains("holds no CA certificate that parses", refused.Message, StringComparison.Ordinal);
    }

    private void Write(string partition, byte[] content)
    {
        lock (_flash.Gate)
        {
            var p = _flash.Partitions.Find(partition)!;
            _flash.Partitions.Write(p, 0, content);
        }
    }
}
