using System.Globalization;
using System.Security.Authentication;
using AtMqtt.Testing;
using Xunit;
using static AtMqtt.Core.Tests.Commands.Simcom.SimcomHost;

namespace AtMqtt.Core.Tests.Commands.Simcom;

/// <summary>
/// AT+CSSLCFG applied at AT+CMQTTCONNECT for a TLS client (src/AtMqtt.Core/Commands/Simcom/Csslcfg.cs):
/// "enableSNI", "sslversion" and "ignorecertCN" as a TLS server sees them, the CA from the certificate store.
/// </summary>
public class CsslcfgTlsTests
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(30);
    private static readonly Pki Pki = Pki.Create("CSSLCFG Test CA");

    [Fact]
    public async Task EnableSNI_sslversion_and_ignorecertCN_are_what_the_context_says()
    {
        // A certificate for broker.test only, reached as localhost: the name check fails unless ignorecertCN is 1.
        await using var server = new TlsHandshakeServer(Pki.Server(Pki.BrokerName, false, Pki.BrokerName).ForServer());
        await using var m = await StartAsync();
        string ca = Pki.Ca.CertificatePem;
        await m.SendAsync(string.Create(CultureInfo.InvariantCulture, $"AT+CCERTDOWN=\"ca.pem\",{ca.Length}\r\n"));
        await m.ReadUntilAsync("\r\n>");
        await m.SendAsync(ca);
        await m.ExpectAsync(Ok);
        await m.CommandAsync("AT+CSSLCFG=\"authmode\",0,1", Ok);
        await m.CommandAsync("AT+CSSLCFG=\"cacert\",0,\"ca.pem\"", Ok);
        await m.CommandAsync("AT+CMQTTSTART", Ok + Urc("+CMQTTSTART: 0"));
        await m.CommandAsync("AT+CMQTTACCQ=0,\"sni\",1", Ok);
        await m.CommandAsync($"AT+CMQTTCONNECT=0,\"tcp://localhost:{server.Port}\",60,1", Refused("+CMQTTCONNECT: 0,32"));
        // The refusal is the modem's (under TLS 1.3 the server may well see its handshake complete); no SNI by default.
        Assert.Equal("", (await server.NextAsync(Wait)).ServerName);

        // The server only shakes hands and closes: the MQTT CONNECT then finds the socket closed (26).
        await m.CommandAsync("AT+CSSLCFG=\"ignorecertCN\",0,1", Ok);
        await m.CommandAsync("AT+CSSLCFG=\"enableSNI\",0,1", Ok);
        await m.CommandAsync("AT+CSSLCFG=\"sslversion\",0,3", Ok);
        await m.CommandAsync($"AT+CMQTTCONNECT=0,\"tcp://localhost:{server.Port}\",60,1", Ok + Urc("+CMQTTCONNECT: 0,26"));
        Assert.Equal(new TlsHandshakeServer.Handshake("localhost", SslProtocols.Tls12, true), await server.NextAsync(Wait));
    }
}
