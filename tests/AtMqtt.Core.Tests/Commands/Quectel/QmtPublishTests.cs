using Microsoft.Extensions.Time.Testing;
using Xunit;

namespace AtMqtt.Core.Tests.Commands.Quectel;

/// <summary>
/// AT+QMTPUB and AT+QMTPUBEX (src/AtMqtt.Core/Commands/Quectel/QmtPublish.cs, QmtPublishEx.cs): the prompt
/// exactly <c>\r\n&gt; </c>, fixed length (binary safe) and Ctrl-Z data, Esc cancels, the data's echo,
/// +QMTPUB with the host's msgID; and the timing model between OK and the result URC.
/// </summary>
public class QmtPublishTests(BrokerFixture broker) : IClassFixture<BrokerFixture>
{
    private const string Ok = Quectel.Ok;
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(15);

    [Theory]
    [InlineData(0, 0)]
    [InlineData(1, 17)]
    [InlineData(2, 65535)]
    public async Task Fixed_length_data_is_binary_safe_and_echoed(int qos, int msgId)
    {
        await using var m = await Quectel.StartAsync();
        await m.QmtConnectAsync(0, broker.Port);
        string t = Text.Unique("pub");
        await using var probe = await broker.ProbeAsync();
        await probe.SubscribeAsync(t, 2);
        byte[] data = [.. Enumerable.Range(0, 256).Select(i => (byte)i)];
        await m.SendAsync($"AT+QMTPUB=0,{msgId},{qos},0,\"{t}\",256\r\n");
        await m.ExpectAsync($"AT+QMTPUB=0,{msgId},{qos},0,\"{t}\",256\r\n\r\n> ");
        await m.SendAsync(data);
        await m.ExpectAsync(Text.Concat(data, Text.Utf8(Ok + $"\r\n+QMTPUB: 0,{msgId},0\r\n")));
        var got = await probe.NextAsync(Wait);
        Assert.Equal((t, qos), (got.Topic, got.Qos));
        Assert.Equal(data, got.Payload);
    }

    [Fact]
    public async Task Without_echo_only_OK_follows_the_data()
    {
        await using var m = await Quectel.StartAsync();
        await m.CommandAsync("ATE0", Ok);
        await m.ConnectAsyncNoEcho(0, broker.Port);
        string t = Text.Unique("quiet");
        await m.SendAsync($"AT+QMTPUB=0,0,0,1,\"{t}\",3\r\n");
        await m.ExpectAsync("\r\n> ");
        await m.SendAsync("abc");
        await m.ExpectAsync(Ok + "\r\n+QMTPUB: 0,0,0\r\n");
        await broker.WaitRetainedAsync(t, Wait);
    }

    [Fact]
    public async Task Ctrl_Z_ends_the_data_and_Esc_cancels_it()
    {
        await using var m = await Quectel.StartAsync();
        await m.QmtConnectAsync(0, broker.Port);
        string t = Text.Unique("ctrlz");
        await using var probe = await broker.ProbeAsync();
        await probe.SubscribeAsync(t, 1);

        // As pico_lte sends it: the payload, CR LF kept, then 0x1A; what follows is a command line again.
        await m.SendAsync($"AT+QMTPUB=0,3,1,0,\"{t}\"\r\n");
        await m.ExpectAsync($"AT+QMTPUB=0,3,1,0,\"{t}\"\r\n\r\n> ");
        await m.SendAsync(Text.Concat(Text.Utf8("line 1\r\nline 2"), [0x1A]));
        await m.ExpectAsync("line 1\r\nline 2" + Ok + "\r\n+QMTPUB: 0,3,0\r\n");
        var got = await probe.NextAsync(Wait);
        Assert.Equal("line 1\r\nline 2", got.PayloadText);

        // Esc: OK, and nothing is published.
        await m.SendAsync($"AT+QMTPUB=0,4,1,0,\"{t}\"\r\n");
        await m.ExpectAsync($"AT+QMTPUB=0,4,1,0,\"{t}\"\r\n\r\n> ");
        await m.SendAsync(Text.Concat(Text.Utf8("never"), [0x1B]));
        await m.ExpectAsync(Ok);
        await probe.AssertNoMessageAsync(TimeSpan.FromMilliseconds(300));
        await m.AssertSilentAsync(TimeSpan.FromMilliseconds(100));

        // More than 4096 bytes before Ctrl-Z: ERROR, nothing published.
        await m.SendAsync($"AT+QMTPUB=0,5,1,0,\"{t}\"\r\n");
        await m.ExpectAsync($"AT+QMTPUB=0,5,1,0,\"{t}\"\r\n\r\n> ");
        await m.SendAsync(new byte[4097]);
        await m.ExpectAsync(Quectel.Error);
        await probe.AssertNoMessageAsync(TimeSpan.FromMilliseconds(300));
        await m.AssertAliveAsync();
    }

    [Fact]
    public async Task PUBEX_takes_the_message_inline_and_answers_with_QMTPUB()
    {
        // BG95-M3 capture: AT+QMTPUBEX=0,1,1,0,"main_topic","Presure: 3.2Bar" / OK / +QMTPUB: 0,1,0.
        await using var m = await Quectel.StartAsync();
        await m.QmtConnectAsync(0, broker.Port);
        string t = Text.Unique("main_topic");
        await using var probe = await broker.ProbeAsync();
        await probe.SubscribeAsync(t, 1);
        await m.ActionAsync($"AT+QMTPUBEX=0,1,1,0,\"{t}\",\"Presure: 3.2Bar\"", "+QMTPUB: 0,1,0");
        Assert.Equal("Presure: 3.2Bar", (await probe.NextAsync(Wait)).PayloadText);
    }

    [Fact]
    public async Task A_publish_on_a_client_that_dropped_meanwhile_reports_result_2()
    {
        await using var m = await Quectel.StartAsync();
        string id = await m.QmtConnectAsync(0, broker.Port);
        await m.SendAsync("AT+QMTPUB=0,9,1,0,\"t/late\",2\r\n");
        await m.ExpectAsync("AT+QMTPUB=0,9,1,0,\"t/late\",2\r\n\r\n> ");
        await broker.KickAsync(id);
        await Poll.UntilAsync(() => !m.Modem.Links[0].IsConnected, "the client dropped");
        await m.SendAsync("ab");
        await m.ExpectAsync("ab" + Ok);
        string rest = await m.ReadUntilAsync("+QMTPUB: 0,9,2\r\n");
        Assert.Contains("\r\n+QMTSTAT: 0,1\r\n", rest, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_result_URC_comes_no_sooner_than_the_result_delay_after_OK()
    {
        var time = new FakeTimeProvider(DateTimeOffset.UnixEpoch);
        await using var m = await Quectel.StartAsync(TimeSpan.FromMilliseconds(300), time);
        await m.CommandAsync($"AT+QMTOPEN=0,\"127.0.0.1\",{broker.Port}", Ok);

        // The connection opens at once; the URC waits for the modem's clock to pass 300 ms.
        await Poll.UntilAsync(() => m.Modem.Links[0].Phase == AtMqtt.Core.Mqtt.LinkPhase.Opened, "opened");
        await m.AssertSilentAsync(TimeSpan.FromMilliseconds(200));
        time.Advance(TimeSpan.FromMilliseconds(299));
        await m.AssertSilentAsync(TimeSpan.FromMilliseconds(200));
        time.Advance(TimeSpan.FromMilliseconds(1));
        await m.ExpectAsync("\r\n+QMTOPEN: 0,0\r\n");
        Assert.Equal(TimeSpan.FromMilliseconds(300), m.Modem.ResultDelay);
    }

    [Fact]
    public async Task The_profile_default_delay_is_300_ms_and_ESP_AT_has_none()
    {
        await using var q = await InMemoryModem.StartAsync(new ModemOptions { Profile = AtMqtt.Core.Profiles.Profile.FromName("quectel-bg95") });
        Assert.Equal(TimeSpan.FromMilliseconds(300), q.Modem.ResultDelay);
        Assert.Equal(6, q.Modem.Links.Count);
        await using var e = await InMemoryModem.StartAsync(new ModemOptions { Profile = AtMqtt.Core.Profiles.Profile.FromName("esp-at-5.0") });
        Assert.Equal(TimeSpan.Zero, e.Modem.ResultDelay);
    }
}
