using System.Security.Cryptography;
using AtMqtt.Core.Mqtt.Transport;
using Xunit;

namespace AtMqtt.Testing;

/// <summary>
/// One mosquitto with every secure listener the tests need, on free loopback ports, shared by the tests
/// of a class (<c>IClassFixture&lt;TlsMosquittoFixture&gt;</c>): plain MQTT for probes (<see cref="Port"/>);
/// TLS with a server certificate naming 127.0.0.1 and <see cref="Pki.BrokerName"/> (<see cref="TlsPort"/>);
/// one naming only <see cref="Pki.BrokerName"/> (<see cref="DnsOnlyPort"/>); one that also requires a
/// client certificate signed by <see cref="Pki"/> (<see cref="MutualPort"/>); and TLS-PSK from mosquitto's
/// <c>psk_hint</c>/<c>psk_file</c> (<see cref="PskPort"/>), which knows <see cref="Identity"/> and
/// <see cref="OtherIdentity"/>. Certificates (ECDSA P-256) and keys are made per fixture; the PEM files the
/// program's <c>--ca</c>, <c>--client-cert</c>, <c>--client-key</c> and <c>--psk-file</c> read are in the
/// broker's directory.
/// </summary>
public sealed class TlsMosquittoFixture : IAsyncLifetime
{
    /// <summary>The PSK identity of the modem.</summary>
    public const string Identity = "modem-psk";

    /// <summary>Another identity mosquitto knows, with a key of its own.</summary>
    public const string OtherIdentity = "other-device";

    private MosquittoBroker? _broker;
    private int[] _ports = [];

    /// <summary>The CA that signed the broker's certificates and <see cref="Client"/>.</summary>
    public Pki Pki { get; } = Pki.Create("AtMqtt Test CA");

    /// <summary>A CA that signed nothing the broker uses.</summary>
    public Pki Stranger { get; } = Pki.Create("Stranger CA");

    /// <summary>The server certificate of <see cref="TlsPort"/> and <see cref="MutualPort"/> (127.0.0.1 and <see cref="Pki.BrokerName"/>).</summary>
    public Issued ServerIp { get; private set; } = null!;

    /// <summary>The server certificate of <see cref="DnsOnlyPort"/> (<see cref="Pki.BrokerName"/> only).</summary>
    public Issued ServerDns { get; private set; } = null!;

    /// <summary>A client certificate signed by <see cref="Pki"/>.</summary>
    public Issued Client { get; private set; } = null!;

    /// <summary>A client certificate the broker does not trust (signed by <see cref="Stranger"/>).</summary>
    public Issued StrangerClient { get; private set; } = null!;

    /// <summary>The key mosquitto holds for <see cref="Identity"/>.</summary>
    public byte[] Key { get; } = RandomNumberGenerator.GetBytes(16);

    /// <summary>The key mosquitto holds for <see cref="OtherIdentity"/>.</summary>
    public byte[] OtherKey { get; } = RandomNumberGenerator.GetBytes(16);

    /// <summary><see cref="Key"/> in lower-case hex, as <c>--psk IDENTITY:HEXKEY</c> takes it.</summary>
    public string KeyHex => Convert.ToHexStringLower(Key);

    /// <summary>The running broker.</summary>
    public MosquittoBroker Broker => _broker ?? throw new InvalidOperationException("not started");

    /// <summary>Plain MQTT, for probes.</summary>
    public int Port => Broker.Port;

    /// <summary>TLS; the certificate names 127.0.0.1 and <see cref="Pki.BrokerName"/>; no PSK suites.</summary>
    public int TlsPort => _ports[0];

    /// <summary>TLS; the certificate names <see cref="Pki.BrokerName"/> only.</summary>
    public int DnsOnlyPort => _ports[1];

    /// <summary>TLS that requires a client certificate signed by <see cref="Pki"/>.</summary>
    public int MutualPort => _ports[2];

    /// <summary>TLS-PSK (<see cref="Identity"/> with <see cref="Key"/>, <see cref="OtherIdentity"/> with <see cref="OtherKey"/>).</summary>
    public int PskPort => _ports[3];

    /// <summary>The CA certificate (PEM), for <c>--ca</c>.</summary>
    public string CaFile => FileIn("ca.crt");

    /// <summary>The stranger CA's certificate (PEM).</summary>
    public string StrangerCaFile => FileIn("stranger-ca.crt");

    /// <summary><see cref="Client"/>'s certificate (PEM), for <c>--client-cert</c>.</summary>
    public string ClientCertFile => FileIn("client.crt");

    /// <summary><see cref="Client"/>'s key (PEM), for <c>--client-key</c>.</summary>
    public string ClientKeyFile => FileIn("client.key");

    /// <summary>Certificate and key in one PEM file (<c>--client-cert</c> alone).</summary>
    public string ClientCombinedFile => FileIn("client-combined.pem");

    /// <summary>mosquitto's own psk_file (a comment line, then <c>identity:hexkey</c> lines), which <c>--psk-file</c> reads too.</summary>
    public string PskFile => FileIn("psk");

    /// <summary>An in-process modem's credentials with the PSK of <see cref="Identity"/>.</summary>
    public TlsCredentials Psk => new() { Psk = new PskKey(Identity, Key) };

    /// <summary>An in-process modem's credentials that trust <see cref="Pki"/> only.</summary>
    public TlsCredentials TrustingCa => Pki.Credentials(Pki);

    /// <inheritdoc/>
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
            ["psk"] = $"# identity:hexkey, as mosquitto reads it\n{Identity}:{KeyHex}\n{OtherIdentity}:{Convert.ToHexStringLower(OtherKey)}\n",
        };
        const string dir = MosquittoBroker.DirPlaceholder;
        (_broker, _ports) = await MosquittoBroker.StartWithListenersAsync(4, ports =>
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
            $"listener {ports[3]} {FreePort.Host}",
            "psk_hint atmqtt-tests",
            $"psk_file {dir}/psk",
        ], files);
    }

    /// <summary>An independent MQTT client of the broker (plain listener).</summary>
    public Task<MqttProbe> ProbeAsync() => MqttProbe.ConnectAsync(FreePort.Host, Port);

    /// <inheritdoc/>
    public async Task DisposeAsync()
    {
        if (_broker is not null)
        {
            await _broker.DisposeAsync();
        }
    }

    private string FileIn(string name) => Path.Combine(Broker.ConfigDirectory, name);
}
