using System.Text;
using AtMqtt.Core.Instrument;
using AtMqtt.Testing;
using Xunit;
using static AtMqtt.Core.Tests.Commands.Simcom.SimcomHost;

namespace AtMqtt.Core.Tests.Commands.Simcom;

/// <summary>
/// simcom-a7670's AT+CMQTT* flow byte for byte against MQTTnet's broker (docs/simcom.md): the reference's example
/// session, both subscribe and unsubscribe forms, the framed receive (binary, long payloads split in 1500-byte
/// pieces), two clients with a will each, the link URCs and the timing model.
/// </summary>
public class CmqttSessionTests(BrokerFixture broker) : IClassFixture<BrokerFixture>
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(15);

    /// <summary>The SIM7600 AN 5.1.1 session (reference §8), in the A7670's order (OK before +CMQTTSTART/STOP).</summary>
    [Fact]
    public async Task The_reference_session_runs_byte_for_byte()
    {
        await using var m = await StartAsync();
        string id = Unique.Id("sim");
        string t = Text.Unique("simcomtest");
        await using var watcher = await broker.ProbeAsync();
        await watcher.SubscribeAsync($"{t}/#", 1);
        await using var willWatcher = await broker.ProbeAsync();
        await willWatcher.SubscribeAsync("0123456789", 1);

        await m.CommandAsync("AT+CMQTTSTART", Ok + Urc("+CMQTTSTART: 0"));
        await m.CommandAsync($"AT+CMQTTACCQ=0,\"{id}\"", Ok);
        await EnterAsync(m, "AT+CMQTTWILLTOPIC=0,10", "0123456789");
        await EnterAsync(m, "AT+CMQTTWILLMSG=0,6,1", "qwerty");
        await m.CommandAsync($"AT+CMQTTCONNECT=0,\"tcp://127.0.0.1:{broker.Port}\",60,1", Ok + Urc("+CMQTTCONNECT: 0,0"));
        Assert.Equal(60, broker.LastConnect(id)!.KeepAlive);

        string topic = $"{t}/a";
        int tl = Encoding.UTF8.GetByteCount(topic);
        await EnterAsync(m, $"AT+CMQTTSUB=0,{tl},1", topic);
        await m.ExpectAsync(Urc("+CMQTTSUB: 0,0"));
        await EnterAsync(m, $"AT+CMQTTTOPIC=0,{tl}", topic);
        await EnterAsync(m, "AT+CMQTTPAYLOAD=0,9", "mqtt_test");
        await m.CommandAsync("AT+CMQTTPUB=0,1,60", Ok);
        string pub = Urc("+CMQTTPUB: 0,0");
        string rx = $"\r\n+CMQTTRXSTART: 0,{tl},9\r\n+CMQTTRXTOPIC: 0,{tl}\r\n{topic}\r\n+CMQTTRXPAYLOAD: 0,9\r\nmqtt_test\r\n+CMQTTRXEND: 0\r\n";

        // The broker's PUBACK and its copy for our own subscription race: either may come first.
        string both = Encoding.UTF8.GetString(await m.Host.ReadExactlyAsync(pub.Length + rx.Length, Wait));
        Assert.True(both == pub + rx || both == rx + pub, InMemoryModem.Show(both));
        var seen = await watcher.NextAsync(Wait);
        Assert.Equal((topic, "mqtt_test", 1), (seen.Topic, seen.PayloadText, seen.Qos));

        // The list form, then the one-topic unsubscribe.
        await EnterAsync(m, "AT+CMQTTSUBTOPIC=0,9,1", "123456789");
        await m.CommandAsync("AT+CMQTTSUB=0", Ok + Urc("+CMQTTSUB: 0,0"));
        await EnterAsync(m, $"AT+CMQTTUNSUB=0,{tl},0", topic);
        await m.ExpectAsync(Urc("+CMQTTUNSUB: 0,0"));
        await using var probe = await broker.ProbeAsync();
        await probe.PublishAsync(topic, "not for us", 1);
        await probe.PublishAsync("123456789", "for us", 1);
        await m.ExpectAsync("\r\n+CMQTTRXSTART: 0,9,6\r\n+CMQTTRXTOPIC: 0,9\r\n123456789\r\n+CMQTTRXPAYLOAD: 0,6\r\nfor us\r\n+CMQTTRXEND: 0\r\n");

        await m.CommandAsync("AT+CMQTTDISC=0,120", Ok + Urc("+CMQTTDISC: 0,0"));
        await m.CommandAsync("AT+CMQTTREL=0", Ok);
        await m.CommandAsync("AT+CMQTTSTOP", Ok + Urc("+CMQTTSTOP: 0"));

        // DISC sent a DISCONNECT: the broker drops the will.
        await willWatcher.AssertNoMessageAsync(TimeSpan.FromMilliseconds(300));
        await m.AssertSilentAsync(TimeSpan.FromMilliseconds(200));
    }

    [Fact]
    public async Task The_list_forms_subscribe_and_unsubscribe_several_filters_in_one_packet()
    {
        await using var m = await StartAsync();
        string t = Text.Unique("list");
        await ConnectAsync(m, 0, Unique.Id("list"), broker.Port);
        await EnterAsync(m, $"AT+CMQTTSUBTOPIC=0,{t.Length + 2},0", t + "/a");
        await EnterAsync(m, $"AT+CMQTTSUBTOPIC=0,{t.Length + 2},2", t + "/b");
        await m.CommandAsync("AT+CMQTTSUB=0,0", Ok + Urc("+CMQTTSUB: 0,0"));
        Assert.Equal([t + "/a", t + "/b"], m.Modem.Links[0].Subscriptions.Select(s => s.Filter).Order());

        // The list was cleared by SUB: another SUB has nothing to send.
        await m.CommandAsync("AT+CMQTTSUB=0", Refused("+CMQTTSUB: 0,18"));
        await EnterAsync(m, $"AT+CMQTTUNSUBTOPIC=0,{t.Length + 2}", t + "/a");
        await EnterAsync(m, $"AT+CMQTTUNSUBTOPIC=0,{t.Length + 2}", t + "/b");
        await m.CommandAsync("AT+CMQTTUNSUB=0,0", Ok + Urc("+CMQTTUNSUB: 0,0"));
        Assert.Empty(m.Modem.Links[0].Subscriptions);
        await m.CommandAsync("AT+CMQTTUNSUB=0,0", Refused("+CMQTTUNSUB: 0,18"));
    }

    [Fact]
    public async Task Every_byte_value_comes_through_the_framed_receive_and_the_host_CR_LF_after_data_is_harmless()
    {
        await using var m = await StartAsync();
        string t = Text.Unique("bin");
        await ConnectAsync(m, 1, Unique.Id("bin"), broker.Port);

        // Hosts println the data (TinyGSM): the CR LF after it is an empty line, not a command.
        await m.CommandAsync($"AT+CMQTTSUB=1,{t.Length},2", "\r\n>");
        await m.SendAsync(t + "\r\n");
        await m.ExpectAsync(Ok + Urc("+CMQTTSUB: 1,0"));
        await m.AssertSilentAsync(TimeSpan.FromMilliseconds(200));

        byte[] all = [.. Enumerable.Range(0, 256).Select(i => (byte)i)];
        await using var probe = await broker.ProbeAsync();
        await probe.PublishAsync(t, all, 2, false);
        byte[] head = Encoding.ASCII.GetBytes($"\r\n+CMQTTRXSTART: 1,{t.Length},256\r\n+CMQTTRXTOPIC: 1,{t.Length}\r\n{t}\r\n+CMQTTRXPAYLOAD: 1,256\r\n");
        byte[] tail = "\r\n+CMQTTRXEND: 1\r\n"u8.ToArray();
        await m.ExpectAsync([.. head, .. all, .. tail]);
    }

    [Theory]
    [InlineData(2039, new[] { 1500, 539 })]
    [InlineData(1520, new[] { 1500, 20 })]
    [InlineData(1500, new[] { 1500 })]
    [InlineData(3001, new[] { 1500, 1500, 1 })]
    public async Task A_long_payload_comes_in_1500_byte_pieces(int length, int[] pieces)
    {
        await using var m = await StartAsync();
        string t = Text.Unique("long");
        await ConnectAsync(m, 0, Unique.Id("long"), broker.Port);
        await EnterAsync(m, $"AT+CMQTTSUB=0,{t.Length},1", t);
        await m.ExpectAsync(Urc("+CMQTTSUB: 0,0"));

        byte[] payload = [.. Enumerable.Range(0, length).Select(i => (byte)('a' + (i % 26)))];
        await using var probe = await broker.ProbeAsync();
        await probe.PublishAsync(t, payload, 1, false);
        var expected = new StringBuilder($"\r\n+CMQTTRXSTART: 0,{t.Length},{length}\r\n+CMQTTRXTOPIC: 0,{t.Length}\r\n{t}\r\n");
        int offset = 0;
        foreach (int piece in pieces)
        {
            expected.Append($"+CMQTTRXPAYLOAD: 0,{piece}\r\n").Append(Encoding.ASCII.GetString(payload, offset, piece)).Append("\r\n");
            offset += piece;
        }

        expected.Append("+CMQTTRXEND: 0\r\n");
        await m.ExpectAsync(expected.ToString());
    }

    [Fact]
    public async Task An_empty_publish_has_no_payload_piece()
    {
        await using var m = await StartAsync();
        string t = Text.Unique("empty");
        await ConnectAsync(m, 0, Unique.Id("empty"), broker.Port);
        await EnterAsync(m, $"AT+CMQTTSUB=0,{t.Length},0", t);
        await m.ExpectAsync(Urc("+CMQTTSUB: 0,0"));
        await using var probe = await broker.ProbeAsync();
        await probe.SubscribeAsync(t, 0);

        // No CMQTTPAYLOAD: the message is empty (SIM7600 AN 5.1.2).
        await EnterAsync(m, $"AT+CMQTTTOPIC=0,{t.Length}", t);
        await m.CommandAsync("AT+CMQTTPUB=0,0,60", Ok);
        string pub = Urc("+CMQTTPUB: 0,0");
        string rx = $"\r\n+CMQTTRXSTART: 0,{t.Length},0\r\n+CMQTTRXTOPIC: 0,{t.Length}\r\n{t}\r\n+CMQTTRXEND: 0\r\n";
        string both = Encoding.UTF8.GetString(await m.Host.ReadExactlyAsync(pub.Length + rx.Length, Wait));
        Assert.True(both == pub + rx || both == rx + pub, InMemoryModem.Show(both));
        Assert.Empty((await probe.NextAsync(Wait)).Payload);

        // PUB cleared the topic.
        await m.CommandAsync("AT+CMQTTPUB=0,0,60", Refused("+CMQTTPUB: 0,18"));
    }

    [Fact]
    public async Task Two_clients_at_once_each_with_its_own_will_and_each_loss_reported_on_its_index()
    {
        await using var m = await StartAsync();
        string t = Text.Unique("wills");
        await using var watcher = await broker.ProbeAsync();
        await watcher.SubscribeAsync($"{t}/#", 1);
        string[] ids = [Unique.Id("w0"), Unique.Id("w1")];
        await m.CommandAsync("AT+CMQTTSTART", Ok + Urc("+CMQTTSTART: 0"));
        for (int i = 0; i < 2; i++)
        {
            await m.CommandAsync($"AT+CMQTTACCQ={i},\"{ids[i]}\"", Ok);
            await EnterAsync(m, $"AT+CMQTTWILLTOPIC={i},{t.Length + 2}", $"{t}/{i}");
            await EnterAsync(m, $"AT+CMQTTWILLMSG={i},5,1", $"gone{i}");
            await m.CommandAsync($"AT+CMQTTCONNECT={i},\"tcp://127.0.0.1:{broker.Port}\",60,1", Ok + Urc($"+CMQTTCONNECT: {i},0"));
        }

        await m.CommandAsync("AT+CMQTTACCQ?", Info($"+CMQTTACCQ: 0,\"{ids[0]}\",0", $"+CMQTTACCQ: 1,\"{ids[1]}\",0"));
        await m.CommandAsync("AT+CMQTTDISC?", Info("+CMQTTDISC: 0,0", "+CMQTTDISC: 1,0"));

        // The broker drops client 1: its will goes out, its host hears cause 1; client 0 stays up.
        await broker.KickAsync(ids[1]);
        await m.ExpectAsync(Urc("+CMQTTCONNLOST: 1,1"));
        var will = await watcher.NextAsync(Wait);
        Assert.Equal(($"{t}/1", "gone1"), (will.Topic, will.PayloadText));
        Assert.True(m.Modem.Links[0].IsConnected);
        await m.CommandAsync("AT+CMQTTDISC?", Info("+CMQTTDISC: 0,0", "+CMQTTDISC: 1,1"));

        // After a loss: PUB is "no connection" (11); DISC cleans up; CONNECT again works.
        await EnterAsync(m, "AT+CMQTTTOPIC=1,3", "x/y");
        await m.CommandAsync("AT+CMQTTPUB=1,1,60", Refused("+CMQTTPUB: 1,11"));
        await m.CommandAsync("AT+CMQTTDISC=1,60", Ok + Urc("+CMQTTDISC: 1,0"));
        await m.CommandAsync($"AT+CMQTTCONNECT=1,\"tcp://127.0.0.1:{broker.Port}\",60,1", Ok + Urc("+CMQTTCONNECT: 1,0"));

        // The network goes (a network fault): each client hears cause 3, then the module +CMQTTNONET once, each will goes out.
        m.Modem.Faults.Start(new FaultSpec { Kind = FaultKinds.RegistrationLost, Seconds = 600 });
        await m.ExpectAsync("\r\n+CMQTTCONNLOST: 0,3\r\n\r\n+CMQTTCONNLOST: 1,3\r\n\r\n+CMQTTNONET\r\n");
        var wills = new[] { await watcher.NextAsync(Wait), await watcher.NextAsync(Wait) };
        Assert.Equal([($"{t}/0", "gone0"), ($"{t}/1", "gone1")], wills.Select(w => (w.Topic, w.PayloadText)).Order());

        // The service is stopped: commands answer ERROR until AT+CMQTTSTART.
        await m.CommandAsync("AT+CMQTTDISC?", Error);
        m.Modem.Faults.EndAll();
        await m.CommandAsync("AT+CMQTTSTART", Ok + Urc("+CMQTTSTART: 0"));
    }

    [Fact]
    public async Task A_silent_broker_is_a_failed_ping()
    {
        await using var m = await StartAsync();
        await ConnectAsync(m, 0, Unique.Id("ping"), broker.Port, keepAlive: 1);
        m.Modem.Faults.Start(new FaultSpec { Kind = "broker-stall", Seconds = 600 });
        await m.ExpectAsync(Urc("+CMQTTPING: 0,17"), Wait);
        m.Modem.Faults.EndAll();
    }

    [Fact]
    public async Task A_result_URC_comes_the_result_delay_after_its_OK()
    {
        // On the modem's own clock: a stopwatch in the test starts only once the test has read the OK,
        // which a loaded machine delays, so it would measure less than the modem waited.
        var time = new Microsoft.Extensions.Time.Testing.FakeTimeProvider(DateTimeOffset.UnixEpoch);
        await using var m = await StartAsync(resultDelay: TimeSpan.FromMilliseconds(400), time: time);
        await m.CommandAsync("AT+CMQTTSTART", Ok);
        await m.AssertSilentAsync(TimeSpan.FromMilliseconds(200));
        time.Advance(TimeSpan.FromMilliseconds(399));
        await m.AssertSilentAsync(TimeSpan.FromMilliseconds(200));
        time.Advance(TimeSpan.FromMilliseconds(1));
        await m.ExpectAsync(Urc("+CMQTTSTART: 0"));
        Assert.Equal(TimeSpan.FromMilliseconds(300), AtMqtt.Core.Profiles.Profile.FromName("simcom-a7670")!.ResultDelay);
    }
}
