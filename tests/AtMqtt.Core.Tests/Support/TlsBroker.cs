using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using AtMqtt.Core.Mqtt.Transport;
using Xunit;

namespace AtMqtt.Core.Tests.Support;

/// <summary>
/// A mosquitto with three loopback listeners: plain MQTT (<see cref="Port"/>), MQTT over TLS with a
/// self-signed certificate for 127.0.0.1 and localhost (<see cref="TlsPort"/>), and MQTT over TLS-PSK
/// (<see cref="PskPort"/>, identity <see cref="PskIdentity"/>, key <see cref="PskKeyHex"/>).
/// </summary>
public sealed class TlsBroker : IAsyncLifetime
{
    public const string PskIdentity = "atmqtt-test";
    public const string PskKeyHex = "00112233445566778899aabbccddeeff";

    private MosquittoBroker? _broker;

    /// <summary>The broker's certificate, which is also its own CA.</summary>
    public X509Certificate2 Certificate { get; private set; } = null!;

    public MosquittoBroker Broker => _broker ?? throw new InvalidOperationException("not started");

    public int Port => Broker.Port;

    public int TlsPort { get; private set; }

    public int PskPort { get; private set; }

    public TlsCredentials Psk => new() { Psk = new PskKey(PskIdentity, Convert.FromHexString(PskKeyHex)) };

    public TlsCredentials TrustingCa => new() { TrustedCa = [Certificate] };

    public async Task InitializeAsync()
    {
        using var key = RSA.Create(2048);
        var request = new CertificateRequest("CN=localhost", key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        var san = new SubjectAlternativeNameBuilder();
        san.AddIpAddress(System.Net.IPAddress.Loopback);
        san.AddDnsName("localhost");
        request.CertificateExtensions.Add(san.Build());
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature | X509KeyUsageFlags.KeyEncipherment | X509KeyUsageFlags.KeyCertSign, false));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.1")], false));
        Certificate = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(2));

        const string dir = MosquittoBroker.DirPlaceholder;
        int[] ports;
        (_broker, ports) = await MosquittoBroker.StartWithListenersAsync(
            2,
            p =>
            [
                $"listener {p[0]} {FreePort.Host}",
                $"certfile {dir}/cert.pem",
                $"keyfile {dir}/key.pem",
                $"listener {p[1]} {FreePort.Host}",
                "psk_hint atmqtt",
                $"psk_file {dir}/psk",
            ],
            new Dictionary<string, string>
            {
                ["cert.pem"] = Certificate.ExportCertificatePem() + "\n",
                ["key.pem"] = key.ExportPkcs8PrivateKeyPem() + "\n",
                ["psk"] = $"{PskIdentity}:{PskKeyHex}\n",
            });
        TlsPort = ports[0];
        PskPort = ports[1];
    }

    public Task<MqttProbe> ProbeAsync() => MqttProbe.ConnectAsync(FreePort.Host, Port);

    public async Task DisposeAsync()
    {
        if (_broker is not null)
        {
            await _broker.DisposeAsync();
        }

        Certificate?.Dispose();
    }
}
