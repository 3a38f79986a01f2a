using System.Net;
using System.Net.Sockets;
using Xunit;

namespace AtMqtt.Core.Tests.Mqtt;

/// <summary>AT+MQTTCONN, SUB, UNSUB, CLEAN and the order rules (the SUB and UNSUB transcripts themselves: Commands/MqttSubscribeTests, MqttUnsubscribeTests), against MQTTnet's in-process broker.</summary>
public class MqttLinkTests(BrokerFixture broker) : IClassFixture<BrokerFixture>
{
    private int Port => broker.Port;

    [Fact]
    public async Task Connect_then_query_then_clean()
    {
        await using var s = await InMemoryModem.StartAsync();
        await s.CommandAsync("AT+MQTTCONN?", "+MQTTCONN:0,disconnect,0,\"\",0,0\r\n\r\nOK\r\n");
        await s.UserConfigAsync(Text.Unique("c").Replace('/', '-'));
        await s.CommandAsync($"AT+MQTTCONN=0,\"127.0.0.1\",{Port},1",
            $"+MQTTCONNECTED:0,1,\"127.0.0.1\",{Port},1\r\n\r\nOK\r\n");
        await s.CommandAsync("AT+MQTTCONN?", $"+MQTTCONN:0,connected,1,\"127.0.0.1\",{Port},1\r\n\r\nOK\r\n");
        await s.CommandAsync("AT+MQTTCLEAN=0", "\r\nOK\r\n");
        await s.CommandAsync("AT+MQTTCONN?", "+MQTTCONN:0,disconnect,0,\"\",0,0\r\n\r\nOK\r\n");
        await s.CommandAsync("AT+MQTTCLEAN=0", "\r\nOK\r\n");
        await s.AssertAliveAsync();
    }

    [Fact]
    public async Task Connect_with_every_optional_parameter()
    {
        await using var s = await InMemoryModem.StartAsync();
        await s.CommandAsync("AT+MQTTUSERCFG=0,1,\"opt-client\",\"user\",\"secret\",0,0,\"/mqtt\"", "\r\nOK\r\n");
        await s.CommandAsync("AT+MQTTCONNCFG=0,0,1,\"will/opt\",\"gone\",2,1", "\r\nOK\r\n");
        await s.CommandAsync($"AT+MQTTCONN=0,127.0.0.1,{Port},0,60000",
            $"+MQTTCONNECTED:0,1,\"127.0.0.1\",{Port},0\r\n\r\nOK\r\n");
        await s.CommandAsync("AT+MQTTCLEAN=0", "\r\nOK\r\n");
    }

    [Fact]
    public async Task Connect_to_a_port_where_nothing_listens_fails_and_may_be_retried()
    {
        int closed = FreePort.Get();
        await using var s = await InMemoryModem.StartAsync();
        await s.SysLogOnAsync();
        await s.UserConfigAsync("refused");
        await s.CommandAsync($"AT+MQTTCONN=0,\"127.0.0.1\",{closed},0",
            "+MQTTDISCONNECTED:0\r\n" + Text.Error("0x010a600b"));
        await s.CommandAsync("AT+MQTTCONN?", $"+MQTTCONN:0,disconnect,1,\"127.0.0.1\",{closed},0\r\n\r\nOK\r\n");
        await s.AssertAliveAsync();

        // No retry in the background, and CONN may be tried again at once.
        await s.AssertSilentAsync(TimeSpan.FromMilliseconds(300));
        await s.ConnectAsync(Port);
        await s.CommandAsync("AT+MQTTCLEAN=0", "\r\nOK\r\n");
    }

    [Fact]
    public async Task Out_of_order_commands_while_connected_are_errors_and_change_nothing()
    {
        await using var s = await broker.ConnectedModemAsync();
        await s.SysLogOnAsync();
        await s.CommandAsync("AT+MQTTUSERCFG=0,1,\"other\",\"\",\"\",0,0,\"\"", Text.Error("0x010a6004"));
        await s.AssertAliveAsync();
        await s.CommandAsync("AT+MQTTCONNCFG=0,120,0,\"t\",\"m\",0,0", Text.Error("0x010a6004"));
        await s.AssertAliveAsync();
        await s.CommandAsync($"AT+MQTTCONN=0,\"127.0.0.1\",{Port},0", Text.Error("0x010a6004"));
        await s.AssertAliveAsync();
        await s.CommandAsync("AT+MQTTCONN?", $"+MQTTCONN:0,connected,1,\"127.0.0.1\",{Port},0\r\n\r\nOK\r\n");

        // And the link still works.
        var topic = Text.Unique("order");
        await s.CommandAsync($"AT+MQTTSUB=0,\"{topic}\",0", "\r\nOK\r\n");
        await s.CommandAsync($"AT+MQTTPUB=0,\"{topic}\",\"x\",0,0", "\r\nOK\r\n");
        await s.ExpectAsync($"+MQTTSUBRECV:0,\"{topic}\",1,x\r\n");
        await s.CommandAsync("AT+MQTTCLEAN=0", "\r\nOK\r\n");
    }

    [Theory]
    [InlineData("AT+MQTTPUB=0,\"{a129}\",\"d\",0,0", "0x010a6043")]
    [InlineData("AT+MQTTPUB=0,\"a/+\",\"d\",0,0", "0x010a6041")]
    [InlineData("AT+MQTTPUB=0,\"t\",\"\",0,0", "0x010a6045")]
    [InlineData("AT+MQTTPUB=0,\"t\",\"d\",3,0", "0x010a6048")]
    [InlineData("AT+MQTTPUB=0,\"t\",\"d\",0,2", "0x010a604a")]
    [InlineData("AT+MQTTPUB=0,\"t\",\"d\",0,0,2999", "0x010a6008")]
    [InlineData("AT+MQTTPUB=1,\"t\",\"d\",0,0", "0x010a6011")]
    [InlineData("AT+MQTTPUB=0,\"t\",\"d\",0", "0x01060504")]
    [InlineData("AT+MQTTPUBRAW=0,\"t\",0", "0x010a604c")]
    [InlineData("AT+MQTTPUBRAW=0,\"t\",513", "0x010a604c")]
    [InlineData("AT+MQTTPUBRAW=0,\"t#\",1", "0x010a6041")]
    [InlineData("AT+MQTTPUBRAW=0,\"t\",1,3", "0x010a6048")]
    [InlineData("AT+MQTTPUBRAW=0,\"t\",1,0,0,60001", "0x010a6008")]
    [InlineData("AT+MQTTSUB=0,\"a#\",0", "0x010a6041")]
    [InlineData("AT+MQTTSUB=0,\"a+/b\",0", "0x010a6041")]
    [InlineData("AT+MQTTSUB=0,\"t\",3", "0x010a6048")]
    [InlineData("AT+MQTTSUB=0,\"{a129}\",0", "0x010a6043")]
    [InlineData("AT+MQTTSUB=0,\"t\"", "0x01060302")]
    [InlineData("AT+MQTTUNSUB=0,\"a/#/b\"", "0x010a6041")]
    [InlineData("AT+MQTTUNSUB=0,\"t\",60001", "0x010a6008")]
    [InlineData("AT+MQTTCLEAN=1", "0x010a6011")]
    public async Task Bad_input_while_connected_is_ERROR_and_the_link_stays_up(string template, string code)
    {
        await using var s = await broker.ConnectedModemAsync();
        await s.SysLogOnAsync();
        await s.CommandAsync(Text.Expand(template), Text.Error(code));
        await s.AssertAliveAsync();
        await s.CommandAsync("AT+MQTTCONN?", $"+MQTTCONN:0,connected,1,\"127.0.0.1\",{Port},0\r\n\r\nOK\r\n");
        await s.CommandAsync("AT+MQTTSUB?", "\r\nOK\r\n");
    }

    [Fact]
    public async Task A_subscription_the_broker_refuses_is_ERROR_and_not_listed()
    {
        await using var s = await broker.ConnectedModemAsync();
        await s.SysLogOnAsync();
        var t = Text.Unique("ok");
        await s.CommandAsync($"AT+MQTTSUB=0,\"{BrokerFixture.DeniedPrefix}x\",1", Text.Error("0x010a600d"));
        await s.CommandAsync($"AT+MQTTSUB=0,\"{t}\",1", "\r\nOK\r\n");
        await s.CommandAsync("AT+MQTTSUB?", $"+MQTTSUB:0,connected,\"{t}\",1\r\n\r\nOK\r\n");
        await s.CommandAsync($"AT+MQTTUNSUB=0,\"{BrokerFixture.DeniedPrefix}x\"", "NO UNSUBSCRIBE\r\n\r\nOK\r\n");
        await s.CommandAsync($"AT+MQTTSUB=0,\"{BrokerFixture.DeniedPrefix}x\",1", Text.Error("0x010a600d"));
        await s.CommandAsync("AT+MQTTCLEAN=0", "\r\nOK\r\n");
    }

    [Fact]
    public async Task At_most_ten_subscriptions()
    {
        await using var s = await broker.ConnectedModemAsync();
        await s.SysLogOnAsync();
        var t = Text.Unique("ten");
        for (int i = 0; i < 10; i++)
        {
            await s.CommandAsync($"AT+MQTTSUB=0,\"{t}/{i}\",0", "\r\nOK\r\n");
        }

        await s.CommandAsync($"AT+MQTTSUB=0,\"{t}/10\",0", Text.Error("0x010a600d"));
        await s.AssertAliveAsync();

        // A filter already in the full list is still ALREADY SUBSCRIBE, not an error.
        await s.CommandAsync($"AT+MQTTSUB=0,\"{t}/9\",0", "ALREADY SUBSCRIBE\r\n\r\nOK\r\n");
        await s.SendAsync("AT+MQTTSUB?\r\n");
        var query = await s.ReadUntilAsync("\r\nOK\r\n");
        Assert.Equal(10, query.Split("+MQTTSUB:0,connected,").Length - 1);

        // Room again after an unsubscribe.
        await s.CommandAsync($"AT+MQTTUNSUB=0,\"{t}/0\"", "\r\nOK\r\n");
        await s.CommandAsync($"AT+MQTTSUB=0,\"{t}/10\",0", "\r\nOK\r\n");
        await s.CommandAsync("AT+MQTTCLEAN=0", "\r\nOK\r\n");
    }

    [Fact]
    public async Task Max_subscriptions_option_changes_the_limit()
    {
        await using var s = await InMemoryModem.StartAsync(new ModemOptions { MaxSubscriptions = 3 });
        await s.ConfigureAndConnectAsync(Port);
        var t = Text.Unique("three");
        for (int i = 0; i < 3; i++)
        {
            await s.CommandAsync($"AT+MQTTSUB=0,\"{t}/{i}\",0", "\r\nOK\r\n");
        }

        await s.CommandAsync($"AT+MQTTSUB=0,\"{t}/3\",0", "\r\nERROR\r\n");
        await s.AssertAliveAsync();
        await s.CommandAsync("AT+MQTTCLEAN=0", "\r\nOK\r\n");
    }

    [Fact]
    public async Task After_clean_the_link_must_be_configured_again()
    {
        await using var s = await broker.ConnectedModemAsync();
        var t = Text.Unique("clean");
        await s.CommandAsync($"AT+MQTTSUB=0,\"{t}\",0", "\r\nOK\r\n");
        await s.CommandAsync("AT+MQTTCLEAN=0", "\r\nOK\r\n");
        await s.SysLogOnAsync();
        await s.CommandAsync($"AT+MQTTPUB=0,\"{t}\",\"x\",0,0", Text.Error("0x010a6051"));
        await s.CommandAsync($"AT+MQTTPUBRAW=0,\"{t}\",1", Text.Error("0x010a6051"));
        await s.CommandAsync($"AT+MQTTSUB=0,\"{t}\",0", Text.Error("0x010a6001"));
        await s.CommandAsync($"AT+MQTTUNSUB=0,\"{t}\"", "NO UNSUBSCRIBE\r\n\r\nOK\r\n");
        await s.CommandAsync($"AT+MQTTCONN=0,\"127.0.0.1\",{Port},0", Text.Error("0x010a6001"));
        await s.CommandAsync("AT+MQTTCONNCFG=0,120,0,\"t\",\"m\",0,0", Text.Error("0x010a6001"));
        await s.CommandAsync("AT+MQTTSUB?", "\r\nOK\r\n");

        await s.ConfigureAndConnectAsync(Port);
        await s.CommandAsync("AT+MQTTSUB?", "\r\nOK\r\n");
        await s.CommandAsync("AT+MQTTCLEAN=0", "\r\nOK\r\n");
        await s.CommandAsync("AT+MQTTCLEAN=0", "\r\nOK\r\n");
    }

    [Fact]
    public async Task Reset_while_connected_forgets_the_link()
    {
        await using var s = await broker.ConnectedModemAsync();
        await s.CommandAsync($"AT+MQTTSUB=0,\"{Text.Unique("rst")}\",0", "\r\nOK\r\n");
        await s.CommandAsync("ATE0", "\r\nOK\r\n");
        await s.SendAsync("AT+RST\r\n");
        await s.ExpectAsync("\r\nOK\r\nready\r\n");
        await s.CommandAsync("AT+MQTTCONN?", "+MQTTCONN:0,disconnect,0,\"\",0,0\r\n\r\nOK\r\n");
        await s.CommandAsync("AT+MQTTSUB?", "\r\nOK\r\n");
        await s.ConfigureAndConnectAsync(Port);
        await s.CommandAsync("AT+MQTTCLEAN=0", "\r\nOK\r\n");
    }

    [Fact]
    public async Task A_line_during_a_blocking_command_gets_busy_and_is_dropped()
    {
        using var silent = new TcpListener(IPAddress.Loopback, 0);
        silent.Start();
        int port = ((IPEndPoint)silent.LocalEndpoint).Port;
        var accepted = new List<Socket>();
        var acceptLoop = Task.Run(async () =>
        {
            try
            {
                while (true)
                {
                    accepted.Add(await silent.AcceptSocketAsync());
                }
            }
            catch (Exception ex) when (ex is SocketException or ObjectDisposedException)
            {
            }
        });

        await using var s = await InMemoryModem.StartAsync();
        await s.UserConfigAsync("busy");
        await s.SendAsync($"AT+MQTTCONN=0,\"127.0.0.1\",{port},0,3000\r\n");
        await s.ExpectAsync($"AT+MQTTCONN=0,\"127.0.0.1\",{port},0,3000\r\n");

        await s.SendAsync("AT\r\n");
        await s.ExpectAsync("AT\r\nbusy p...\r\n");
        await s.SendAsync("ATE0\r\n");
        await s.ExpectAsync("ATE0\r\nbusy p...\r\n");
        await s.SendAsync("AT+MQTTCONN?\r");
        await s.ExpectAsync("AT+MQTTCONN?\r\nbusy p...\r\n");

        // The CONN times out after 3 s: no CONNACK.
        await s.ExpectAsync("+MQTTDISCONNECTED:0\r\n\r\nERROR\r\n", TimeSpan.FromSeconds(10));

        // ATE0 was dropped: echo is still on.
        await s.AssertAliveAsync();
        await s.CommandAsync("AT+MQTTCONN?", $"+MQTTCONN:0,disconnect,1,\"127.0.0.1\",{port},0\r\n\r\nOK\r\n");

        silent.Stop();
        await acceptLoop;
        foreach (var socket in accepted)
        {
            socket.Dispose();
        }
    }
}
