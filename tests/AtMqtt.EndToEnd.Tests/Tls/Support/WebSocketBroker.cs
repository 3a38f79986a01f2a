using System.Net;
using System.Security.Cryptography.X509Certificates;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.AspNetCore.Server.Kestrel.Https;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using MQTTnet.AspNetCore;
using Xunit;

namespace AtMqtt.EndToEnd.Tests.Tls.Support;

/// <summary>
/// MQTTnet's broker on Kestrel, every endpoint on 127.0.0.1: plain MQTT for probes, MQTT over
/// WebSocket at <see cref="Path"/> over HTTP, and over HTTPS with a server certificate naming
/// 127.0.0.1 and broker.test, one naming only broker.test, and one requiring a client certificate
/// signed by the test CA. (Debian's mosquitto 2.0.11 here cannot open a websockets listener.)
/// </summary>
public sealed class WebSocketBrokerFixture : IAsyncLifetime
{
    public const string Path = "/mqtt";

    private WebApplication? _app;

    public Pki Pki { get; } = Pki.Create("AtMqtt WS Test CA");

    public Pki Stranger { get; } = Pki.Create("Stranger WS CA");

    public Issued Client { get; private set; } = null!;

    /// <summary>Plain MQTT over TCP, for probes.</summary>
    public int TcpPort { get; private set; }

    /// <summary>ws://127.0.0.1:port/mqtt</summary>
    public int WsPort { get; private set; }

    /// <summary>wss:// with a certificate for 127.0.0.1 and broker.test.</summary>
    public int WssPort { get; private set; }

    /// <summary>wss:// with a certificate for broker.test only.</summary>
    public int WssDnsOnlyPort { get; private set; }

    /// <summary>wss:// that requires a client certificate signed by <see cref="Pki"/>.</summary>
    public int WssMutualPort { get; private set; }

    /// <summary>Where the PEM files live (the modem's --ca, --client-cert and --client-key).</summary>
    public string Directory { get; } = System.IO.Directory.CreateTempSubdirectory("atmqtt-wss-").FullName;

    public string CaFile => System.IO.Path.Combine(Directory, "ca.crt");

    public string ClientCertFile => System.IO.Path.Combine(Directory, "client.crt");

    public string ClientKeyFile => System.IO.Path.Combine(Directory, "client.key");

    public async Task InitializeAsync()
    {
        var serverIp = Pki.Server(Pki.BrokerName, loopbackIp: true, Pki.BrokerName).ForServer();
        var serverDns = Pki.Server(Pki.BrokerName, loopbackIp: false, Pki.BrokerName).ForServer();
        Client = Pki.Client("ws-modem-0001");
        File.WriteAllText(CaFile, Pki.Ca.CertificatePem);
        File.WriteAllText(ClientCertFile, Client.CertificatePem);
        File.WriteAllText(ClientKeyFile, Client.KeyPem);

        for (int attempt = 1; ; attempt++)
        {
            int[] ports = [.. Enumerable.Range(0, 5).Select(_ => FreePort.Get())];
            var app = Build(ports, serverIp, serverDns);
            try
            {
                await app.StartAsync();
            }
            catch (IOException) when (attempt < 3)
            {
                // A port was taken between probing and binding.
                await app.DisposeAsync();
                continue;
            }

            _app = app;
            (TcpPort, WsPort, WssPort, WssDnsOnlyPort, WssMutualPort) = (ports[0], ports[1], ports[2], ports[3], ports[4]);
            return;
        }
    }

    public async Task DisposeAsync()
    {
        if (_app is not null)
        {
            await _app.StopAsync();
            await _app.DisposeAsync();
        }

        try
        {
            System.IO.Directory.Delete(Directory, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    private WebApplication Build(int[] ports, X509Certificate2 serverIp, X509Certificate2 serverDns)
    {
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { ContentRootPath = Directory });
        builder.Logging.ClearProviders();
        builder.Services.AddMqttServer();
        builder.Services.AddConnections();
        builder.WebHost.UseKestrel(kestrel =>
        {
            kestrel.Listen(IPAddress.Loopback, ports[0], l => l.UseMqtt());
            kestrel.Listen(IPAddress.Loopback, ports[1], l => l.Protocols = HttpProtocols.Http1);
            kestrel.Listen(IPAddress.Loopback, ports[2], l =>
            {
                l.Protocols = HttpProtocols.Http1;
                l.UseHttps(serverIp);
            });
            kestrel.Listen(IPAddress.Loopback, ports[3], l =>
            {
                l.Protocols = HttpProtocols.Http1;
                l.UseHttps(serverDns);
            });
            kestrel.Listen(IPAddress.Loopback, ports[4], l =>
            {
                l.Protocols = HttpProtocols.Http1;
                l.UseHttps(new HttpsConnectionAdapterOptions
                {
                    ServerCertificate = serverIp,
                    ClientCertificateMode = ClientCertificateMode.RequireCertificate,
                    ClientCertificateValidation = (certificate, _, _) => Pki.Signed(certificate),
                });
            });
        });

        var app = builder.Build();
        app.MapMqtt(Path);
        return app;
    }
}
