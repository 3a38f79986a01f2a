using Xunit;

namespace AtMqtt.Client.Tests;

/// <summary>Connection events when the broker drops the module, with and without the module's own reconnection.</summary>
public sealed class ReconnectTests(BrokersFixture brokers) : IClassFixture<BrokersFixture>
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(15);

    public static TheoryData<ModemTransport, AtDialect> Cases()
    {
        var data = new TheoryData<ModemTransport, AtDialect>();
        foreach (var transport in ModemForClient.Transports)
        {
            data.Add(transport, transport == ModemTransport.Tcp ? AtDialect.EspAt : AtDialect.Seed);
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task A_drop_raises_disconnected_and_the_modules_reconnection_raises_connected(ModemTransport transport, AtDialect dialect)
    {
        await using var modem = await ModemForClient.StartAsync(transport, dialect);
        await using var client = await modem.ConnectClientAsync();
        var events = new ClientEventLog(client);
        string clientId = Unique.Id("drop");
        string topic = Unique.Topic("drop");

        // The module says +MQTTCONNECTED before it has subscribed again, so the broker's record of the second
        // SUBSCRIBE is what says the subscription is back (a publish before it would match nothing).
        int subscribes = 0;
        var resubscribed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        Task OnSubscribed(MQTTnet.Server.ClientSubscribedTopicEventArgs e)
        {
            if (e.ClientId == clientId && e.TopicFilter.Topic == topic && Interlocked.Increment(ref subscribes) == 2)
            {
                resubscribed.TrySetResult();
            }

            return Task.CompletedTask;
        }

        brokers.InProcess.Server.ClientSubscribedTopicAsync += OnSubscribed;
        try
        {
            await DropAndReconnectAsync();
        }
        finally
        {
            brokers.InProcess.Server.ClientSubscribedTopicAsync -= OnSubscribed;
        }

        async Task DropAndReconnectAsync()
        {
            await client.ConnectAsync(new AtMqttConnectOptions { Host = FreePort.Host, Port = brokers.InProcess.Port, ClientId = clientId, AutoReconnect = true });
            await client.SubscribeAsync(topic, MqttQos.AtLeastOnce);

            await brokers.InProcess.KickAsync(clientId);
            await events.WaitForAsync("disconnected ConnectionLost", Wait);
            await events.WaitForAsync("connected", 2, Wait);
            Assert.Equal(2, events.Count("connected"));
            Assert.True(client.IsConnected);

            // The module restored the subscription itself.
            await resubscribed.Task.WaitAsync(Wait);
            await using var probe = await brokers.ProbeAsync(BrokerKind.InProcess);
            await probe.PublishAsync(topic, "after the drop", 1);
            Assert.Equal("after the drop", (await client.Messages.ReadAsync().AsTask().WaitAsync(Wait)).PayloadText);
        }
    }

    [Fact]
    public async Task Without_reconnection_the_link_stays_down_until_connected_again()
    {
        await using var modem = await ModemForClient.StartAsync(ModemForClient.Fastest, AtDialect.EspAt);
        await using var client = await modem.ConnectClientAsync();
        var events = new ClientEventLog(client);
        string clientId = Unique.Id("stay");
        var options = new AtMqttConnectOptions { Host = FreePort.Host, Port = brokers.InProcess.Port, ClientId = clientId };
        await client.ConnectAsync(options);
        await brokers.InProcess.KickAsync(clientId);
        await events.WaitForAsync("disconnected ConnectionLost", Wait);
        Assert.False(client.IsConnected);
        Assert.Equal(AtMqttLinkState.Disconnected, (await client.GetConnectionInfoAsync()).State);

        // ConnectAsync(options) cleans and configures again, as ESP-AT requires after a drop with reconnect=0.
        await client.ConnectAsync(options);
        Assert.True(client.IsConnected);
    }
}
