using AtMqtt.Testing;
using Xunit;
using static AtMqtt.Core.Tests.Commands.Simcom.SimcomHost;

namespace AtMqtt.Core.Tests.Commands.Simcom;

/// <summary>
/// The A76XX MQTT-EX "argtopic" mode (docs/simcom.md, "argtopic"): AT+CMQTTCFG="argtopic",&lt;i&gt;,1[,&lt;len_en&gt;], the
/// inline SUB/UNSUB/PUB forms and one <c>+CMQTTRECV</c> URC per message, byte for byte against MQTTnet's broker,
/// the broker's side checked by an independent client.
/// </summary>
public class CmqttArgTopicTests(BrokerFixture broker) : IClassFixture<BrokerFixture>
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(15);
    private static readonly byte[] AllBytes = [.. Enumerable.Range(0, 256).Select(i => (byte)i)];

    private async Task<InMemoryModem> ArgTopicAsync(string cfg)
    {
        var m = await StartAsync();
        try
        {
            await m.CommandAsync("AT+CMQTTSTART", Ok + Urc("+CMQTTSTART: 0"));
            await m.CommandAsync($"AT+CMQTTACCQ=0,\"{Unique.Id("arg")}\"", Ok);
            await m.CommandAsync($"AT+CMQTTCFG=\"argtopic\",0,{cfg}", Ok);
            await m.CommandAsync($"AT+CMQTTCONNECT=0,\"tcp://127.0.0.1:{broker.Port}\",60,1", Ok + Urc("+CMQTTCONNECT: 0,0"));
            return m;
        }
        catch
        {
            await m.DisposeAsync();
            throw;
        }
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(2)]
    public async Task Inline_subscribe_receives_every_byte_value_in_one_CMQTTRECV_with_its_length(int qos)
    {
        await using var m = await ArgTopicAsync("1,1");
        string t = Text.Unique("argrx");
        await m.CommandAsync($"AT+CMQTTSUB=0,\"{t}\",{qos}", Ok + Urc("+CMQTTSUB: 0,0"));
        Assert.Equal([(t, qos)], m.Modem.Links[0].Subscriptions.Select(s => (s.Filter, s.Qos)));
        await using var probe = await broker.ProbeAsync();
        await probe.PublishAsync(t, AllBytes, qos, false);
        await m.ExpectAsync(Text.Concat(Text.Utf8($"\r\n+CMQTTRECV: 0,\"{t}\",256,\""), AllBytes, "\"\r\n"u8.ToArray()));

        // Nothing lost: a QoS 1/2 message is acknowledged once its URC is written.
        await Poll.UntilAsync(() => m.Modem.Urcs.Unacknowledged == 0, "acknowledged once written");

        await m.CommandAsync($"AT+CMQTTUNSUB=0,\"{t}\"", Ok + Urc("+CMQTTUNSUB: 0,0"));
        Assert.Empty(m.Modem.Links[0].Subscriptions);
        await probe.PublishAsync(t, "gone", 0);
        await m.CommandAsync("AT+CMQTTDISC=0,60", Ok + Urc("+CMQTTDISC: 0,0"));
        await m.AssertSilentAsync(TimeSpan.FromMilliseconds(200));

        // In this mode STOP needs no REL after DISC (A76XX MQTT-EX), and releases the client.
        await m.CommandAsync("AT+CMQTTSTOP", Ok + Urc("+CMQTTSTOP: 0"));
        await m.CommandAsync("AT+CMQTTSTART", Ok + Urc("+CMQTTSTART: 0"));
        await m.CommandAsync("AT+CMQTTACCQ=0,\"again\"", Ok);
    }

    [Fact]
    public async Task Without_the_length_flag_the_URC_is_topic_and_payload_only()
    {
        await using var m = await ArgTopicAsync("1");
        string t = Text.Unique("argnolen");
        await m.CommandAsync($"AT+CMQTTSUB=0,\"{t}\",1", Ok + Urc("+CMQTTSUB: 0,0"));
        await using var probe = await broker.ProbeAsync();
        await probe.PublishAsync(t, "ssssssssss", 1);
        await m.ExpectAsync(Urc($"+CMQTTRECV: 0,\"{t}\",\"ssssssssss\""));
    }

    [Fact]
    public async Task Inline_publish_takes_the_topic_in_the_line_and_the_payload_after_the_prompt()
    {
        await using var m = await ArgTopicAsync("1,1");
        string t = Text.Unique("argtx");
        await using var probe = await broker.ProbeAsync();
        await probe.SubscribeAsync(t, 2);

        // The A76XX MQTT-EX manual's example shape: AT+CMQTTPUB=0,"<topic>",<qos>,<len>[,<retained>], >, the bytes, OK, +CMQTTPUB.
        await m.CommandAsync($"AT+CMQTTPUB=0,\"{t}\",1,10", "\r\n>");
        await m.SendAsync("ssssssssss");
        await m.ExpectAsync(Ok + Urc("+CMQTTPUB: 0,0"));
        var got = await probe.NextAsync(Wait);
        Assert.Equal((t, 1, "ssssssssss", false), (got.Topic, got.Qos, got.PayloadText, got.Retain));

        // Retained, and refusals: a length out of range (22), the classic form's numbers where the topic goes.
        await m.CommandAsync($"AT+CMQTTPUB=0,\"{t}/r\",0,3,1", "\r\n>");
        await m.SendAsync("ret");
        await m.ExpectAsync(Ok + Urc("+CMQTTPUB: 0,0"));
        await broker.WaitRetainedAsync($"{t}/r", Wait);
        await m.CommandAsync($"AT+CMQTTPUB=0,\"{t}\",1,10241", Refused("+CMQTTPUB: 0,22"));
        await m.CommandAsync($"AT+CMQTTPUB=0,\"{t}\",3,1", Error);
        await m.CommandAsync("AT+CMQTTPUB=0,1,60", Error);
        await m.CommandAsync($"AT+CMQTTSUB=0,\"{new string('t', 501)}\",0", Error);
        await m.AssertAliveAsync();
    }

    [Fact]
    public async Task Argtopic_is_set_per_acquired_client_and_the_classic_forms_stay_without_it()
    {
        await using var m = await StartAsync();
        await m.CommandAsync("AT+CMQTTSTART", Ok + Urc("+CMQTTSTART: 0"));
        await m.CommandAsync("AT+CMQTTCFG=\"argtopic\",0,1", Error); // not acquired
        await m.CommandAsync("AT+CMQTTACCQ=0,\"a\"", Ok);
        await m.CommandAsync("AT+CMQTTCFG=\"argtopic\",0,1,2", Error);
        await m.CommandAsync("AT+CMQTTCFG=\"argtopic\",0,1,1,1", Error);
        await m.CommandAsync("AT+CMQTTCFG=\"argtopic\",0,1,1", Ok);

        // Client 1 has not asked for it: its SUB still wants a length, a quoted topic there is ERROR.
        await m.CommandAsync("AT+CMQTTACCQ=1,\"b\"", Ok);
        await m.CommandAsync("AT+CMQTTSUB=1,\"t\",1", Error);

        // Client 1 is a classic client: it still needs REL before STOP.
        await m.CommandAsync("AT+CMQTTSTOP", Refused("+CMQTTSTOP: 21"));

        // REL forgets it.
        await m.CommandAsync("AT+CMQTTREL=0", Ok);
        await m.CommandAsync("AT+CMQTTACCQ=0,\"a\"", Ok);
        await m.CommandAsync("AT+CMQTTSUB=0,\"t\",1", Error);
    }
}
