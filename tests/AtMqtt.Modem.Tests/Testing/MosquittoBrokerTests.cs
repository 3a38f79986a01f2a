using System.Text;
using MQTTnet;
using Xunit;
using Xunit.Sdk;

namespace AtMqtt.Modem.Tests.Testing;

public class MosquittoBrokerTests
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(5);

    [Fact]
    public async Task PublishSubscribe_RoundTripsBinaryPayloadWithQos()
    {
        await using var broker = await MosquittoBroker.StartAsync();
        Assert.Equal("127.0.0.1", broker.Host);
        await using var subscriber = await MqttProbe.ConnectAsync(broker.Host, broker.Port);
        await using var publisher = await MqttProbe.ConnectAsync(broker.Host, broker.Port);
        await subscriber.SubscribeAsync("t/#", 1);

        var payload = new byte[] { 0, 1, 2, 0xFF, (byte)'\r', (byte)'\n' };
        await publisher.PublishAsync("t/a", payload, 1, retain: false);

        var message = await subscriber.NextAsync(Wait);
        Assert.Equal("t/a", message.Topic);
        Assert.Equal(payload, message.Payload);
        Assert.Equal(1, message.Qos);
        Assert.False(message.Retain);
        await subscriber.AssertNoMessageAsync(TimeSpan.FromMilliseconds(200));
    }

    [Fact]
    public async Task RetainedMessage_IsDeliveredWithRetainFlag()
    {
        await using var broker = await MosquittoBroker.StartAsync();
        await using var publisher = await MqttProbe.ConnectAsync(broker.Host, broker.Port);
        await publisher.PublishAsync("r/1", "kept", qos: 1, retain: true);

        await using var late = await MqttProbe.ConnectAsync(broker.Host, broker.Port);
        await late.SubscribeAsync("r/#", 2);

        var message = await late.NextAsync(Wait);
        Assert.Equal("kept", message.PayloadText);
        Assert.True(message.Retain);
        Assert.Equal(1, message.Qos);
    }

    [Fact]
    public async Task AssertNoMessageAsync_FailsWhenAMessageArrives()
    {
        await using var broker = await MosquittoBroker.StartAsync();
        await using var probe = await MqttProbe.ConnectAsync(broker.Host, broker.Port);
        await probe.SubscribeAsync("x", 0);
        await probe.PublishAsync("x", Encoding.UTF8.GetBytes("hi"), 0, false);

        await Assert.ThrowsAnyAsync<XunitException>(() => probe.AssertNoMessageAsync(Wait));
    }

    [Fact]
    public async Task RestartAsync_KeepsThePort()
    {
        await using var broker = await MosquittoBroker.StartAsync();
        var port = broker.Port;
        await using (var before = await MqttProbe.ConnectAsync(broker.Host, port))
        {
            await broker.RestartAsync();
        }

        Assert.Equal(port, broker.Port);
        Assert.True(broker.IsRunning);
        await using var after = await MqttProbe.ConnectAsync(broker.Host, port);
        await after.SubscribeAsync("again", 0);
        await after.PublishAsync("again", "ok");
        Assert.Equal("ok", (await after.NextAsync(Wait)).PayloadText);
        Assert.Contains("launch #2", broker.Log);
    }

    [Fact]
    public async Task KillAndStop_RefuseConnections()
    {
        await using var broker = await MosquittoBroker.StartAsync();
        broker.Kill();
        Assert.False(broker.IsRunning);
        Assert.False(await FreePort.IsAcceptingAsync(broker.Port, TimeSpan.FromSeconds(1)));

        await broker.RestartAsync();
        Assert.True(await FreePort.IsAcceptingAsync(broker.Port, TimeSpan.FromSeconds(1)));
        await broker.StopAsync();
        Assert.False(broker.IsRunning);
    }

    [Fact]
    public async Task ExtraConfig_PasswordFileIsReadableAndEnforced()
    {
        await using var broker = await MosquittoBroker.StartWithPasswordsAsync(("user", "s3cret"));

        await using (var ok = await MqttProbe.ConnectAsync(broker.Host, broker.Port, username: "user", password: "s3cret"))
        {
            Assert.True(ok.IsConnected);
        }

        var wrong = await Assert.ThrowsAsync<MqttProbeConnectException>(
            () => MqttProbe.ConnectAsync(broker.Host, broker.Port, username: "user", password: "wrong"));
        Assert.NotEqual(MqttClientConnectResultCode.Success, wrong.ResultCode);
        var anonymous = await Assert.ThrowsAsync<MqttProbeConnectException>(() => MqttProbe.ConnectAsync(broker.Host, broker.Port));
        Assert.NotEqual(MqttClientConnectResultCode.Success, anonymous.ResultCode);
    }

    [Fact]
    public async Task Dispose_RemovesTheConfigDirectory()
    {
        var broker = await MosquittoBroker.StartAsync();
        var dir = broker.ConfigDirectory;
        Assert.True(File.Exists(broker.ConfigPath));
        await broker.DisposeAsync();
        Assert.False(Directory.Exists(dir));
    }
}
