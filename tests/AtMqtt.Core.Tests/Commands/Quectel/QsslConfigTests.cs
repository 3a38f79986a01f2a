using System.Globalization;
using System.Security.Authentication;
using AtMqtt.Core.Profiles;
using AtMqtt.Testing;
using Xunit;

namespace AtMqtt.Core.Tests.Commands.Quectel;

/// <summary>
/// AT+QSSLCFG applied at AT+QMTOPEN (src/AtMqtt.Core/Commands/Quectel/QsslConfig.cs): "sni", "sslversion" and
/// "checkhost" as a TLS server sees them, the files named from UFS, the program's --ca where the context names none.
/// </summary>
public class QsslConfigTests
{
    private const string Ok = Quectel.Ok;
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(30);
    private static readonly Pki Pki = Pki.Create("QSSLCFG Test CA");

    private static async Task UploadAsync(InMemoryModem m, string name, string content)
    {
        string line = string.Create(CultureInfo.InvariantCulture, $"AT+QFUPL=\"{name}\",{content.Length}");
        await m.SendAsync(line + "\r\n");
        await m.ExpectAsync(line + "\r\n\r\nCONNECT\r\n");
        await m.SendAsync(content);
        await m.ReadUntilAsync("\r\nOK\r\n");
    }

    [Fact]
    public async Task Sni_and_sslversion_reach_the_ClientHello_as_the_context_says()
    {
        await using var server = new TlsHandshakeServer(Pki.Server("localhost", true, "localhost").ForServer());
        await using var m = await Quectel.StartAsync();
        await m.CommandAsync("AT+QMTCFG=\"ssl\",0,1,3", Ok);

        // The BG95's defaults: sni 0 (no name sent), sslversion 4 (all: TLS 1.3 here).
        await m.ActionAsync($"AT+QMTOPEN=0,\"localhost\",{server.Port}", "+QMTOPEN: 0,0");
        Assert.Equal(new TlsHandshakeServer.Handshake("", SslProtocols.Tls13, true), await server.NextAsync(Wait));
        await m.ActionAsync("AT+QMTCLOSE=0", "+QMTCLOSE: 0,0");

        await m.CommandAsync("AT+QSSLCFG=\"sni\",3,1", Ok);
        await m.CommandAsync("AT+QSSLCFG=\"sslversion\",3,3", Ok);
        await m.ActionAsync($"AT+QMTOPEN=0,\"localhost\",{server.Port}", "+QMTOPEN: 0,0");
        Assert.Equal(new TlsHandshakeServer.Handshake("localhost", SslProtocols.Tls12, true), await server.NextAsync(Wait));
        await m.ActionAsync("AT+QMTCLOSE=0", "+QMTCLOSE: 0,0");
    }

    [Fact]
    public async Task Checkhost_decides_whether_a_verified_server_must_carry_the_host_name()
    {
        // A certificate for broker.test only, reached as 127.0.0.1; the CA comes from UFS.
        await using var server = new TlsHandshakeServer(Pki.Server(Pki.BrokerName, false, Pki.BrokerName).ForServer());
        await using var m = await Quectel.StartAsync();
        await UploadAsync(m, "ca.pem", Pki.Ca.CertificatePem);
        await m.CommandAsync("AT+QSSLCFG=\"seclevel\",1,1", Ok);
        await m.CommandAsync("AT+QSSLCFG=\"cacert\",1,\"ca.pem\"", Ok);
        await m.CommandAsync("AT+QMTCFG=\"ssl\",0,1,1", Ok);
        await m.ActionAsync($"AT+QMTOPEN=0,\"127.0.0.1\",{server.Port}", "+QMTOPEN: 0,0");
        Assert.True((await server.NextAsync(Wait)).Completed);
        await m.ActionAsync("AT+QMTCLOSE=0", "+QMTCLOSE: 0,0");

        await m.CommandAsync("AT+QSSLCFG=\"checkhost\",1,1", Ok);
        await m.ActionAsync($"AT+QMTOPEN=0,\"127.0.0.1\",{server.Port}", "+QMTOPEN: 0,-1");
    }

    [Fact]
    public async Task A_context_that_names_no_file_uses_the_programs_ca_and_half_a_pair_is_refused()
    {
        var logs = new LogCapture();
        await using var server = new TlsHandshakeServer(Pki.Server("localhost", true, "localhost").ForServer());
        await using var m = await InMemoryModem.StartAsync(new ModemOptions
        {
            Profile = Profile.FromName("quectel-bg95"),
            ResultDelay = TimeSpan.Zero,
            Credentials = Pki.Credentials(Pki),
            LoggerFactory = logs,
        });
        await m.CommandAsync("AT+QSSLCFG=\"seclevel\",0,1", Ok);
        await m.CommandAsync("AT+QMTCFG=\"ssl\",0,1,0", Ok);
        await m.ActionAsync($"AT+QMTOPEN=0,\"127.0.0.1\",{server.Port}", "+QMTOPEN: 0,0");
        Assert.True((await server.NextAsync(Wait)).Completed);
        await m.ActionAsync("AT+QMTCLOSE=0", "+QMTCLOSE: 0,0");

        // A client certificate without its key: refused before any connection is made.
        var client = Pki.Client("bg95");
        await UploadAsync(m, "client.pem", client.CertificatePem);
        await m.CommandAsync("AT+QSSLCFG=\"seclevel\",0,2", Ok);
        await m.CommandAsync("AT+QSSLCFG=\"clientcert\",0,\"client.pem\"", Ok);
        await m.ActionAsync($"AT+QMTOPEN=0,\"127.0.0.1\",{server.Port}", "+QMTOPEN: 0,-1");
        Assert.Contains("AT+QSSLCFG \"clientcert\",0 (UFS file \"client.pem\") is named but the context names no client key", logs.Text, StringComparison.Ordinal);

        // With its key the pair is presented (the handshake completes).
        await UploadAsync(m, "client.key", client.KeyPem);
        await m.CommandAsync("AT+QSSLCFG=\"clientkey\",0,\"client.key\"", Ok);
        await m.ActionAsync($"AT+QMTOPEN=0,\"127.0.0.1\",{server.Port}", "+QMTOPEN: 0,0");
        Assert.True((await server.NextAsync(Wait)).Completed);
        Assert.DoesNotContain(client.KeyPemBody[..24], logs.Text, StringComparison.Ordinal);
    }
}
