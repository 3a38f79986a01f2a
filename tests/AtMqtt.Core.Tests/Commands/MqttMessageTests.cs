using Xunit;

namespace AtMqtt.Core.Tests.Commands;

/// <summary>Messages both ways, PUBRAW, URC placement, the will, and a host that detaches.</summary>
public class MessageTests(BrokerFixture broker) : IClassFixture<BrokerFixture>
{
    private int Port => broker.Port;

    private static readonly TimeSpan Quiet = TimeSpan.FromMilliseconds(500);

    [Theory]
    [InlineData(0, 0)]
    [InlineData(1, 0)]
    [InlineData(2, 0)]
    [InlineData(0, 1)]
    [InlineData(1, 1)]
    [InlineData(2, 1)]
    public async Task Publish_reaches_the_broker_with_its_qos_and_retain(int qos, int retain)
    {
        var topic = Text.Unique("pub");
        await using var probe = await broker.ProbeAsync();
        if (retain == 0)
        {
            await probe.SubscribeAsync(topic, 2);
        }

        await using var s = await InMemoryModem.StartAsync();
        await s.ConfigureAndConnectAsync(Port);
        await s.CommandAsync($"AT+MQTTPUB=0,\"{topic}\",\"hello world\",{qos},{retain}", "\r\nOK\r\n");

        if (retain == 1)
        {
            // A retained message is seen with its flag by a subscriber that comes later (once the
            // broker has it: subscribed earlier, the probe would get it live, without the flag).
            await broker.WaitRetainedAsync(topic, InMemoryModem.Timeout);
            await probe.SubscribeAsync(topic, 2);
        }

        var m = await probe.NextAsync();
        Assert.Equal(topic, m.Topic);
        Assert.Equal("hello world"u8.ToArray(), m.Payload);
        Assert.Equal(qos, m.Qos);
        Assert.Equal(retain == 1, m.Retain);
        await probe.AssertNoMessageAsync(TimeSpan.FromMilliseconds(200));

        if (retain == 1)
        {
            await probe.PublishAsync(topic, [], 0, true);
        }

        await s.CommandAsync("AT+MQTTCLEAN=0", "\r\nOK\r\n");
    }

    [Theory]
    [InlineData("\"a\\,b\\\"c\\\\d\\xe\"", "a,b\"c\\dxe")]
    [InlineData("plain,0,0", null)]
    [InlineData("bare\\,comma", "bare,comma")]
    [InlineData("\"with \"\"quotes\"", null)]
    [InlineData("\"{d200}\"", "{d200}")]
    [InlineData("\"ünïcødé\"", "ünïcødé")]
    [InlineData("987654321", "987654321")]
    public async Task Publish_data_is_unescaped(string data, string? payload)
    {
        var topic = Text.Unique("esc");
        await using var probe = await broker.ProbeAsync();
        await probe.SubscribeAsync(topic, 1);
        await using var s = await InMemoryModem.StartAsync();
        await s.ConfigureAndConnectAsync(Port);
        var line = Text.Expand($"AT+MQTTPUB=0,{topic},{data},1,0");
        if (payload is null)
        {
            // "plain,0,0" makes extra parameters; a quote inside a quoted value ends it early.
            await s.CommandAsync(line, "\r\nERROR\r\n");
            await probe.AssertNoMessageAsync(TimeSpan.FromMilliseconds(300));
        }
        else
        {
            await s.CommandAsync(line, "\r\nOK\r\n");
            var m = await probe.NextAsync();
            Assert.Equal(Text.Utf8(Text.Expand(payload)), m.Payload);
        }

        await s.AssertAliveAsync();
        await s.CommandAsync("AT+MQTTCLEAN=0", "\r\nOK\r\n");
    }

    [Fact]
    public async Task Escapes_in_topic_and_data_of_one_publish()
    {
        var t = Text.Unique("both");
        await using var probe = await broker.ProbeAsync();
        await probe.SubscribeAsync(t + "/#", 1);
        await using var s = await InMemoryModem.StartAsync();
        await s.ConfigureAndConnectAsync(Port);
        await s.CommandAsync($"AT+MQTTPUB=0,\"{t}\\/x\\,y\",\"d\\,1\\\"2\",1,0", "\r\nOK\r\n");
        await s.CommandAsync($"AT+MQTTPUB=0,{t}/q\\\"r,d\\\\3,1,0", "\r\nOK\r\n");
        var first = await probe.NextAsync();
        Assert.Equal($"{t}/x,y", first.Topic);
        Assert.Equal("d,1\"2"u8.ToArray(), first.Payload);
        var second = await probe.NextAsync();
        Assert.Equal($"{t}/q\"r", second.Topic);
        Assert.Equal("d\\3"u8.ToArray(), second.Payload);
        await s.CommandAsync("AT+MQTTCLEAN=0", "\r\nOK\r\n");
    }

    [Fact]
    public async Task Publishes_to_alternating_topics_each_reach_their_own_topic()
    {
        var t = Text.Unique("alt");
        await using var probe = await broker.ProbeAsync();
        await probe.SubscribeAsync(t + "/#", 1);
        await using var s = await InMemoryModem.StartAsync();
        await s.ConfigureAndConnectAsync(Port);
        string[] topics = [$"{t}/a", $"{t}/b", $"{t}/b", $"{t}/a", $"{t}/ab", $"{t}/a", $"{t}/é"];
        for (int i = 0; i < topics.Length; i++)
        {
            await s.CommandAsync($"AT+MQTTPUB=0,\"{topics[i]}\",\"m{i}\",1,0", "\r\nOK\r\n");
        }

        for (int i = 0; i < topics.Length; i++)
        {
            var m = await probe.NextAsync();
            Assert.Equal((topics[i], $"m{i}"), (m.Topic, m.PayloadText));
        }

        await s.CommandAsync("AT+MQTTCLEAN=0", "\r\nOK\r\n");
    }

    [Fact]
    public async Task Invalid_publish_topics_while_connected()
    {
        await using var s = await InMemoryModem.StartAsync();
        await s.ConfigureAndConnectAsync(Port);
        await s.SysLogOnAsync();

        var nonUtf8 = Text.Concat(Text.Utf8("AT+MQTTPUB=0,\"t"), [0xC3, 0x28], Text.Utf8("\",\"d\",0,0\r\n"));
        await s.SendAsync(nonUtf8);
        await s.ExpectAsync(Text.Concat(nonUtf8, Text.Utf8(Text.Error("0x010a6041"))));

        var nul = Text.Concat(Text.Utf8("AT+MQTTPUB=0,\"t"), [0], Text.Utf8("\",\"d\",0,0\r\n"));
        await s.SendAsync(nul);
        await s.ExpectAsync(Text.Concat(nul, Text.Utf8(Text.Error("0x010a6041"))));

        await s.CommandAsync("AT+MQTTPUB=0,\"a/+/b\",\"d\",0,0", Text.Error("0x010a6041"));
        await s.CommandAsync("AT+MQTTPUB=0,\"a/#\",\"d\",0,0", Text.Error("0x010a6041"));
        await s.CommandAsync("AT+MQTTPUB=0,\"\",\"d\",0,0", Text.Error("0x010a6042"));
        await s.AssertAliveAsync();
        await s.CommandAsync("AT+MQTTCLEAN=0", "\r\nOK\r\n");
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(2)]
    public async Task An_incoming_message_is_one_raw_URC(int qos)
    {
        var topic = Text.Unique("in");
        await using var s = await InMemoryModem.StartAsync();
        await s.ConfigureAndConnectAsync(Port);
        await s.CommandAsync($"AT+MQTTSUB=0,\"{topic}\",{qos}", "\r\nOK\r\n");

        byte[] payload = [.. "a,b\"c\r\nd"u8, 0, .. "e\\f\r\nOK\r\n,\"x\"\n\r"u8, 0xFF, 0x80];
        await using var probe = await broker.ProbeAsync();
        await probe.PublishAsync(topic, payload, qos, false);

        await s.ExpectAsync(Text.Concat(Text.Utf8($"+MQTTSUBRECV:0,\"{topic}\",{payload.Length},"), payload, "\r\n"u8.ToArray()));
        await s.AssertSilentAsync(TimeSpan.FromMilliseconds(200));
        await s.AssertAliveAsync();
        await s.CommandAsync("AT+MQTTCLEAN=0", "\r\nOK\r\n");
    }

    [Fact]
    public async Task A_large_incoming_message_is_not_split()
    {
        var topic = Text.Unique("big");
        await using var s = await InMemoryModem.StartAsync();
        await s.ConfigureAndConnectAsync(Port);
        await s.CommandAsync($"AT+MQTTSUB=0,\"{topic}\",1", "\r\nOK\r\n");
        var payload = new byte[5000];
        new Random(5000).NextBytes(payload);
        await using var probe = await broker.ProbeAsync();
        await probe.PublishAsync(topic, payload, 1, false);
        await s.ExpectAsync(Text.Concat(Text.Utf8($"+MQTTSUBRECV:0,\"{topic}\",5000,"), payload, "\r\n"u8.ToArray()));
        await s.CommandAsync("AT+MQTTCLEAN=0", "\r\nOK\r\n");
    }

    [Fact]
    public async Task Overlapping_subscriptions_deliver_each_message_once()
    {
        var t = Text.Unique("overlap");
        await using var s = await InMemoryModem.StartAsync();
        await s.ConfigureAndConnectAsync(Port);
        await s.CommandAsync($"AT+MQTTSUB=0,\"{t}/#\",1", "\r\nOK\r\n");
        await s.CommandAsync($"AT+MQTTSUB=0,\"{t}/a\",0", "\r\nOK\r\n");
        await s.CommandAsync($"AT+MQTTSUB=0,\"{t}/+\",2", "\r\nOK\r\n");
        await using var probe = await broker.ProbeAsync();
        await probe.PublishAsync($"{t}/a", "once", 1);
        await s.ExpectAsync($"+MQTTSUBRECV:0,\"{t}/a\",4,once\r\n");
        await s.AssertSilentAsync(Quiet);
        await s.AssertAliveAsync();
        await s.CommandAsync("AT+MQTTCLEAN=0", "\r\nOK\r\n");
    }

    [Fact]
    public async Task Pubraw_of_all_256_byte_values()
    {
        var topic = Text.Unique("raw");
        await using var probe = await broker.ProbeAsync();
        await probe.SubscribeAsync(topic, 2);
        await using var s = await InMemoryModem.StartAsync();
        await s.ConfigureAndConnectAsync(Port);
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
        await using var s = await InMemoryModem.StartAsync();
        await s.ConfigureAndConnectAsync(Port);
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
        await using var s = await InMemoryModem.StartAsync();
        await s.ConfigureAndConnectAsync(Port);
        var command = $"AT+MQTTPUBRAW=0,\"{topic}\",8,1\r\n";

        // The data ends the data phase; the AT after it arrives while the QoS 1 publish waits for PUBACK.
        await s.SendAsync(Text.Concat(Text.Utf8(command), "AT\r\nAT\r\n"u8.ToArray(), "AT\r\n"u8.ToArray()));
        await s.ExpectAsync(command + "\r\nOK\r\n\r\n>AT\r\nbusy p...\r\n\r\n+MQTTPUBRAW:OK\r\n");
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
        await using var s = await InMemoryModem.StartAsync();
        await s.ConfigureAndConnectAsync(Port);
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
        await using var s = await InMemoryModem.StartAsync();
        await s.ConfigureAndConnectAsync(Port);
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
        await using var s = await InMemoryModem.StartAsync(new ModemOptions { DataTimeout = TimeSpan.FromSeconds(3) });
        await s.ConfigureAndConnectAsync(Port);
        await s.CommandAsync($"AT+MQTTPUBRAW=0,\"{topic}\",4,1", "\r\nOK\r\n\r\n>");
        foreach (var b in "slow"u8.ToArray())
        {
            await Task.Delay(250);
            await s.SendAsync([b]);
        }

        await s.ExpectAsync("\r\n+MQTTPUBRAW:OK\r\n");
        Assert.Equal("slow"u8.ToArray(), (await probe.NextAsync()).Payload);
        await s.CommandAsync("AT+MQTTCLEAN=0", "\r\nOK\r\n");
    }

    [Fact]
    public async Task No_URC_between_OK_and_the_prompt_or_inside_the_data_phase()
    {
        var t = Text.Unique("gate");
        await using var s = await InMemoryModem.StartAsync();
        await s.ConfigureAndConnectAsync(Port);
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
    public async Task URCs_never_land_inside_a_response()
    {
        var t = Text.Unique("flood");
        await using var s = await InMemoryModem.StartAsync();
        await s.ConfigureAndConnectAsync(Port);
        await s.CommandAsync($"AT+MQTTSUB=0,\"{t}/in\",0", "\r\nOK\r\n");
        await using var probe = await broker.ProbeAsync();

        const int messages = 300;
        var flood = Task.Run(async () =>
        {
            for (int i = 0; i < messages; i++)
            {
                await probe.PublishAsync($"{t}/in", $"m{i},\r\n", 0);
            }
        });

        var commands = new List<string>();
        for (int i = 0; i < 60; i++)
        {
            string line = (i % 3) switch
            {
                0 => "AT",
                1 => $"AT+MQTTPUB=0,\"{t}/out\",\"p{i}\",1,0",
                _ => "AT+MQTTCONN?",
            };
            string reply = (i % 3) switch
            {
                2 => $"+MQTTCONN:0,connected,1,\"127.0.0.1\",{Port},0\r\n\r\nOK\r\n",
                _ => "\r\nOK\r\n",
            };
            commands.Add(line + "\r\n" + reply);
            await s.SendAsync(line + "\r\n");
            await WaitForAsync(s, commands, 0);
        }

        await flood;
        var all = await WaitForAsync(s, commands, messages);
        var (done, urcs, _) = Scan(all, commands);
        Assert.Equal(commands.Count, done);
        Assert.Equal(messages, urcs);
        s.Host.TakeAll();
        await s.AssertAliveAsync();
        await s.CommandAsync("AT+MQTTCLEAN=0", "\r\nOK\r\n");
    }

    /// <summary>Waits until every command so far has its whole response and at least <paramref name="urcs"/> URCs arrived.</summary>
    private static async Task<string> WaitForAsync(InMemoryModem s, List<string> commands, int urcs)
    {
        var deadline = DateTime.UtcNow + InMemoryModem.Timeout;
        while (true)
        {
            var text = s.Host.Pending;
            var (done, seen, error) = Scan(text, commands);
            Assert.True(error is null, error);
            if (done == commands.Count && seen >= urcs)
            {
                return text;
            }

            Assert.True(DateTime.UtcNow < deadline, $"timed out: {done}/{commands.Count} responses, {seen}/{urcs} URCs; received \"{AtHost.Escape(text)}\"");
            await Task.Delay(5);
        }
    }

    /// <summary>
    /// Splits the output into whole responses (in order) and whole +MQTTSUBRECV lines; anything else,
    /// such as a URC inside a response, is an error.
    /// </summary>
    private static (int Done, int Urcs, string? Error) Scan(string text, List<string> commands)
    {
        const string prefix = "+MQTTSUBRECV:0,\"";
        int pos = 0;
        int done = 0;
        int urcs = 0;
        while (pos < text.Length)
        {
            var rest = text.AsSpan(pos);
            if (rest.StartsWith(prefix, StringComparison.Ordinal))
            {
                int quote = rest[prefix.Length..].IndexOf("\",", StringComparison.Ordinal);
                if (quote < 0)
                {
                    break;
                }

                var afterTopic = rest[(prefix.Length + quote + 2)..];
                int comma = afterTopic.IndexOf(',');
                if (comma < 0)
                {
                    break;
                }

                int length = int.Parse(afterTopic[..comma], System.Globalization.CultureInfo.InvariantCulture);
                int total = prefix.Length + quote + 2 + comma + 1 + length + 2;
                if (rest.Length < total)
                {
                    break;
                }

                if (!rest[(total - 2)..total].SequenceEqual("\r\n"))
                {
                    return (done, urcs, $"URC not ended by CR LF at {pos}: \"{AtHost.Escape(text[pos..])}\"");
                }

                urcs++;
                pos += total;
                continue;
            }

            if (prefix.AsSpan().StartsWith(rest))
            {
                break;
            }

            if (done < commands.Count && rest.StartsWith(commands[done], StringComparison.Ordinal))
            {
                pos += commands[done].Length;
                done++;
                continue;
            }

            if (done < commands.Count && commands[done].AsSpan().StartsWith(rest))
            {
                break;
            }

            return (done, urcs, $"unexpected output at {pos}: \"{AtHost.Escape(text[pos..])}\"");
        }

        return (done, urcs, null);
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

    [Fact]
    public async Task The_state_outlives_a_host_that_detaches()
    {
        var topic = Text.Unique("detach");
        await using var probe = await broker.ProbeAsync();
        await using var s = await InMemoryModem.StartAsync();
        await s.ConfigureAndConnectAsync(Port);
        await s.CommandAsync($"AT+MQTTSUB=0,\"{topic}\",1", "\r\nOK\r\n");
        await s.CommandAsync("ATE0", "\r\nOK\r\n");

        for (int round = 0; round < 3; round++)
        {
            await s.DetachAsync();
            await probe.PublishAsync(topic, $"while away {round}", 1);
            await Task.Delay(300);

            s.Attach();
            // ready comes first, then what waited for the host.
            await s.ExpectAsync($"ready\r\n+MQTTSUBRECV:0,\"{topic}\",12,while away {round}\r\n");
            await s.SendAsync("AT+MQTTCONN?\r\n");
            await s.ExpectAsync($"+MQTTCONN:0,connected,1,\"127.0.0.1\",{Port},0\r\n\r\nOK\r\n");
            await s.SendAsync("AT+MQTTSUB?\r\n");
            await s.ExpectAsync($"+MQTTSUB:0,connected,\"{topic}\",1\r\n\r\nOK\r\n");
        }

        await s.SendAsync("AT+MQTTCLEAN=0\r\n");
        await s.ExpectAsync("\r\nOK\r\n");
    }

    [Fact]
    public async Task A_host_that_detaches_in_the_middle_of_a_line_or_data_phase_leaves_no_trace()
    {
        var topic = Text.Unique("half");
        await using var probe = await broker.ProbeAsync();
        await probe.SubscribeAsync(topic, 1);
        await using var s = await InMemoryModem.StartAsync();
        await s.ConfigureAndConnectAsync(Port);

        await s.SendAsync("AT+MQTTPU");
        await s.DetachAsync();
        s.Attach();
        await s.ExpectAsync("ready\r\n");
        await s.AssertAliveAsync();

        await s.CommandAsync($"AT+MQTTPUBRAW=0,\"{topic}\",10,1", "\r\nOK\r\n\r\n>");
        await s.SendAsync("12345");
        await Task.Delay(100);
        await s.DetachAsync();
        s.Attach();
        await s.ExpectAsync("ready\r\n");
        await s.AssertAliveAsync();
        await probe.AssertNoMessageAsync(TimeSpan.FromMilliseconds(300));
        await s.CommandAsync("AT+MQTTCLEAN=0", "\r\nOK\r\n");
    }
}
