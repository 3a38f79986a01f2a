using System.Diagnostics;
using System.Net.Sockets;
using AtMqtt.Cli.Broker;
using Microsoft.Extensions.Logging.Abstractions;
using MQTTnet;
using MQTTnet.Formatter;
using Xunit;

namespace AtMqtt.Modem.Tests.Broker;

/// <summary>
/// <c>--embedded-broker</c> and clients that send no client id: MQTT 3.1.1 section 3.1.3.1 lets a broker
/// assign one to a client that asks for a clean session, and requires it to refuse one that asks to keep
/// its session ("identifier rejected"); MQTT 5 lets it assign one to any client. Seen from independent
/// clients: raw CONNECT bytes, MQTTnet's client, mosquitto_pub.
/// </summary>
public sealed class EmbeddedBrokerTests : IAsyncLifetime
{
    private readonly int _port = FreePort.Get();
    private EmbeddedBroker? _broker;

    public async Task InitializeAsync() => _broker = await EmbeddedBroker.StartAsync(_port, NullLogger.Instance);

    public async Task DisposeAsync()
    {
        if (_broker is not null)
        {
            await _broker.DisposeAsync();
        }
    }

    /// <summary>The CONNACK to a 3.1.1 CONNECT with an empty client id: accepted (0) with a clean session, identifier rejected (2) without.</summary>
    [Theory]
    [InlineData(true, 0x00)]
    [InlineData(false, 0x02)]
    public async Task AnEmptyClientId_IsAcceptedOnlyWithACleanSession(bool cleanSession, byte returnCode)
    {
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        await socket.ConnectAsync(FreePort.Host, _port);
        await using var stream = new NetworkStream(socket);

        // CONNECT: "MQTT", level 4, flags (clean session or none), keepalive 60, client id of length 0.
        byte flags = cleanSession ? (byte)0x02 : (byte)0x00;
        await stream.WriteAsync(new byte[] { 0x10, 12, 0, 4, (byte)'M', (byte)'Q', (byte)'T', (byte)'T', 4, flags, 0, 60, 0, 0 });

        var connack = new byte[4];
        using var timeout = new CancellationTokenSource(LiveModem.Timeout);
        await stream.ReadExactlyAsync(connack, timeout.Token);
        Assert.Equal(new byte[] { 0x20, 0x02, 0x00, returnCode }, connack);
    }

    [Fact]
    public async Task AnMqttnetClientWithoutAClientId_PublishesAndReceives()
    {
        string topic = Unique.Topic("no-id");
        await using var anonymous = await MqttProbe.ConnectAsync(FreePort.Host, _port, clientId: "");
        await using var named = await MqttProbe.ConnectAsync(FreePort.Host, _port);
        await anonymous.SubscribeAsync(topic + "/to", 1);
        await named.SubscribeAsync(topic + "/from", 1);

        await named.PublishAsync(topic + "/to", "to the anonymous client", qos: 1);
        await anonymous.PublishAsync(topic + "/from", "from the anonymous client", qos: 1);

        Assert.Equal("to the anonymous client", (await anonymous.NextAsync(LiveModem.Timeout)).PayloadText);
        Assert.Equal("from the anonymous client", (await named.NextAsync(LiveModem.Timeout)).PayloadText);
    }

    [Fact]
    public async Task TwoClientsWithoutAClientId_GetIdsOfTheirOwn()
    {
        // Were both given one id, the second would take the first one's session over and cut it.
        string topic = Unique.Topic("two-anonymous");
        await using var first = await MqttProbe.ConnectAsync(FreePort.Host, _port, clientId: "");
        await using var second = await MqttProbe.ConnectAsync(FreePort.Host, _port, clientId: "");
        await first.SubscribeAsync(topic, 1);
        await second.PublishAsync(topic, "both connected", qos: 1);

        Assert.Equal("both connected", (await first.NextAsync(LiveModem.Timeout)).PayloadText);
        Assert.True(first.IsConnected);
        Assert.True(second.IsConnected);
    }

    [Fact]
    public async Task AnMqtt5ClientWithoutAClientId_IsToldTheIdItWasGiven()
    {
        using var client = new MqttClientFactory().CreateMqttClient();
        var options = new MqttClientOptionsBuilder()
            .WithTcpServer(FreePort.Host, _port)
            .WithClientId("")
            .WithProtocolVersion(MqttProtocolVersion.V500)
            .WithTimeout(LiveModem.Timeout)
            .Build();

        var result = await client.ConnectAsync(options);

        Assert.Equal(MqttClientConnectResultCode.Success, result.ResultCode);
        Assert.StartsWith("auto-", result.AssignedClientIdentifier, StringComparison.Ordinal);
        await client.DisconnectAsync();
    }

    /// <summary>The first thing people type: <c>mosquitto_pub -h 127.0.0.1 -t x -m y</c>, no <c>-i</c>.</summary>
    [Fact]
    public async Task MosquittoPub_WithoutAClientId_Publishes()
    {
        string? mosquittoPub = Tools.Find("mosquitto_pub", "mosquitto-clients");
        if (mosquittoPub is null)
        {
            return; // not installed, and not under CI (where Tools.Find fails instead)
        }

        string topic = Unique.Topic("mosquitto-pub");
        await using var probe = await MqttProbe.ConnectAsync(FreePort.Host, _port);
        await probe.SubscribeAsync(topic, 1);

        var psi = new ProcessStartInfo(mosquittoPub) { RedirectStandardError = true, RedirectStandardOutput = true };
        foreach (string arg in new[] { "-h", FreePort.Host, "-p", _port.ToString(System.Globalization.CultureInfo.InvariantCulture), "-t", topic, "-m", "typed by a person" })
        {
            psi.ArgumentList.Add(arg);
        }

        using var process = Process.Start(psi)!;
        using var timeout = new CancellationTokenSource(LiveModem.Timeout);
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        finally
        {
            if (!process.HasExited)
            {
                process.Kill();
            }
        }

        Assert.True(process.ExitCode == 0, $"mosquitto_pub exited {process.ExitCode}: {await process.StandardError.ReadToEndAsync()}");
        Assert.Equal("typed by a person", (await probe.NextAsync(LiveModem.Timeout)).PayloadText);
    }
}
