using System.Globalization;
using System.Text;
using AtMqtt.Core.Profiles;
using Xunit;

namespace AtMqtt.EndToEnd.Tests.Tls;

/// <summary>
/// The cellular profiles' TLS against mosquitto's listeners, with certificates the host uploads over AT into the
/// module's own files (no factory credentials at all): Quectel AT+QFUPL + AT+QSSLCFG + AT+QMTCFG "ssl", SIMCom
/// AT+CCERTDOWN + AT+CSSLCFG + AT+CMQTTSSLCFG. A verified connection and a mutual one work (the broker side
/// checked by an independent client); a wrong CA and a missing file are refused with the module's result codes.
/// </summary>
public sealed class CellularTlsTests(TlsMosquittoFixture broker) : IClassFixture<TlsMosquittoFixture>
{
    private const string Ok = "\r\nOK\r\n";

    private static byte[] Ascii(string text) => Encoding.ASCII.GetBytes(text);

    /// <summary>The FILE manual's rule, computed here on its own: XOR of big-endian 16-bit words, an odd last byte the high half.</summary>
    private static int Checksum(byte[] data)
    {
        int sum = 0;
        for (int i = 0; i < data.Length; i += 2)
        {
            sum ^= data[i] << 8 | (i + 1 < data.Length ? data[i + 1] : 0);
        }

        return sum;
    }

    private static async Task UploadAsync(ModemUnderTest modem, string name, byte[] content)
    {
        await modem.PromptAsync(string.Create(CultureInfo.InvariantCulture, $"AT+QFUPL=\"{name}\",{content.Length}"), "\r\nCONNECT\r\n");
        await modem.Host.SendBytesAsync(content);
        await modem.ExpectUrcAsync(string.Create(CultureInfo.InvariantCulture, $"\r\n+QFUPL: {content.Length},{Checksum(content):x}\r\n") + Ok);
    }

    private static async Task ActionAsync(ModemUnderTest modem, string line, string urc)
    {
        await modem.ExpectAsync(line, Ok);
        await modem.ExpectUrcAsync("\r\n" + urc + "\r\n");
    }

    [Fact]
    public async Task Quectel_uploads_its_files_then_verified_and_mutual_tls_work_and_a_wrong_or_missing_ca_fails_QMTOPEN()
    {
        await using var modem = await ModemUnderTest.InProcessAsync(Profile.FromName("quectel-bg95")!);
        await UploadAsync(modem, "ca.pem", Ascii(broker.Pki.Ca.CertificatePem));
        await UploadAsync(modem, "UFS:client.pem", Ascii(broker.Client.CertificatePem));
        await UploadAsync(modem, "client.key", Ascii(broker.Client.KeyPem));
        await UploadAsync(modem, "stranger.pem", Ascii(broker.Stranger.Ca.CertificatePem));

        // Context 2: the server verified and the client certificate presented, to the listener that requires one.
        await modem.OkAsync("AT+QSSLCFG=\"seclevel\",2,2");
        await modem.OkAsync("AT+QSSLCFG=\"cacert\",2,\"UFS:ca.pem\"");
        await modem.OkAsync("AT+QSSLCFG=\"clientcert\",2,\"client.pem\"");
        await modem.OkAsync("AT+QSSLCFG=\"clientkey\",2,\"client.key\"");
        await modem.OkAsync("AT+QMTCFG=\"ssl\",0,1,2");
        await ActionAsync(modem, $"AT+QMTOPEN=0,\"127.0.0.1\",{broker.MutualPort}", "+QMTOPEN: 0,0");
        await ActionAsync(modem, $"AT+QMTCONN=0,\"{Unique.Id("q-mtls")}\"", "+QMTCONN: 0,0,0");
        await using (var probe = await MqttProbe.ConnectAsync(FreePort.Host, broker.Port))
        {
            string t = Unique.Topic("q-mtls");
            await probe.SubscribeAsync(t, 1);
            await ActionAsync(modem, $"AT+QMTPUBEX=0,1,1,0,\"{t}\",\"over mutual TLS\"", "+QMTPUB: 0,1,0");
            var message = await probe.NextAsync(ModemUnderTest.Timeout);
            Assert.Equal((t, "over mutual TLS"), (message.Topic, message.PayloadText));
        }

        // Context 1: the server verified against the uploaded CA only.
        await modem.OkAsync("AT+QSSLCFG=\"seclevel\",1,1");
        await modem.OkAsync("AT+QSSLCFG=\"cacert\",1,\"ca.pem\"");
        await modem.OkAsync("AT+QMTCFG=\"ssl\",1,1,1");
        await ActionAsync(modem, $"AT+QMTOPEN=1,\"127.0.0.1\",{broker.TlsPort}", "+QMTOPEN: 1,0");
        await ActionAsync(modem, "AT+QMTCLOSE=1", "+QMTCLOSE: 1,0");

        // The same with a CA that did not sign the broker's certificate: the handshake is refused.
        await modem.OkAsync("AT+QSSLCFG=\"cacert\",1,\"stranger.pem\"");
        await ActionAsync(modem, $"AT+QMTOPEN=1,\"127.0.0.1\",{broker.TlsPort}", "+QMTOPEN: 1,-1");
        await modem.LogContainsAsync("is not signed by the configured CA (AT+QSSLCFG \"cacert\",1 (UFS file \"stranger.pem\"))");

        // A file the context names that UFS does not hold: refused before any byte goes out.
        await modem.OkAsync("AT+QSSLCFG=\"cacert\",1,\"nothere.pem\"");
        await ActionAsync(modem, $"AT+QMTOPEN=1,\"127.0.0.1\",{broker.TlsPort}", "+QMTOPEN: 1,-1");
        await modem.LogContainsAsync("AT+QSSLCFG \"cacert\",1 (UFS file \"nothere.pem\") is not there: upload it with AT+QFUPL");

        Assert.DoesNotContain(broker.Client.KeyPemBody[..24], modem.Logs, StringComparison.Ordinal);
        await ActionAsync(modem, "AT+QMTDISC=0", "+QMTDISC: 0,0");
    }

    [Fact]
    public async Task Simcom_downloads_its_certificates_then_authmode_2_works_and_a_wrong_or_missing_ca_is_err_32_or_33()
    {
        await using var modem = await ModemUnderTest.InProcessAsync(Profile.FromName("simcom-a7670")!);
        await modem.OkAsync("AT");
        await DownloadAsync(modem, "ca.pem", Ascii(broker.Pki.Ca.CertificatePem));
        await DownloadAsync(modem, "client.pem", Ascii(broker.Client.CertificatePem));
        await DownloadAsync(modem, "client_key.pem", Ascii(broker.Client.KeyPem));
        await DownloadAsync(modem, "stranger.pem", Ascii(broker.Stranger.Ca.CertificatePem));

        await modem.OkAsync("AT+CSSLCFG=\"sslversion\",0,4");
        await modem.OkAsync("AT+CSSLCFG=\"authmode\",0,2");
        await modem.OkAsync("AT+CSSLCFG=\"cacert\",0,\"ca.pem\"");
        await modem.OkAsync("AT+CSSLCFG=\"clientcert\",0,\"client.pem\"");
        await modem.OkAsync("AT+CSSLCFG=\"clientkey\",0,\"client_key.pem\"");
        await ActionAsync(modem, "AT+CMQTTSTART", "+CMQTTSTART: 0");
        await modem.OkAsync($"AT+CMQTTACCQ=0,\"{Unique.Id("s-mtls")}\",1");
        await modem.OkAsync("AT+CMQTTSSLCFG=0,0");
        await ActionAsync(modem, $"AT+CMQTTCONNECT=0,\"tcp://127.0.0.1:{broker.MutualPort}\",60,1", "+CMQTTCONNECT: 0,0");
        await using (var probe = await MqttProbe.ConnectAsync(FreePort.Host, broker.Port))
        {
            string t = Unique.Topic("s-mtls");
            await probe.SubscribeAsync(t, 1);
            await DataAsync(modem, string.Create(CultureInfo.InvariantCulture, $"AT+CMQTTTOPIC=0,{t.Length}"), Ascii(t));
            await DataAsync(modem, "AT+CMQTTPAYLOAD=0,15", Ascii("over mutual TLS"));
            await ActionAsync(modem, "AT+CMQTTPUB=0,1,60", "+CMQTTPUB: 0,0");
            var message = await probe.NextAsync(ModemUnderTest.Timeout);
            Assert.Equal((t, "over mutual TLS"), (message.Topic, message.PayloadText));
        }

        // Client 1 through context 1: the server verified with a CA that did not sign it.
        await modem.OkAsync("AT+CSSLCFG=\"authmode\",1,1");
        await modem.OkAsync("AT+CSSLCFG=\"cacert\",1,\"stranger.pem\"");
        await modem.OkAsync($"AT+CMQTTACCQ=1,\"{Unique.Id("s-wrongca")}\",1");
        await modem.OkAsync("AT+CMQTTSSLCFG=1,1");
        await modem.ExpectAsync($"AT+CMQTTCONNECT=1,\"tcp://127.0.0.1:{broker.TlsPort}\",60,1", "\r\n+CMQTTCONNECT: 1,32\r\n\r\nERROR\r\n");

        // The right CA: the same client connects (a failed CONNECT forgot the SSLCFG: the context numbered as the client).
        await modem.OkAsync("AT+CSSLCFG=\"cacert\",1,\"ca.pem\"");
        await ActionAsync(modem, $"AT+CMQTTCONNECT=1,\"tcp://127.0.0.1:{broker.TlsPort}\",60,1", "+CMQTTCONNECT: 1,0");
        await ActionAsync(modem, "AT+CMQTTDISC=1,60", "+CMQTTDISC: 1,0");

        // A CA the store does not hold: err 33 at once.
        await modem.OkAsync("AT+CSSLCFG=\"cacert\",1,\"nothere.pem\"");
        await modem.ExpectAsync($"AT+CMQTTCONNECT=1,\"tcp://127.0.0.1:{broker.TlsPort}\",60,1", "\r\n+CMQTTCONNECT: 1,33\r\n\r\nERROR\r\n");
        await modem.LogContainsAsync("AT+CSSLCFG \"cacert\",1 (certificate \"nothere.pem\") is not there: download it with AT+CCERTDOWN");

        Assert.DoesNotContain(broker.Client.KeyPemBody[..24], modem.Logs, StringComparison.Ordinal);
        await ActionAsync(modem, "AT+CMQTTDISC=0,60", "+CMQTTDISC: 0,0");
    }

    private static async Task DownloadAsync(ModemUnderTest modem, string name, byte[] content)
    {
        await modem.PromptAsync(string.Create(CultureInfo.InvariantCulture, $"AT+CCERTDOWN=\"{name}\",{content.Length}"), "\r\n>");
        await modem.Host.SendBytesAsync(content);
        await modem.ExpectUrcAsync(Ok);
    }

    private static async Task DataAsync(ModemUnderTest modem, string line, byte[] content)
    {
        await modem.PromptAsync(line, "\r\n>");
        await modem.Host.SendBytesAsync(content);
        await modem.ExpectUrcAsync(Ok);
    }
}
