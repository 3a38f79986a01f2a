using System.Diagnostics;
using System.Text;
using AtMqtt.Core.Instrument;
using AtMqtt.Core.Parsing;
using Xunit;

namespace AtMqtt.Core.Tests.Instrument;

/// <summary>
/// Each fault kind on a real modem in memory against MQTTnet's broker in process: what the host
/// receives, byte for byte; what the broker side sees (an independent client, subscribed to the
/// modem's topic and to its will); and that the modem is healthy afterwards (AT, a publish delivered).
/// </summary>
public sealed class FaultsTests(BrokerFixture broker) : IClassFixture<BrokerFixture>
{
    private const string Ok = InMemoryModem.Ok;

    // Task.Delay runs on a millisecond tick and may end up to a tick before a Stopwatch says it
    // should: a lower bound on a delay allows that much.
    private static readonly TimeSpan TimerSlack = TimeSpan.FromMilliseconds(20);

    private int Port => broker.Port;

    // ------------------------------------------------------------------ error, busy, publish-fail

    [Fact]
    public async Task Error_answers_the_next_matching_commands_with_its_code_and_they_do_nothing()
    {
        await using var rig = await Rig.StartAsync(broker);
        var s = rig.Modem;
        await s.SysLogOnAsync();
        s.Modem.Faults.Start(new FaultSpec { Kind = "error", Command = "AT+MQTTPUB", Code = "0x01090000", Count = 2 });

        // Other commands are untouched.
        await s.CommandAsync("AT", Ok);
        await s.CommandAsync($"AT+MQTTPUB=0,\"{rig.Topic}\",\"lost1\",1,0", "ERR CODE:0x01090000\r\n\r\nERROR\r\n");
        await s.CommandAsync("AT+SYSLOG=0", Ok);
        await s.CommandAsync($"AT+MQTTPUB=0,\"{rig.Topic}\",\"lost2\",1,0", "\r\nERROR\r\n");
        Assert.Empty(s.Modem.Faults.Active);

        // Neither reached the broker: the next message is the first the probe gets.
        await rig.AssertHealthyAsync();
    }

    [Fact]
    public async Task Busy_answers_every_line_with_busy_until_it_ends()
    {
        await using var rig = await Rig.StartAsync(broker);
        var s = rig.Modem;
        var fault = s.Modem.Faults.Start(new FaultSpec { Kind = "busy", Ms = 600_000 });

        await s.SendAsync("AT\r\n");
        await s.ExpectAsync("AT\r\nbusy p...\r\n");
        await s.SendAsync($"AT+MQTTPUB=0,\"{rig.Topic}\",\"lost\",1,0\r\n");
        await s.ExpectAsync($"AT+MQTTPUB=0,\"{rig.Topic}\",\"lost\",1,0\r\nbusy p...\r\n");

        // AT+SYSLOG=1 itself would get busy p...: set as the command would.
        s.Modem.SysLog = true;
        await s.SendAsync("AT\r\n");
        await s.ExpectAsync("AT\r\nERR CODE:0x010b0000\r\n\r\nbusy p...\r\n");

        Assert.True(s.Modem.Faults.End(fault.Id));
        await rig.AssertHealthyAsync();
    }

    [Fact]
    public async Task Busy_ends_by_itself_after_its_ms()
    {
        await using var rig = await Rig.StartAsync(broker);
        var s = rig.Modem;
        s.Modem.Faults.Start(new FaultSpec { Kind = "busy", Ms = 300 });
        await s.SendAsync("AT\r\n");
        await s.ExpectAsync("AT\r\nbusy p...\r\n");
        await Poll.UntilAsync(() => !s.Modem.Faults.Any, "the busy fault to end");
        await rig.AssertHealthyAsync();
    }

    [Fact]
    public async Task Publish_fail_fails_the_next_publishes_without_sending_them()
    {
        await using var rig = await Rig.StartAsync(broker);
        var s = rig.Modem;
        await s.SysLogOnAsync();
        s.Modem.Faults.Start(new FaultSpec { Kind = "publish-fail", Count = 3 });

        await s.CommandAsync($"AT+MQTTPUB=0,\"{rig.Topic}\",\"lost1\",1,0", InMemoryModem.Err(ErrorCode.Mqtt(MqttError.PublishFailed)));
        await s.CommandAsync($"AT+MQTTPUB=0,\"{rig.Topic}\",\"lost2\",0,0", InMemoryModem.Err(ErrorCode.Mqtt(MqttError.PublishFailed)));
        await s.CommandAsync($"AT+MQTTPUBRAW=0,\"{rig.Topic}\",5,1,0", "\r\nOK\r\n\r\n>");
        await s.SendAsync("lost3");
        await s.ExpectAsync("\r\n+MQTTPUBRAW:FAIL\r\n");
        Assert.Empty(s.Modem.Faults.Active);

        // None was delivered: the next message is the first the probe gets.
        await rig.AssertHealthyAsync();
    }

    // ------------------------------------------------------------------ urc-in-prompt

    [Fact]
    public async Task Urc_in_prompt_writes_a_urc_between_OK_and_the_prompt_once()
    {
        await using var rig = await Rig.StartAsync(broker);
        var s = rig.Modem;
        s.Modem.Faults.Start(new FaultSpec { Kind = "urc-in-prompt" });

        await s.SendAsync($"AT+MQTTPUBRAW=0,\"{rig.Topic}\",5,1,0\r\n");
        await s.ExpectAsync($"AT+MQTTPUBRAW=0,\"{rig.Topic}\",5,1,0\r\n\r\nOK\r\n+TIME_UPDATED\r\n\r\n>");
        await s.SendAsync("first");
        await s.ExpectAsync("\r\n+MQTTPUBRAW:OK\r\n");
        Assert.Equal("first", (await rig.Probe.NextAsync()).PayloadText);
        Assert.Empty(s.Modem.Faults.Active);

        // The next prompt is a plain one.
        await s.CommandAsync($"AT+MQTTPUBRAW=0,\"{rig.Topic}\",6,1,0", "\r\nOK\r\n\r\n>");
        await s.SendAsync("second");
        await s.ExpectAsync("\r\n+MQTTPUBRAW:OK\r\n");
        Assert.Equal("second", (await rig.Probe.NextAsync()).PayloadText);
        await rig.AssertHealthyAsync();
    }

    [Fact]
    public async Task Urc_in_prompt_also_comes_in_a_LONG_prompt()
    {
        await using var s = await InMemoryModem.StartAsync();
        await s.UserConfigAsync(Unique.Id("urc"));
        s.Modem.Faults.Start(new FaultSpec { Kind = "urc-in-prompt" });
        await s.CommandAsync("AT+MQTTLONGUSERNAME=0,4", "\r\nOK\r\n+TIME_UPDATED\r\n\r\n>");
        await s.SendAsync("user");
        await s.ExpectAsync("\r\nOK\r\n");
        await s.AssertAliveAsync();
    }

    // ------------------------------------------------------------------ uart-noise

    [Fact]
    public async Task Uart_noise_to_host_loses_and_flips_bytes_as_its_seed_says()
    {
        await using var rig = await Rig.StartAsync(broker);
        var s = rig.Modem;
        var spec = new FaultSpec { Kind = "uart-noise", DropRate = 0.2, FlipRate = 0.3, Direction = "to-host", Seed = 1234 };
        var clean = "AT+GMR\r\n" + await GmrAsync(rig);
        var fault = s.Modem.Faults.Start(spec);
        await s.SendAsync("AT+GMR\r\n");
        var expected = ReferenceNoise(spec, Encoding.ASCII.GetBytes(clean));
        Assert.NotEqual(Encoding.ASCII.GetBytes(clean), expected);
        await s.ExpectAsync(expected);

        s.Modem.Faults.End(fault.Id);
        await rig.AssertHealthyAsync();
    }

    [Fact]
    public async Task Uart_noise_to_modem_loses_what_the_host_sends()
    {
        await using var rig = await Rig.StartAsync(broker);
        var s = rig.Modem;
        var fault = s.Modem.Faults.Start(new FaultSpec { Kind = "uart-noise", DropRate = 1, FlipRate = 0, Direction = "to-modem", Seed = 1 });

        // Every byte is lost: no echo, no answer, nothing published. A quiet period is the only way
        // to show that nothing comes back; the probe's marker below shows nothing was published.
        await s.SendAsync($"AT+MQTTPUB=0,\"{rig.Topic}\",\"lost\",1,0\r\n");
        await s.AssertSilentAsync(TimeSpan.FromMilliseconds(500));

        s.Modem.Faults.End(fault.Id);
        await rig.AssertHealthyAsync();
    }

    [Fact]
    public async Task Uart_noise_to_modem_flips_bits_in_what_the_host_sends()
    {
        // Lock step: each send returns once the modem has read it, so the fault ends between the two.
        await using var s = await InMemoryModem.StartAsync(InMemoryModem.DefaultOptions, InMemoryModem.LockStep);
        var spec = new FaultSpec { Kind = "uart-noise", DropRate = 0, FlipRate = 1, Direction = "to-modem", Seed = 99 };
        s.Modem.Faults.Start(spec);

        // The modem sees the flipped bytes, ends the line at the CR LF the host sends after them
        // (noise ended), and answers the garbage line as it answers any: its echo, then ERROR.
        var noisy = ReferenceNoise(spec, "AT"u8.ToArray());
        await s.SendAsync("AT");
        s.Modem.Faults.EndAll();
        await s.SendAsync("\r\n");
        await s.ExpectAsync([.. noisy, .. "\r\n\r\nERROR\r\n"u8.ToArray()]);
        await s.AssertAliveAsync();
    }

    [Fact]
    public async Task Uart_noise_with_the_same_seed_and_input_gives_the_same_output()
    {
        var outputs = new List<byte[]>();
        for (int run = 0; run < 2; run++)
        {
            await using var s = await InMemoryModem.StartAsync();
            s.Modem.Faults.Start(new FaultSpec { Kind = "uart-noise", DropRate = 0.3, FlipRate = 0.3, Direction = "to-host", Seed = 7 });
            await s.SendAsync("AT+GMR\r\n");

            // Enough bytes for a few lines of AT+GMR, whatever was lost: read until the modem is quiet.
            outputs.Add(Encoding.Latin1.GetBytes(await s.Host.DrainAsync(TimeSpan.FromMilliseconds(300), TimeSpan.FromSeconds(10))));
        }

        Assert.NotEmpty(outputs[0]);
        Assert.Equal(outputs[0], outputs[1]);
    }

    // ------------------------------------------------------------------ wifi-drop

    [Fact]
    public async Task Wifi_drop_disconnects_refuses_and_reconnects_when_it_ends()
    {
        await using var rig = await Rig.StartAsync(broker, reconnect: 1);
        var s = rig.Modem;
        await s.SysLogOnAsync();
        var fault = s.Modem.Faults.Start(new FaultSpec { Kind = "wifi-drop" });

        await s.ExpectAsync("WIFI DISCONNECT\r\n+MQTTDISCONNECTED:0\r\n");
        await rig.ExpectWillAsync();

        // While it is down the link is down; the retries do not reach the broker.
        int connects = broker.ConnectCount(rig.ClientId);
        await s.CommandAsync("AT+MQTTCONN?", $"+MQTTCONN:0,disconnect,1,\"127.0.0.1\",{Port},1\r\n" + Ok);
        await s.CommandAsync($"AT+MQTTPUB=0,\"{rig.Topic}\",\"lost\",1,0", InMemoryModem.Err(ErrorCode.Mqtt(MqttError.InDisconnectedState)));

        Assert.True(s.Modem.Faults.End(fault.Id));
        Assert.Equal(connects, broker.ConnectCount(rig.ClientId));
        await s.ExpectAsync("WIFI CONNECTED\r\nWIFI GOT IP\r\n");
        await s.ExpectAsync($"+MQTTCONNECTED:0,1,\"127.0.0.1\",{Port},1\r\n", TimeSpan.FromSeconds(40));
        await rig.AssertHealthyAsync();
    }

    [Fact]
    public async Task Wifi_drop_refuses_a_new_connection_while_it_lasts()
    {
        await using var rig = await Rig.StartAsync(broker, reconnect: 0);
        var s = rig.Modem;
        s.Modem.Faults.Start(new FaultSpec { Kind = "wifi-drop", Seconds = 600 });
        await s.ExpectAsync("WIFI DISCONNECT\r\n+MQTTDISCONNECTED:0\r\n");
        await rig.ExpectWillAsync();

        // reconnect=0: CLEAN and configure again; the connection is refused while the Wi-Fi is down.
        await s.CommandAsync("AT+MQTTCLEAN=0", Ok);
        await s.UserConfigAsync(rig.ClientId);
        await s.CommandAsync($"AT+MQTTCONN=0,\"127.0.0.1\",{Port},0", "+MQTTDISCONNECTED:0\r\n\r\nERROR\r\n");

        s.Modem.Faults.EndAll();
        await s.ExpectAsync("WIFI CONNECTED\r\nWIFI GOT IP\r\n");
        await s.ConnectAsync(Port);
        await rig.AssertHealthyAsync();
    }

    [Fact]
    public async Task Wifi_drop_leaves_the_joined_station_and_joins_it_again()
    {
        await using var s = await InMemoryModem.StartAsync();
        await s.CommandAsync("AT+CWMODE=1", Ok);
        await s.CommandAsync("AT+CWJAP=\"lab\",\"secret\"", "WIFI CONNECTED\r\nWIFI GOT IP\r\n" + Ok);
        s.Modem.Faults.Start(new FaultSpec { Kind = "wifi-drop", Seconds = 0.3 });
        await s.ExpectAsync("WIFI DISCONNECT\r\n");
        Assert.False(s.Modem.Device.WifiConnected);
        await s.ExpectAsync("WIFI CONNECTED\r\nWIFI GOT IP\r\n");
        Assert.True(s.Modem.Device.WifiConnected);
        await s.AssertAliveAsync();
    }

    [Fact]
    public async Task Wifi_drop_makes_the_AP_unreachable_for_CWJAP_until_it_ends()
    {
        await using var s = await InMemoryModem.StartAsync();
        await s.CommandAsync("AT+CWMODE=1", Ok);
        await s.CommandAsync("AT+CWJAP=\"lab\",\"secret\"", "WIFI CONNECTED\r\nWIFI GOT IP\r\n" + Ok);
        s.Modem.Faults.Start(new FaultSpec { Kind = "wifi-drop", Seconds = 600 });
        await s.ExpectAsync("WIFI DISCONNECT\r\n");

        // The same join, and the last AP again: +CWJAP:3 (AP not found) and ERROR, still not joined.
        await s.CommandAsync("AT+CWJAP=\"lab\",\"secret\"", "+CWJAP:3\r\n\r\nERROR\r\n");
        await s.CommandAsync("AT+CWJAP", "+CWJAP:3\r\n\r\nERROR\r\n");
        Assert.False(s.Modem.Device.WifiConnected);

        s.Modem.Faults.EndAll();
        await s.ExpectAsync("WIFI CONNECTED\r\nWIFI GOT IP\r\n");
        await s.CommandAsync("AT+CWJAP=\"lab\",\"secret\"", "WIFI DISCONNECT\r\nWIFI CONNECTED\r\nWIFI GOT IP\r\n" + Ok);
        Assert.True(s.Modem.Device.WifiConnected);
    }

    // ------------------------------------------------------------------ broker-unreachable, broker-stall

    [Fact]
    public async Task Broker_unreachable_cuts_the_link_and_refuses_until_it_ends()
    {
        await using var rig = await Rig.StartAsync(broker, reconnect: 1);
        var s = rig.Modem;
        int connects = broker.ConnectCount(rig.ClientId);
        s.Modem.Faults.Start(new FaultSpec { Kind = "broker-unreachable", Seconds = 2.5 });

        await s.ExpectAsync("+MQTTDISCONNECTED:0\r\n");
        await rig.ExpectWillAsync();

        // The first retry (after 1 s) is refused; one after the fault ended gets through.
        await s.ExpectAsync($"+MQTTCONNECTED:0,1,\"127.0.0.1\",{Port},1\r\n", TimeSpan.FromSeconds(40));
        Assert.False(s.Modem.Faults.Any);
        Assert.Equal(connects + 1, broker.ConnectCount(rig.ClientId));
        await rig.AssertHealthyAsync();
    }

    [Fact]
    public async Task Broker_stall_holds_everything_until_the_keepalive_watchdog_cuts_the_link()
    {
        await using var rig = await Rig.StartAsync(broker, reconnect: 1, keepAlive: 2);
        var s = rig.Modem;
        var fault = s.Modem.Faults.Start(new FaultSpec { Kind = "broker-stall", Seconds = 600 });

        // A publish now goes nowhere; the watchdog gives up within a keepalive and a quarter, and
        // cuts the socket: the broker publishes the will.
        await s.SendAsync($"AT+MQTTPUB=0,\"{rig.Topic}\",\"stalled\",1,0\r\n");
        await s.ExpectAsync($"AT+MQTTPUB=0,\"{rig.Topic}\",\"stalled\",1,0\r\n");
        await s.ExpectAsync(InMemoryModem.Error, TimeSpan.FromSeconds(20));
        await s.ExpectAsync("+MQTTDISCONNECTED:0\r\n", TimeSpan.FromSeconds(20));
        await rig.ExpectWillAsync();

        // The retries wait in the stall; when it ends the link comes back.
        Assert.True(s.Modem.Faults.End(fault.Id));
        await s.ExpectAsync($"+MQTTCONNECTED:0,1,\"127.0.0.1\",{Port},1\r\n", TimeSpan.FromSeconds(40));
        await rig.AssertHealthyAsync();
    }

    // ------------------------------------------------------------------ ack-delay

    [Fact]
    public async Task Ack_delay_holds_the_PUBACK_back_after_the_broker_has_the_message()
    {
        await using var rig = await Rig.StartAsync(broker);
        var s = rig.Modem;
        var fault = s.Modem.Faults.Start(new FaultSpec { Kind = "ack-delay", Ms = 1500, Packet = "puback" });

        var line = $"AT+MQTTPUB=0,\"{rig.Topic}\",\"late\",1,0";
        var sent = Stopwatch.StartNew();
        await s.SendAsync(line + "\r\n");
        await s.ExpectAsync(line + "\r\n");

        // The broker has it (and has acknowledged it) well before the host hears OK.
        Assert.Equal("late", (await rig.Probe.NextAsync()).PayloadText);
        await s.ExpectAsync(Ok);
        Assert.True(sent.Elapsed >= TimeSpan.FromMilliseconds(1500) - TimerSlack, $"OK after {sent.ElapsedMilliseconds} ms");

        // QoS 0 needs no PUBACK: not delayed (and not waited for).
        await s.CommandAsync($"AT+MQTTPUB=0,\"{rig.Topic}\",\"quick\",0,0", Ok);
        Assert.Equal("quick", (await rig.Probe.NextAsync()).PayloadText);

        s.Modem.Faults.End(fault.Id);
        await rig.AssertHealthyAsync();
    }

    [Fact]
    public async Task Ack_delay_of_every_answer_delays_SUBACK_too()
    {
        await using var rig = await Rig.StartAsync(broker);
        var s = rig.Modem;
        s.Modem.Faults.Start(new FaultSpec { Kind = "ack-delay", Ms = 1000 });
        var filter = Unique.Topic("sub");
        var sent = Stopwatch.StartNew();
        await s.CommandAsync($"AT+MQTTSUB=0,\"{filter}\",1", Ok);
        Assert.True(sent.Elapsed >= TimeSpan.FromMilliseconds(1000) - TimerSlack, $"OK after {sent.ElapsedMilliseconds} ms");

        s.Modem.Faults.EndAll();
        await rig.Probe.PublishAsync(filter, "to-modem", 1);
        await s.ExpectAsync($"+MQTTSUBRECV:0,\"{filter}\",8,to-modem\r\n");
        await rig.AssertHealthyAsync();
    }

    // ------------------------------------------------------------------ helpers

    /// <summary>AT+GMR's answer after its echo, as a clean channel carries it.</summary>
    private static async Task<string> GmrAsync(Rig rig)
    {
        var text = await rig.Modem.ExchangeAsync("AT+GMR");
        return text["AT+GMR\r\n".Length..];
    }

    /// <summary>uart-noise's documented draws, for one direction: per byte a drop draw, then a flip draw and the bit.</summary>
    private static byte[] ReferenceNoise(FaultSpec spec, byte[] input)
    {
        var random = new Random(spec.Seed!.Value);
        var output = new List<byte>();
        foreach (byte original in input)
        {
            if (random.NextDouble() < spec.DropRate)
            {
                continue;
            }

            byte b = original;
            if (random.NextDouble() < spec.FlipRate)
            {
                b ^= (byte)(1 << random.Next(8));
            }

            output.Add(b);
        }

        return [.. output];
    }

    /// <summary>A connected modem with a will, and a probe on its topic and its will topic.</summary>
    private sealed class Rig : IAsyncDisposable
    {
        private Rig(InMemoryModem modem, MqttProbe probe, string clientId, string topic, string will)
        {
            Modem = modem;
            Probe = probe;
            ClientId = clientId;
            Topic = topic;
            Will = will;
        }

        public InMemoryModem Modem { get; }

        public MqttProbe Probe { get; }

        public string ClientId { get; }

        public string Topic { get; }

        public string Will { get; }

        public static async Task<Rig> StartAsync(BrokerFixture broker, int reconnect = 0, int keepAlive = 60)
        {
            var id = Unique.Id("fault");
            var topic = Unique.Topic("fault");
            var will = Unique.Topic("will");
            var probe = await broker.ProbeAsync();
            InMemoryModem? modem = null;
            try
            {
                await probe.SubscribeAsync(topic, 1);
                await probe.SubscribeAsync(will, 1);
                modem = await InMemoryModem.StartAsync();
                await modem.UserConfigAsync(id);
                await modem.CommandAsync($"AT+MQTTCONNCFG=0,{keepAlive},0,\"{will}\",\"gone\",1,0", Ok);
                await modem.ConnectAsync(broker.Port, reconnect);
                return new Rig(modem, probe, id, topic, will);
            }
            catch
            {
                if (modem is not null)
                {
                    await modem.DisposeAsync();
                }

                await probe.DisposeAsync();
                throw;
            }
        }

        /// <summary>The broker published the will: the link was cut without DISCONNECT.</summary>
        public async Task ExpectWillAsync()
        {
            var message = await Probe.NextAsync();
            Assert.Equal((Will, "gone"), (message.Topic, message.PayloadText));
        }

        /// <summary>AT answers OK, and a QoS 1 publish is the next message the broker delivers.</summary>
        public async Task AssertHealthyAsync()
        {
            await Modem.AssertAliveAsync();
            var payload = "healthy-" + Guid.NewGuid().ToString("N")[..6];
            await Modem.CommandAsync($"AT+MQTTPUB=0,\"{Topic}\",\"{payload}\",1,0", Ok, TimeSpan.FromSeconds(30));
            var message = await Probe.NextAsync();
            Assert.Equal((Topic, payload), (message.Topic, message.PayloadText));
        }

        public async ValueTask DisposeAsync()
        {
            await Modem.DisposeAsync();
            await Probe.DisposeAsync();
        }
    }
}
