using Xunit;

namespace AtMqtt.Core.Tests.Commands;

/// <summary>AT+MQTTPUBRAW (src/AtMqtt.Core/Commands/MqttPublishRaw.cs): the data phase, its timeout, no URC inside it, a host that detaches in it.</summary>
public class MqttPublishRawTests(BrokerFixture broker) : IClassFixture<BrokerFixture>
{
    private int Port => broker.Port;

    [Fact]
    public async Task Pubraw_of_all_256_byte_values()
    {
        var topic = Text.Unique("raw");
        await using var probe = await broker.ProbeAsync();
        await probe.SubscribeAsync(topic, 2);
        await using var s = await broker.ConnectedModemAsync();
        await s.CommandAsync($"AT+MQTTSUB=0,\"{topic}\",2", "\r\nOK\r\n");

        var payload = Enumerable.Range(0, 256).Select(i => (byte)i).ToArray();
        await s.CommandAsync($"AT+MQTTPUBRAW=0,\"{topic}\",256,2,0", "\r\nOK\r\n\r\n>");
        await s.SendAsync(payload);
        await s.ExpectAsync("\r\n+MQTTPUBRAW:OK\r\n");

        var m = await probe.NextAsync();
        Assert.Equal(payload, m.Payload);
        Assert.Equal(2, m.Qos);
        Assert.False(m.Retain);

        await s.ExpectAsync(Text.Concat(Text.Utf8($"+MQTTSUBRECV:0,\"{topic}\",256,"), payload, "\r\n"u8.ToArray()));
        await s.AssertAliveAsync();
        await s.CommandAsync("AT+MQTTCLEAN=0", "\r\nOK\r\n");
    }

    [Theory]
    [InlineData(1, 0, 0)]
    [InlineData(512, 1, 1)]
    [InlineData(100, 0, 1)]
    public async Task Pubraw_length_qos_and_retain(int length, int qos, int retain)
    {
        var topic = Text.Unique("rawlen");
        await using var probe = await broker.ProbeAsync();
        await using var s = await broker.ConnectedModemAsync();
        var payload = new byte[length];
        new Random(length).NextBytes(payload);
        await s.CommandAsync($"AT+MQTTPUBRAW=0,{topic},{length},{qos},{retain},10000", "\r\nOK\r\n\r\n>");
        await s.SendAsync(payload);
        await s.ExpectAsync("\r\n+MQTTPUBRAW:OK\r\n");
        if (retain == 1)
        {
            // Subscribed before the broker has it (QoS 0 has no acknowledgement), the probe would get it live, without the flag.
            await broker.WaitRetainedAsync(topic, InMemoryModem.Timeout);
            await probe.SubscribeAsync(topic, 2);
            var m = await probe.NextAsync();
            Assert.Equal(payload, m.Payload);
            Assert.Equal(qos, m.Qos);
            Assert.True(m.Retain);
            await probe.PublishAsync(topic, [], 0, true);
        }

        await s.AssertAliveAsync();
        await s.CommandAsync("AT+MQTTCLEAN=0", "\r\nOK\r\n");
    }

    [Fact]
    public async Task Pubraw_data_in_the_same_write_as_the_command()
    {
        var topic = Text.Unique("rawsame");
        await using var probe = await broker.ProbeAsync();
        await probe.SubscribeAsync(topic, 1);
        await using var s = await broker.ConnectedModemAsync();
        var command = $"AT+MQTTPUBRAW=0,\"{topic}\",8,1\r\n";

        // The data ends the data phase; the AT after it is a command. It is answered busy p... if it
        // comes while the QoS 1 publish waits for PUBACK, and OK after the result if the PUBACK beat
        // it; never busy p... after the result (the host would see a command refused once the
        // previous one was done).
        await s.SendAsync(Text.Concat(Text.Utf8(command), "AT\r\nAT\r\n"u8.ToArray(), "AT\r\n"u8.ToArray()));
        string upToResult = await s.ReadUntilAsync("+MQTTPUBRAW:OK\r\n");
        if (upToResult.Contains("busy p...", StringComparison.Ordinal))
        {
            Assert.Equal(command + "\r\nOK\r\n\r\n>AT\r\nbusy p...\r\n\r\n+MQTTPUBRAW:OK\r\n", upToResult);
        }
        else
        {
            Assert.Equal(command + "\r\nOK\r\n\r\n>\r\n+MQTTPUBRAW:OK\r\n", upToResult);
            await s.ExpectAsync("AT\r\n\r\nOK\r\n");
        }

        await s.AssertAliveAsync();
        var m = await probe.NextAsync();
        Assert.Equal("AT\r\nAT\r\n"u8.ToArray(), m.Payload);
        await s.CommandAsync("AT+MQTTCLEAN=0", "\r\nOK\r\n");
    }

    [Fact]
    public async Task Pubraw_the_LF_of_a_CR_LF_split_from_its_CR_is_not_data()
    {
        var topic = Text.Unique("rawlf");
        await using var probe = await broker.ProbeAsync();
        await probe.SubscribeAsync(topic, 1);
        await using var s = await broker.ConnectedModemAsync();
        var command = $"AT+MQTTPUBRAW=0,\"{topic}\",3,1";
        await s.SendAsync(command + "\r");
        await s.ExpectAsync(command + "\r\r\nOK\r\n\r\n>");
        await s.SendAsync("\nabc");
        await s.ExpectAsync("\r\n+MQTTPUBRAW:OK\r\n");
        var m = await probe.NextAsync();
        Assert.Equal("abc"u8.ToArray(), m.Payload);
        await s.AssertAliveAsync();
        await s.CommandAsync("AT+MQTTCLEAN=0", "\r\nOK\r\n");
    }

    [Fact]
    public async Task Pubraw_with_echo_off()
    {
        var topic = Text.Unique("rawe0");
        await using var probe = await broker.ProbeAsync();
        await probe.SubscribeAsync(topic, 0);
        await using var s = await broker.ConnectedModemAsync();
        await s.CommandAsync("ATE0", "\r\nOK\r\n");
        await s.SendAsync($"AT+MQTTPUBRAW=0,\"{topic}\",4\r\n");
        await s.ExpectAsync("\r\nOK\r\n\r\n>");
        await s.SendAsync("\r\n\r\n");
        await s.ExpectAsync("\r\n+MQTTPUBRAW:OK\r\n");
        Assert.Equal("\r\n\r\n"u8.ToArray(), (await probe.NextAsync()).Payload);
        await s.SendAsync("AT+MQTTCLEAN=0\r\n");
        await s.ExpectAsync("\r\nOK\r\n");
    }

    [Fact]
    public async Task Pubraw_times_out_when_the_data_stops()
    {
        var topic = Text.Unique("rawto");
        await using var probe = await broker.ProbeAsync();
        await probe.SubscribeAsync(topic, 1);
        // 2 s, not less: the complete publish below must beat the timeout however late a loaded
        // machine schedules the test; the stalled ones only take that long.
        await using var s = await InMemoryModem.StartAsync(new ModemOptions { DataTimeout = TimeSpan.FromSeconds(2) });
        await s.ConfigureAndConnectAsync(Port);
        await s.CommandAsync($"AT+MQTTPUBRAW=0,\"{topic}\",10,1", "\r\nOK\r\n\r\n>");
        await s.SendAsync("abc");
        await s.ExpectAsync("\r\n+MQTTPUBRAW:FAIL\r\n");
        await probe.AssertNoMessageAsync(TimeSpan.FromMilliseconds(300));

        // Back in command mode: the partial data was discarded and the next bytes are a command.
        await s.AssertAliveAsync();

        // No data at all times out too.
        await s.CommandAsync($"AT+MQTTPUBRAW=0,\"{topic}\",10,1", "\r\nOK\r\n\r\n>");
        await s.ExpectAsync("\r\n+MQTTPUBRAW:FAIL\r\n");
        await s.AssertAliveAsync();

        // And a complete one still works.
        await s.CommandAsync($"AT+MQTTPUBRAW=0,\"{topic}\",2,1", "\r\nOK\r\n\r\n>");
        await s.SendAsync("ok");
        await s.ExpectAsync("\r\n+MQTTPUBRAW:OK\r\n");
        Assert.Equal("ok"u8.ToArray(), (await probe.NextAsync()).Payload);
        await s.CommandAsync("AT+MQTTCLEAN=0", "\r\nOK\r\n");
    }

    [Fact]
    public async Task Pubraw_data_that_trickles_in_does_not_time_out()
    {
        var topic = Text.Unique("rawslow");
        await using var probe = await broker.ProbeAsync();
        await probe.SubscribeAsync(topic, 1);
        await using var s = await InMemoryModem.StartAsync(new ModemOptions { DataTimeout = TimeSpan.FromSeconds(2) });
        await s.ConfigureAndConnectAsync(Port);
        await s.CommandAsync($"AT+MQTTPUBRAW=0,\"{topic}\",8,1", "\r\nOK\r\n\r\n>");

        // The pauses are the input itself: 8 bytes 0.5 s apart take 4 s, twice the data timeout, while no
        // gap comes near it. A timeout counted from the start of the data phase would fail this.
        foreach (var b in "trickle!"u8.ToArray())
        {
            await Task.Delay(500);
            await s.SendAsync([b]);
        }

        await s.ExpectAsync("\r\n+MQTTPUBRAW:OK\r\n");
        Assert.Equal("trickle!"u8.ToArray(), (await probe.NextAsync()).Payload);
        await s.CommandAsync("AT+MQTTCLEAN=0", "\r\nOK\r\n");
    }

    [Fact]
    public async Task No_URC_between_OK_and_the_prompt_or_inside_the_data_phase()
    {
        var t = Text.Unique("gate");
        await using var s = await broker.ConnectedModemAsync();
        await s.CommandAsync($"AT+MQTTSUB=0,\"{t}/in\",1", "\r\nOK\r\n");
        await using var probe = await broker.ProbeAsync();

        await s.CommandAsync($"AT+MQTTPUBRAW=0,\"{t}/out\",5,1", "\r\nOK\r\n\r\n>");
        await probe.PublishAsync($"{t}/in", "early", 1);

        // The message reached the modem, but the data phase is open: nothing may be written.
        await s.AssertSilentAsync(TimeSpan.FromSeconds(1));
        await s.SendAsync("12345");
        await s.ExpectAsync($"\r\n+MQTTPUBRAW:OK\r\n+MQTTSUBRECV:0,\"{t}/in\",5,early\r\n");
        await s.AssertAliveAsync();
        await s.CommandAsync("AT+MQTTCLEAN=0", "\r\nOK\r\n");
    }

    [Fact]
    public async Task A_host_that_detaches_in_the_middle_of_a_line_or_data_phase_leaves_no_trace()
    {
        var topic = Text.Unique("half");
        await using var probe = await broker.ProbeAsync();
        await probe.SubscribeAsync(topic, 1);
        await using var s = await broker.ConnectedModemAsync();

        await s.SendAsync("AT+MQTTPU");
        await s.DetachAsync();
        s.Attach();
        await s.ExpectAsync("ready\r\n");
        await s.AssertAliveAsync();

        await s.CommandAsync($"AT+MQTTPUBRAW=0,\"{topic}\",10,1", "\r\nOK\r\n\r\n>");
        await s.SendAsync("12345"); // the modem reads what was sent before it sees the host go
        await s.DetachAsync();
        s.Attach();
        await s.ExpectAsync("ready\r\n");
        await s.AssertAliveAsync();

        // Nothing was published: the broker's next message on the topic is a marker the modem publishes now.
        await s.CommandAsync($"AT+MQTTPUB=0,\"{topic}\",\"marker\",1,0", "\r\nOK\r\n");
        Assert.Equal("marker", (await probe.NextAsync()).PayloadText);
        await s.CommandAsync("AT+MQTTCLEAN=0", "\r\nOK\r\n");
    }
}
