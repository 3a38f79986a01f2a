using System.Net;
using System.Net.Sockets;
using AtMqtt.Core.Instrument;
using Xunit;

namespace AtMqtt.Core.Tests.Instrument;

/// <summary>Modem.ResetPinAsync: the reset pin of a module, pulled from outside the host's channel.</summary>
public class ResetPinTests(BrokerFixture broker) : IClassFixture<BrokerFixture>
{
    [Fact]
    public async Task The_link_is_cut_so_the_broker_publishes_the_will_state_is_forgotten_and_the_host_gets_ready()
    {
        var willTopic = Unique.Topic("will");
        await using var probe = await broker.ProbeAsync();
        await probe.SubscribeAsync(willTopic, 1);
        await using var s = await InMemoryModem.StartAsync();
        using var events = new EventWaiter(s.Modem.Events);

        await s.UserConfigAsync(Unique.Id("pin"));
        await s.CommandAsync($"AT+MQTTCONNCFG=0,60,0,\"{willTopic}\",\"gone\",1,0", InMemoryModem.Ok);
        await s.ConnectAsync(broker.Port, reconnect: 1);
        await s.CommandAsync($"AT+MQTTSUB=0,\"{Unique.Topic("pin")}\",0", InMemoryModem.Ok);
        await s.CommandAsync("AT+SYSLOG=1", InMemoryModem.Ok);
        await s.CommandAsync("AT+MQTTPUB=0,\"t/x\",\"x\",0,0", InMemoryModem.Ok);
        await s.CommandAsync("ATE0", InMemoryModem.Ok);
        long commands = s.Modem.Counters.Commands;

        await s.Modem.ResetPinAsync();

        // Exactly ready: no +MQTTDISCONNECTED (the module was reset, it did not see the link drop).
        await s.ExpectAsync("ready\r\n");
        var will = await probe.NextAsync();
        Assert.Equal((willTopic, "gone"), (will.Topic, will.PayloadText));
        await events.StateAsync(StateNames.Reset, "pin");
        await events.StateAsync(StateNames.Link, "idle");

        var state = s.Modem.Snapshot();
        Assert.Equal(new LinkState("idle", null, null, null, null, null, 120, true), state.Link);
        Assert.Empty(state.Subscriptions);
        Assert.True(state.Echo);
        Assert.Equal(commands, state.Counters.Commands); // counted since start, not since the reset
        Assert.Equal(1, state.Counters.PublishedByQos[0]);

        // Echo back on, SYSLOG off, no configuration: as after power-on. No reconnection either.
        await s.CommandAsync("AT+MQTTPUB=0,\"t\",\"x\",0,0", InMemoryModem.Error);
        await s.CommandAsync("AT+MQTTCONN?", "+MQTTCONN:0,disconnect,0,\"\",0,0\r\n" + InMemoryModem.Ok);
        await s.AssertSilentAsync(TimeSpan.FromMilliseconds(1500));
        Assert.Equal("idle", s.Modem.Snapshot().Link.Phase);
    }

    [Fact]
    public async Task A_data_phase_under_way_is_abandoned_and_its_fail_line_never_comes()
    {
        await using var s = await InMemoryModem.StartAsync(new ModemOptions { DataTimeout = TimeSpan.FromMilliseconds(500) });
        await s.ConfigureAndConnectAsync(broker.Port);
        await s.CommandAsync("AT+MQTTPUBRAW=0,\"t/raw\",10,0,0", "\r\nOK\r\n\r\n>");
        await s.SendAsync("12345");

        await s.Modem.ResetPinAsync();
        await s.ExpectAsync("ready\r\n");

        // The host starts over: its next line is a command, not the rest of the data.
        await s.CommandAsync("AT", InMemoryModem.Ok);

        // Past the data timeout: no +MQTTPUB:FAIL from the abandoned phase.
        await s.AssertSilentAsync(TimeSpan.FromMilliseconds(1500));
        await s.AssertAliveAsync();
    }

    [Fact]
    public async Task A_command_waiting_on_the_broker_is_abandoned_and_its_result_never_comes()
    {
        // A broker that accepts the connection and never answers CONNECT.
        using var silent = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        silent.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        silent.Listen();
        int port = ((IPEndPoint)silent.LocalEndPoint!).Port;

        await using var s = await InMemoryModem.StartAsync();
        await s.UserConfigAsync(Unique.Id("hang"));
        await s.SendAsync($"AT+MQTTCONN=0,\"127.0.0.1\",{port},0\r\n");
        await s.ExpectAsync($"AT+MQTTCONN=0,\"127.0.0.1\",{port},0\r\n");
        using var accepted = await silent.AcceptAsync().WaitAsync(InMemoryModem.Timeout);

        await s.Modem.ResetPinAsync();
        await s.ExpectAsync("ready\r\n");

        // Not busy: the abandoned command has ended, and its ERROR went nowhere.
        await s.CommandAsync("AT", InMemoryModem.Ok);
        await s.AssertSilentAsync(TimeSpan.FromMilliseconds(1000));
        Assert.Equal("idle", s.Modem.Snapshot().Link.Phase);
    }

    [Fact]
    public async Task Without_a_host_the_reset_still_forgets_state_and_the_next_host_gets_one_ready()
    {
        await using var s = await InMemoryModem.StartAsync();
        await s.ConfigureAndConnectAsync(broker.Port);
        await s.DetachAsync();

        await s.Modem.ResetPinAsync();
        Assert.Equal("idle", s.Modem.Snapshot().Link.Phase);

        s.Attach();
        await s.ExpectAsync("ready\r\n");
        await s.CommandAsync("AT+MQTTCONN?", "+MQTTCONN:0,disconnect,0,\"\",0,0\r\n" + InMemoryModem.Ok);
    }
}
