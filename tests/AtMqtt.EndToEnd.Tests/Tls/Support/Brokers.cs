using System.Security.Cryptography;
using Xunit;

namespace AtMqtt.EndToEnd.Tests.Tls.Support;

/// <summary>
/// mosquitto with a plain listener (for probes), a TLS-PSK listener (<c>psk_hint</c>/<c>psk_file</c>) and an
/// X.509 TLS listener (a server that does not speak PSK).
/// </summary>
public sealed class PskBrokerFixture : IAsyncLifetime
{
    public const string Identity = "modem-psk";
    public const string OtherIdentity = "other-device";

    private MosquittoBroker? _broker;
    private int[] _ports = [];

    /// <summary>The key mosquitto holds for <see cref="Identity"/>.</summary>
    public byte[] Key { get; } = RandomNumberGenerator.GetBytes(16);

    /// <summary>The key mosquitto holds for <see cref="OtherIdentity"/>.</summary>
    public byte[] OtherKey { get; } = RandomNumberGenerator.GetBytes(16);

    public string KeyHex => Convert.ToHexStringLower(Key);

    public MosquittoBroker Broker => _broker ?? throw new InvalidOperationException("not started");

    /// <summary>Plain MQTT, for probes.</summary>
    public int Port => Broker.Port;

    public int PskPort => _ports[0];

    /// <summary>TLS with a certificate: no PSK suites.</summary>
    public int X509Port => _ports[1];

    /// <summary>mosquitto's own psk_file (a comment line, then <c>identity:hexkey</c> lines).</summary>
    public string PskFile => Path.Combine(Broker.ConfigDirectory, "psk");

    public async Task InitializeAsync()
    {
        var pki = Pki.Create("PSK fixture CA");
        var server = pki.Server(Pki.BrokerName, loopbackIp: true, Pki.BrokerName);
        var files = new Dictionary<string, string>
        {
            ["psk"] = $"# identity:hexkey, as mosquitto reads it\n{Identity}:{KeyHex}\n{OtherIdentity}:{Convert.ToHexStringLower(OtherKey)}\n",
            ["server.crt"] = server.CertificatePem,
            ["server.key"] = server.KeyPem,
        };
        (_broker, _ports) = await MosquittoBroker.StartWithListenersAsync(2, ports =>
        [
            $"listener {ports[0]} {FreePort.Host}",
            "psk_hint atmqtt-tests",
            $"psk_file {MosquittoBroker.DirPlaceholder}/psk",
            $"listener {ports[1]} {FreePort.Host}",
            $"certfile {MosquittoBroker.DirPlaceholder}/server.crt",
            $"keyfile {MosquittoBroker.DirPlaceholder}/server.key",
        ], files);
    }

    public async Task DisposeAsync()
    {
        if (_broker is not null)
        {
            await _broker.DisposeAsync();
        }
    }
}

/// <summary>
/// mosquitto with X.509 TLS listeners: the server certificate names 127.0.0.1 and broker.test
/// (<see cref="TlsPort"/>), or only broker.test (<see cref="DnsOnlyPort"/>); <see cref="MutualPort"/> also
/// requires a client certificate signed by <see cref="Pki"/>. A plain listener serves probes.
/// </summary>
public sealed class TlsBrokerFixture : IAsyncLifetime
{
    private MosquittoBroker? _broker;
    private int[] _ports = [];

    public Pki Pki { get; } = Pki.Create("AtMqtt Test CA");

    /// <summary>A CA that signed nothing the brokers use.</summary>
    public Pki Stranger { get; } = Pki.Create("Stranger CA");

    public Issued ServerIp { get; private set; } = null!;

    public Issued ServerDns { get; private set; } = null!;

    public Issued Client { get; private set; } = null!;

    /// <summary>A client certificate the brokers do not trust.</summary>
    public Issued StrangerClient { get; private set; } = null!;

    public MosquittoBroker Broker => _broker ?? throw new InvalidOperationException("not started");

    public int Port => Broker.Port;

    public int TlsPort => _ports[0];

    public int DnsOnlyPort => _ports[1];

    public int MutualPort => _ports[2];

    public string CaFile => Path.Combine(Broker.ConfigDirectory, "ca.crt");

    public string StrangerCaFile => Path.Combine(Broker.ConfigDirectory, "stranger-ca.crt");

    public string ClientCertFile => Path.Combine(Broker.ConfigDirectory, "client.crt");

    public string ClientKeyFile => Path.Combine(Broker.ConfigDirectory, "client.key");

    /// <summary>Certificate and key in one PEM file (<c>--client-cert</c> alone).</summary>
    public string ClientCombinedFile => Path.Combine(Broker.ConfigDirectory, "client-combined.pem");

    public async Task InitializeAsync()
    {
        ServerIp = Pki.Server(Pki.BrokerName, loopbackIp: true, Pki.BrokerName);
        ServerDns = Pki.Server(Pki.BrokerName, loopbackIp: false, Pki.BrokerName);
        Client = Pki.Client("modem-0001");
        StrangerClient = Stranger.Client("intruder");
        var files = new Dictionary<string, string>
        {
            ["ca.crt"] = Pki.Ca.CertificatePem,
            ["stranger-ca.crt"] = Stranger.Ca.CertificatePem,
            ["server-ip.crt"] = ServerIp.CertificatePem,
            ["server-ip.key"] = ServerIp.KeyPem,
            ["server-dns.crt"] = ServerDns.CertificatePem,
            ["server-dns.key"] = ServerDns.KeyPem,
            ["client.crt"] = Client.CertificatePem,
            ["client.key"] = Client.KeyPem,
            ["client-combined.pem"] = Client.CertificatePem + Client.KeyPem,
        };
        const string dir = MosquittoBroker.DirPlaceholder;
        (_broker, _ports) = await MosquittoBroker.StartWithListenersAsync(3, ports =>
        [
            $"listener {ports[0]} {FreePort.Host}",
            $"certfile {dir}/server-ip.crt",
            $"keyfile {dir}/server-ip.key",
            $"listener {ports[1]} {FreePort.Host}",
            $"certfile {dir}/server-dns.crt",
            $"keyfile {dir}/server-dns.key",
            $"listener {ports[2]} {FreePort.Host}",
            $"certfile {dir}/server-ip.crt",
            $"keyfile {dir}/server-ip.key",
            $"cafile {dir}/ca.crt",
            "require_certificate true",
        ], files);
    }

    public async Task DisposeAsync()
    {
        if (_broker is not null)
        {
            await _broker.DisposeAsync();
        }
    }
}
