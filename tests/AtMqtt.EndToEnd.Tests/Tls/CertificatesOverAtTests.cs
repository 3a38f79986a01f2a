using System.Text;
using AtMqtt.Core.Mqtt.Transport;
using AtMqtt.Core.Profiles;
using Xunit;

namespace AtMqtt.EndToEnd.Tests.Tls;

/// <summary>
/// Certificates provisioned over AT, used by the TLS schemes against mosquitto's listener that requires a
/// client certificate: AT+SYSMFG on esp-at-4.1 (PEM values in the mqtt_* namespaces) and AT+SYSFLASH on
/// esp-at-2.2 (AtPKI bins in the mqtt_* partitions), each checked by an independent broker-side client;
/// kept across AT+RST and AT+RESTORE; a wrong CA fails as documented; the program's <c>--ca</c> is the
/// factory default while flash holds none; a key that does not parse fails and is warned about once.
/// </summary>
public sealed class CertificatesOverAtTests(TlsMosquittoFixture broker) : IClassFixture<TlsMosquittoFixture>
{
    private const uint TlsConfigError = 0x010a6009;

    private static byte[] Ascii(string text) => Encoding.ASCII.GetBytes(text);

    [Fact]
    public async Task Sysmfg_provisions_the_ca_and_client_certificate_scheme_5_uses_and_they_outlive_a_restart()
    {
        // No factory credentials at all: everything comes over AT.
        await using var modem = await ModemUnderTest.InProcessAsync(Profile.FromName("esp-at-4.1")!);
        await modem.SysMfgWriteAsync("mqtt_ca", "mqtt_ca", Ascii(broker.Pki.Ca.CertificatePem));
        await modem.SysMfgWriteAsync("mqtt_cert", "mqtt_cert", Ascii(broker.Client.CertificatePem));
        await modem.SysMfgWriteAsync("mqtt_key", "mqtt_key", Ascii(broker.Client.KeyPem));

        await ConnectAndRoundTripAsync(modem, "sysmfg");
        await modem.ExpectExactlyAsync("AT+RST", "\r\nOK\r\nready\r\n");
        await ConnectAndRoundTripAsync(modem, "sysmfg-rst");
        await modem.ExpectExactlyAsync("AT+RESTORE", "\r\nOK\r\nready\r\n");
        await ConnectAndRoundTripAsync(modem, "sysmfg-restore");
    }

    [Fact]
    public async Task Sysflash_provisions_atpki_bins_scheme_5_uses_and_they_outlive_a_restart()
    {
        await using var modem = await ModemUnderTest.InProcessAsync(Profile.FromName("esp-at-2.2")!);
        await modem.SysFlashWriteAsync("mqtt_ca", AtPkiBin.Build((AtPkiBin.Ca, Ascii(broker.Pki.Ca.CertificatePem))));
        await modem.SysFlashWriteAsync("mqtt_cert", AtPkiBin.Build((AtPkiBin.Certificate, Ascii(broker.Client.CertificatePem))));
        await modem.SysFlashWriteAsync("mqtt_key", AtPkiBin.Build((AtPkiBin.Key, Ascii(broker.Client.KeyPem))));

        await ConnectAndRoundTripAsync(modem, "sysflash");
        await modem.ExpectExactlyAsync("AT+RST", "\r\nOK\r\nready\r\n");
        await ConnectAndRoundTripAsync(modem, "sysflash-rst");
    }

    /// <summary>
    /// The CA in flash wins over a right factory CA: a stranger's fails with AT_MQTT_TLS_CONFIG_ERROR, as a
    /// wrong <c>--ca</c> does (docs/certificates.md); the right one written over it connects.
    /// </summary>
    [Fact]
    public async Task A_wrong_ca_in_flash_fails_the_connection_as_a_tls_configuration_error()
    {
        await using var modem = await ModemUnderTest.InProcessAsync(Profile.FromName("esp-at-4.1")!, Pki.Credentials(ca: broker.Pki));
        await modem.OkAsync("AT+SYSLOG=1");
        await modem.SysMfgWriteAsync("mqtt_ca", "mqtt_ca", Ascii(broker.Stranger.Ca.CertificatePem));
        await modem.UserCfgAsync(3, Unique.Id("flash-wrongca"));
        await modem.ConnectFailsAsync(broker.TlsPort, TlsConfigError);
        await modem.LogContainsAsync("is not signed by the configured CA (AT+SYSMFG \"mqtt_ca\",\"mqtt_ca\")");

        await modem.SysMfgWriteAsync("mqtt_ca", "mqtt_ca", Ascii(broker.Pki.Ca.CertificatePem));
        await modem.ConnectAsync(3, broker.TlsPort);
        await modem.OkAsync("AT+MQTTCLEAN=0");
    }

    /// <summary>The program's <c>--ca</c> is used while flash holds no CA, again once the CA written over AT is erased.</summary>
    [Fact]
    public async Task The_ca_option_is_the_factory_default_while_flash_holds_no_ca()
    {
        await using var modem = await ModemUnderTest.ProcessAsync("--profile", "esp-at-4.1", "--ca", broker.CaFile);
        await modem.OkAsync("AT+SYSLOG=1");
        await modem.UserCfgAsync(3, Unique.Id("factory-ca"));
        await modem.ConnectAsync(3, broker.TlsPort);
        await using (var probe = await MqttProbe.ConnectAsync(FreePort.Host, broker.Port))
        {
            await modem.RoundTripAsync(probe, Unique.Topic("factory-ca"));
        }

        await modem.OkAsync("AT+MQTTCLEAN=0");

        await modem.SysMfgWriteAsync("mqtt_ca", "mqtt_ca", Ascii(broker.Stranger.Ca.CertificatePem));
        await modem.UserCfgAsync(3, Unique.Id("factory-ca"));
        await modem.ConnectFailsAsync(broker.TlsPort, TlsConfigError);

        await modem.OkAsync("AT+SYSMFG=0,\"mqtt_ca\"");
        await modem.ConnectAsync(3, broker.TlsPort);
        await modem.OkAsync("AT+MQTTCLEAN=0");
    }

    /// <summary>
    /// A private key in flash that does not parse: every AT+MQTTCONN fails at once with the TLS configuration
    /// error, one warning says why, and neither the log nor anything else shows a byte of it.
    /// </summary>
    [Fact]
    public async Task A_key_that_does_not_parse_fails_every_connection_and_is_warned_about_once()
    {
        const string body = "U0VDUkVULWtleS1tYXRlcmlhbC10aGF0LWlzLW5vdC1hLWtleQ==";
        await using var modem = await ModemUnderTest.InProcessAsync(Profile.FromName("esp-at-4.1")!, Pki.Credentials(ca: broker.Pki, client: broker.Client));
        await modem.OkAsync("AT+SYSLOG=1");
        await modem.SysMfgWriteAsync("mqtt_cert", "mqtt_cert", Ascii(broker.Client.CertificatePem));
        await modem.SysMfgWriteAsync("mqtt_key", "mqtt_key", Ascii($"-----BEGIN PRIVATE KEY-----\n{body}\n-----END PRIVATE KEY-----\n"));
        await modem.UserCfgAsync(5, Unique.Id("flash-badkey"));
        await modem.ConnectFailsAsync(broker.MutualPort, TlsConfigError);
        await modem.ConnectFailsAsync(broker.MutualPort, TlsConfigError);

        string logs = modem.Logs;
        // One warning of its own; each failed connection's line says why too.
        Assert.Equal(1, logs.Split('\n').Count(l => l.Contains("holds no private key that parses", StringComparison.Ordinal) && l.Contains("fail until it is written again", StringComparison.Ordinal)));
        Assert.Equal(2, logs.Split('\n').Count(l => l.Contains("failed: The TLS credentials in flash cannot be used: AT+SYSMFG \"mqtt_key\",\"mqtt_key\" holds no private key that parses", StringComparison.Ordinal)));
        Assert.DoesNotContain(body[..16], logs, StringComparison.Ordinal);

        // Erased, the factory pair is used again.
        await modem.OkAsync("AT+SYSMFG=0,\"mqtt_key\"");
        await modem.OkAsync("AT+SYSMFG=0,\"mqtt_cert\"");
        await ConnectAndRoundTripAsync(modem, "factory-pair", configure: false);
    }

    /// <summary>USERCFG scheme 5, CONN to the listener that requires a client certificate, both directions through the broker, CLEAN.</summary>
    private async Task ConnectAndRoundTripAsync(ModemUnderTest modem, string name, bool configure = true)
    {
        if (configure)
        {
            await modem.UserCfgAsync(5, Unique.Id(name));
        }

        await modem.ConnectAsync(5, broker.MutualPort);
        await using var probe = await MqttProbe.ConnectAsync(FreePort.Host, broker.Port);
        await modem.RoundTripAsync(probe, Unique.Topic(name));
        await modem.OkAsync("AT+MQTTCLEAN=0");
    }
}
