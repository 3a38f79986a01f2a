using Xunit;

namespace AtMqtt.Core.Tests.Mqtt;

/// <summary>What CONNECT carries, a refused CONNACK, and connections the broker drops.</summary>
public class ConnectionLifecycleTests(BrokerFixture broker) : IClassFixture<BrokerFixture>
{
    private int Port => broker.Port;

    private static string NewId() => "lc-" + Guid.NewGuid().ToString("N")[..10];

    [Theory]
    [InlineData("\"user\"", "\"pass\"", "0", "0", "user", "pass", true, 120)]
    [InlineData("\"us\\\"er\"", "\"p\\,w\\\\\"", "7200", "1", "us\"er", "p,w\\", false, 7200)]
    [InlineData("\"\"", "\"\"", "1", "0", null, null, true, 1)]
    [InlineData("name", "\"{p64}\"", "60", "0", "name", "{p64}", true, 60)]
    public async Task The_configuration_reaches_the_broker_in_CONNECT(
        string username, string password, string keepalive, string disableClean,
        string? expectedUser, string? expectedPassword, bool cleanSession, int expectedKeepAlive)
    {
        var id = NewId();
        await using var s = await InMemoryModem.StartAsync();
        await s.CommandAsync(Text.Expand($"AT+MQTTUSERCFG=0,1,\"{id}\",{username},{password},0,0,\"\""), "\r\nOK\r\n");
        await s.CommandAsync($"AT+MQTTCONNCFG=0,{keepalive},{disableClean},\"\",\"\"", "\r\nOK\r\n");
        await s.ConnectAsync(Port);

        var info = broker.LastConnect(id);
        Assert.NotNull(info);
        Assert.Equal(expectedUser is null ? null : Text.Expand(expectedUser), string.IsNullOrEmpty(info.UserName) ? null : info.UserName);
        Assert.Equal(expectedPassword is null ? null : Text.Expand(expectedPassword), string.IsNullOrEmpty(info.Password) ? null : info.Password);
        Assert.Equal(cleanSession, info.CleanSession);
        Assert.Equal(expectedKeepAlive, info.KeepAlive);
        await s.CommandAsync("AT+MQTTCLEAN=0", "\r\nOK\r\n");
    }

    [Fact]
    public async Task A_refused_CONNACK_is_DISCONNECTED_then_ERROR()
    {
        await using var s = await InMemoryModem.StartAsync();
        await s.CommandAsync($"AT+MQTTUSERCFG=0,1,\"{NewId()}\",\"{BrokerFixture.RefusedUser}\",\"x\",0,0,\"\"", "\r\nOK\r\n");
        await s.CommandAsync($"AT+MQTTCONN=0,\"127.0.0.1\",{Port},1", "+MQTTDISCONNECTED:0\r\n\r\nERROR\r\n");
        await s.CommandAsync("AT+MQTTCONN?", $"+MQTTCONN:0,disconnect,1,\"127.0.0.1\",{Port},1\r\n\r\nOK\r\n");

        // No retry after a failed CONN, even with reconnect=1.
        await s.AssertSilentAsync(TimeSpan.FromMilliseconds(1500));
        await s.AssertAliveAsync();
    }

    [Fact]
    public async Task A_dropped_connection_without_reconnect_must_be_cleaned()
    {
        var id = NewId();
        await using var s = await InMemoryModem.StartAsync();
        await s.ConfigureAndConnectAsync(Port, id);
        await s.CommandAsync($"AT+MQTTSUB=0,\"{Text.Unique("drop")}\",0", "\r\nOK\r\n");

        await broker.KickAsync(id);
        await s.ExpectAsync("+MQTTDISCONNECTED:0\r\n");
        await s.CommandAsync("AT+MQTTCONN?", $"+MQTTCONN:0,disconnect,1,\"127.0.0.1\",{Port},0\r\n\r\nOK\r\n");

        await s.SysLogOnAsync();
        await s.CommandAsync("AT+MQTTPUB=0,\"t\",\"x\",0,0", Text.Error("0x010a6051"));
        await s.CommandAsync("AT+MQTTPUBRAW=0,\"t\",1", Text.Error("0x010a6051"));
        await s.CommandAsync($"AT+MQTTCONN=0,\"127.0.0.1\",{Port},0", Text.Error("0x010a6002"));
        await s.AssertAliveAsync();

        // Nothing reconnects by itself.
        await s.AssertSilentAsync(TimeSpan.FromMilliseconds(1500));

        await s.CommandAsync("AT+MQTTCLEAN=0", "\r\nOK\r\n");
        await s.ConfigureAndConnectAsync(Port);
        await s.CommandAsync("AT+MQTTSUB?", "\r\nOK\r\n");
        await s.CommandAsync("AT+MQTTCLEAN=0", "\r\nOK\r\n");
    }

    [Fact]
    public async Task A_dropped_connection_with_reconnect_comes_back_with_its_subscriptions()
    {
        var id = NewId();
        var topic = Text.Unique("back");
        await using var probe = await broker.ProbeAsync();
        await probe.PublishAsync(topic, "retained", 1, true);

        await using var s = await InMemoryModem.StartAsync();
        await s.UserConfigAsync(id);
        await s.ConnectAsync(Port, reconnect: 1);
        await s.CommandAsync($"AT+MQTTSUB=0,\"{topic}\",1", "\r\nOK\r\n");
        await s.ExpectAsync($"+MQTTSUBRECV:0,\"{topic}\",8,retained\r\n");

        // The broker refuses it for a while, so that the retries fail.
        broker.Refuse(id);
        await broker.KickAsync(id);
        await s.ExpectAsync("+MQTTDISCONNECTED:0\r\n");

        // While it retries the link is neither usable nor reconfigurable.
        await s.SysLogOnAsync();
        await s.CommandAsync("AT+MQTTPUB=0,\"t\",\"x\",0,0", Text.Error("0x010a6051"));
        await s.CommandAsync($"AT+MQTTPUBRAW=0,\"{topic}\",1", Text.Error("0x010a6051"));
        await s.CommandAsync($"AT+MQTTCONN=0,\"127.0.0.1\",{Port},1", Text.Error("0x010a6004"));
        await s.CommandAsync("AT+MQTTUSERCFG=0,1,\"x\",\"\",\"\",0,0,\"\"", Text.Error("0x010a6004"));
        await s.CommandAsync("AT+MQTTCONNCFG=0,0,0,\"\",\"\",0,0", Text.Error("0x010a6004"));
        await s.CommandAsync("AT+MQTTCONN?", $"+MQTTCONN:0,disconnect,1,\"127.0.0.1\",{Port},1\r\n\r\nOK\r\n");
        await s.CommandAsync("AT+MQTTSUB?", $"+MQTTSUB:0,disconnect,\"{topic}\",1\r\n\r\nOK\r\n");
        await s.CommandAsync("AT+MQTTUNSUB=0,\"" + topic + "\"", "NO UNSUBSCRIBE\r\n\r\nOK\r\n");
        broker.Allow(id);

        await s.ExpectAsync($"+MQTTCONNECTED:0,1,\"127.0.0.1\",{Port},1\r\n", TimeSpan.FromSeconds(10));

        // The subscription is restored: the broker sends the retained message again.
        await s.ExpectAsync($"+MQTTSUBRECV:0,\"{topic}\",8,retained\r\n");
        await s.CommandAsync("AT+MQTTCONN?", $"+MQTTCONN:0,connected,1,\"127.0.0.1\",{Port},1\r\n\r\nOK\r\n");
        await s.CommandAsync("AT+MQTTSUB?", $"+MQTTSUB:0,connected,\"{topic}\",1\r\n\r\nOK\r\n");

        await s.CommandAsync("AT+MQTTCLEAN=0", "\r\nOK\r\n");
        await probe.PublishAsync(topic, [], 0, true);
    }

    [Fact]
    public async Task The_urc_queue_can_say_how_many_lines_wait()
    {
        await using var modem = new Modem(new ModemOptions());
        Assert.Equal(0, modem.Urcs.Pending);
    }

    [Fact]
    public async Task Ready_is_always_the_first_thing_a_new_host_sees()
    {
        var session = InMemoryModem.CreateDetached();
        await using (session)
        {
            for (int round = 0; round < 100; round++)
            {
                // A status line is waiting for a host when the host attaches.
                session.Modem.Urcs.Enqueue(Text.Utf8($"+MQTTDISCONNECTED:{round}\r\n"));
                // Gives the pump time to take it and wait for a host, the interleaving this test is after. Not a
                // wait for an event (that state is not observable; Pending counts the line either way), and the
                // assertion holds whichever way a round goes: a loaded machine only makes fewer rounds reach it.
                await Task.Delay(15);
                session.Attach();
                await session.ExpectAsync($"ready\r\n+MQTTDISCONNECTED:{round}\r\n");
                await session.DetachAsync();
            }

            session.Attach();
            await session.ExpectAsync("ready\r\n");
        }
    }

    [Fact]
    public async Task The_will_is_published_after_AT_RST_and_not_after_AT_MQTTCLEAN()
    {
        var will = Text.Unique("will");
        await using var probe = await broker.ProbeAsync();
        await probe.SubscribeAsync(will + "/#", 2);

        await using var s = await InMemoryModem.StartAsync();
        await s.UserConfigAsync("will-" + Guid.NewGuid().ToString("N")[..8]);
        await s.CommandAsync($"AT+MQTTCONNCFG=0,60,0,\"{will}/rst\",\"gone, \\\"bye\\\"\",1,0", "\r\nOK\r\n");

        // A refused CONNCFG changes nothing: the will stays the first one.
        await s.CommandAsync($"AT+MQTTCONNCFG=0,60,0,\"{will}/wrong\",\"x\",3,0", "\r\nERROR\r\n");
        await s.ConnectAsync(Port);

        await s.SendAsync("AT+RST\r\n");
        await s.ExpectAsync("AT+RST\r\n\r\nOK\r\nready\r\n");
        var m = await probe.NextAsync();
        Assert.Equal($"{will}/rst", m.Topic);
        Assert.Equal("gone, \"bye\""u8.ToArray(), m.Payload);
        Assert.Equal(1, m.Qos);

        // CLEAN sends DISCONNECT: no will.
        await s.UserConfigAsync("will-" + Guid.NewGuid().ToString("N")[..8]);
        await s.CommandAsync($"AT+MQTTCONNCFG=0,60,0,\"{will}/clean\",\"bye\",0,0", "\r\nOK\r\n");
        await s.ConnectAsync(Port);
        await s.CommandAsync("AT+MQTTCLEAN=0", "\r\nOK\r\n");
        await probe.AssertNoMessageAsync(TimeSpan.FromSeconds(1));
    }
}
