using Xunit;

namespace AtMqtt.Client.Tests;

/// <summary>
/// Host code on <see cref="AtMqttClient"/> tested as a user of the AtMqtt.Testing package tests theirs: the
/// program started by <see cref="AtMqttModem"/> on both of the client's targets (the package's .NET 8 build
/// drives the program too), and on net10.0 the in-process modem as well, through the one interface.
/// </summary>
public sealed class TestingPackageTests
{
    public static TheoryData<bool> Modems() =>
#if ATMQTT_CORE
        new() { false, true };
#else
        new() { false };
#endif

    [Theory]
    [MemberData(nameof(Modems))]
    public async Task The_client_rides_out_a_wifi_drop_the_package_injects(bool inProcess)
    {
        await using IAtMqttModem modem = inProcess ? await StartInProcessAsync() : await AtMqttModem.StartAsync();
        string topic = Unique.Topic("pkg");
        await using var messages = await modem.BrokerMessagesAsync(topic);
        await using var client = new AtMqttClient(await modem.OpenHostStreamAsync());
        var events = new ClientEventLog(client);
        await client.InitializeAsync();
        await client.ConnectAsync(new AtMqttConnectOptions { Host = modem.Broker!.Host, Port = modem.Broker.Port, AutoReconnect = true });
        await client.PublishAsync(topic, "before", MqttQos.AtLeastOnce);
        Assert.Equal("before", (await messages.NextAsync()).PayloadText);

        await using (await modem.FaultAsync("wifi-drop"))
        {
            await events.WaitForAsync("disconnected");
            var refused = await Assert.ThrowsAsync<AtCommandException>(() => client.PublishAsync(topic, "lost", MqttQos.AtLeastOnce));
            Assert.Equal(AtMqttError.InDisconnectedState, refused.MqttError);
        }

        await events.WaitForAsync("connected", 2, TimeSpan.FromSeconds(40)); // the module's own reconnection, after its backoff
        await client.PublishAsync(topic, "after", MqttQos.AtLeastOnce);
        Assert.Equal("after", (await messages.NextAsync()).PayloadText); // "lost" never reached the broker
        var state = await modem.StateAsync();
        Assert.Equal((1L, "connected"), (state.Counters.Reconnects, state.Link.Phase));
    }

#if ATMQTT_CORE
    private static async Task<IAtMqttModem> StartInProcessAsync() => await AtMqttModem.StartInProcessAsync();
#else
    private static Task<IAtMqttModem> StartInProcessAsync() => throw new PlatformNotSupportedException("the engine is net10.0 only");
#endif
}
