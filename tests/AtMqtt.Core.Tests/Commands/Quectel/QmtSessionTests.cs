using Xunit;

namespace AtMqtt.Core.Tests.Commands.Quectel;

/// <summary>
/// AT+QMTOPEN, QMTCONN, QMTSUB, QMTUNS, QMTPUB, QMTDISC, QMTCLOSE (src/AtMqtt.Core/Commands/Quectel): the
/// reference's sessions byte for byte, several clients at once each with its own will, and +QMTSTAT.
/// </summary>
public class QmtSessionTests(BrokerFixture broker) : IClassFixture<BrokerFixture>
{
    private const string Ok = Quectel.Ok;
    private const string Error = Quectel.Error;
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(15);

    [Fact]
    public async Task The_reference_session_is_answered_byte_for_byte()
    {
        // shared/reference/quectel_mqtt.md section 13, on a real broker.
        await using var m = await Quectel.StartAsync();
        await using var probe = await broker.ProbeAsync();
        string t = Text.Unique("ref");
        await probe.SubscribeAsync($"{t}/out", 1);
        await m.CommandAsync("AT+QMTCFG=\"recv/mode\",0,0,1", Ok);
        await m.CommandAsync("AT+QMTCFG=\"version\",0,4", Ok);
        await m.ActionAsync($"AT+QMTOPEN=0,\"127.0.0.1\",{broker.Port}", "+QMTOPEN: 0,0");
        string id = Unique.Id("ref");
        await m.ActionAsync($"AT+QMTCONN=0,\"{id}\",\"user\",\"pass\"", "+QMTCONN: 0,0,0");
        Assert.Equal(("user", "pass"), (broker.LastConnect(id)?.UserName, broker.LastConnect(id)?.Password));
        await m.ActionAsync($"AT+QMTSUB=0,1,\"{t}/in\",1", "+QMTSUB: 0,1,0,1");

        await m.SendAsync($"AT+QMTPUB=0,1,1,0,\"{t}/out\",5\r\n");
        await m.ExpectAsync($"AT+QMTPUB=0,1,1,0,\"{t}/out\",5\r\n\r\n> ");
        await m.SendAsync("hello");
        await m.ExpectAsync("hello" + Ok + "\r\n+QMTPUB: 0,1,0\r\n");
        var sent = await probe.NextAsync(Wait);
        Assert.Equal(($"{t}/out", "hello", 1), (sent.Topic, sent.PayloadText, sent.Qos));

        await probe.PublishAsync($"{t}/in", "hi", 0);
        await m.ExpectAsync($"\r\n+QMTRECV: 0,0,\"{t}/in\",2,\"hi\"\r\n");
        await m.ActionAsync("AT+QMTDISC=0", "+QMTDISC: 0,0");
        await m.CommandAsync("AT+QMTCONN?", Ok);
    }

    [Fact]
    public async Task The_transcript_of_the_reference_subscribes_and_unsubscribes()
    {
        // The GPS-4G-HAT log in the reference, section 7 (QoS 2 granted).
        await using var m = await Quectel.StartAsync();
        await m.QmtConnectAsync(0, broker.Port);
        string t = Text.Unique("hat");
        await m.ActionAsync($"AT+QMTSUB=0,1,\"{t}\",2", "+QMTSUB: 0,1,0,2");
        await using var probe = await broker.ProbeAsync();
        await probe.PublishAsync(t, "hello GPS-4G-HAT shield", 0);
        await m.ExpectAsync($"\r\n+QMTRECV: 0,0,\"{t}\",\"hello GPS-4G-HAT shield\"\r\n");
        await m.ActionAsync($"AT+QMTUNS=0,1,\"{t}\"", "+QMTUNS: 0,1,0");
        await probe.PublishAsync(t, "not any more", 0);
        await m.ActionAsync("AT+QMTDISC=0", "+QMTDISC: 0,0");
        await m.AssertSilentAsync(TimeSpan.FromMilliseconds(300));
    }

    [Fact]
    public async Task Several_filters_in_one_SUBSCRIBE_report_each_granted_QoS()
    {
        await using var m = await Quectel.StartAsync();
        await m.QmtConnectAsync(0, broker.Port);
        string t = Text.Unique("multi");
        // MQTTnet's broker answers a SUBACK in the order of the requested QoS, highest first, not in the
        // request's order: the filters go in that order here, so that its answer is a true one.
        await m.ActionAsync($"AT+QMTSUB=0,7,\"{t}/+/c\",2,\"{t}/b/#\",1,\"{BrokerFixture.DeniedPrefix}{t}\",0", "+QMTSUB: 0,7,0,2,1,128");
        await m.ActionAsync($"AT+QMTSUB=0,9,\"{t}/a\",0", "+QMTSUB: 0,9,0,0");
        await using var probe = await broker.ProbeAsync();
        await probe.PublishAsync($"{t}/b/x", "bx", 0);
        await m.ExpectAsync($"\r\n+QMTRECV: 0,0,\"{t}/b/x\",\"bx\"\r\n");
        await m.ActionAsync($"AT+QMTUNS=0,8,\"{t}/a\",\"{t}/b/#\"", "+QMTUNS: 0,8,0");
        Assert.Equal([$"{t}/+/c"], m.Modem.Links[0].Subscriptions.Select(s => s.Filter));
    }

    [Fact]
    public async Task Clients_are_independent_each_with_its_own_will()
    {
        await using var m = await Quectel.StartAsync();
        string t = Text.Unique("wills");
        await using var watcher = await broker.ProbeAsync();
        await watcher.SubscribeAsync($"{t}/will/#", 1);
        await watcher.SubscribeAsync($"{t}/from/#", 1);
        var ids = new string[6];
        for (int i = 0; i < 6; i++)
        {
            await m.CommandAsync($"AT+QMTCFG=\"will\",{i},1,1,0,\"{t}/will/{i}\",\"gone {i}\"", Ok);
            ids[i] = await m.QmtConnectAsync(i, broker.Port);
            await m.ActionAsync($"AT+QMTSUB={i},{i + 1},\"{t}/to/{i}\",1", $"+QMTSUB: {i},{i + 1},0,1");
        }

        await m.CommandAsync("AT+QMTCONN?", string.Concat(Enumerable.Range(0, 6).Select(i => (i == 0 ? "\r\n" : "") + $"+QMTCONN: {i},3\r\n")) + Ok);
        Assert.Equal(ids, m.Modem.Snapshot().Links.Select(l => l.Link.ClientId));

        // Each client gets its own messages only.
        await using var probe = await broker.ProbeAsync();
        await probe.PublishAsync($"{t}/to/4", "four", 0);
        await m.ExpectAsync($"\r\n+QMTRECV: 4,0,\"{t}/to/4\",\"four\"\r\n");
        await probe.PublishAsync($"{t}/to/1", "one", 0);
        await m.ExpectAsync($"\r\n+QMTRECV: 1,0,\"{t}/to/1\",\"one\"\r\n");

        // QMTCLOSE on client 2 closes its connection without DISCONNECT: the broker publishes its will, and only its.
        await m.ActionAsync("AT+QMTCLOSE=2", "+QMTCLOSE: 2,0");
        var will = await watcher.NextAsync(Wait);
        Assert.Equal(($"{t}/will/2", "gone 2"), (will.Topic, will.PayloadText));

        // QMTDISC on client 3 is a DISCONNECT: no will.
        await m.ActionAsync("AT+QMTDISC=3", "+QMTDISC: 3,0");
        await watcher.AssertNoMessageAsync(TimeSpan.FromMilliseconds(300));
        await m.CommandAsync("AT+QMTCONN?", "\r\n+QMTCONN: 0,3\r\n+QMTCONN: 1,3\r\n+QMTCONN: 4,3\r\n+QMTCONN: 5,3\r\n" + Ok);

        // Client 5 still publishes; client 2 can open again.
        await m.ActionAsync($"AT+QMTPUBEX=5,0,0,0,\"{t}/from/5\",\"five\"", "+QMTPUB: 5,0,0");
        var five = await watcher.NextAsync(Wait);
        Assert.Equal(($"{t}/from/5", "five"), (five.Topic, five.PayloadText));
        await m.QmtConnectAsync(2, broker.Port);
    }

    [Fact]
    public async Task A_broker_that_drops_a_client_is_QMTSTAT_1_and_the_others_stay()
    {
        await using var m = await Quectel.StartAsync();
        string id0 = await m.QmtConnectAsync(0, broker.Port);
        await m.QmtConnectAsync(1, broker.Port);
        await broker.KickAsync(id0);
        await m.ExpectAsync("\r\n+QMTSTAT: 0,1\r\n");
        await m.CommandAsync("AT+QMTCONN?", "\r\n+QMTCONN: 1,3\r\n" + Ok);

        // The host opens it again, as the application note says.
        await m.QmtConnectAsync(0, broker.Port, id0);
        await m.CommandAsync("AT+QMTCONN?", "\r\n+QMTCONN: 0,3\r\n+QMTCONN: 1,3\r\n" + Ok);
    }

    [Fact]
    public async Task Open_and_connect_report_their_failures()
    {
        await using var m = await Quectel.StartAsync();

        // Nothing listens on the port: -1. A name that cannot resolve: 4.
        int closed = FreePort.Get();
        await m.ActionAsync($"AT+QMTOPEN=0,\"127.0.0.1\",{closed}", "+QMTOPEN: 0,-1");
        await m.ActionAsync("AT+QMTOPEN=0,\"no-such-host.invalid\",1883", "+QMTOPEN: 0,4");

        // Open twice: the identifier is occupied (2).
        await m.OpenAsync(1, broker.Port);
        await m.ActionAsync($"AT+QMTOPEN=1,\"127.0.0.1\",{broker.Port}", "+QMTOPEN: 1,2");
        await m.CommandAsync("AT+QMTOPEN?", $"\r\n+QMTOPEN: 1,\"127.0.0.1\",{broker.Port}\r\n" + Ok);
        await m.CommandAsync("AT+QMTCONN?", "\r\n+QMTCONN: 1,1\r\n" + Ok);

        // The broker refuses the user: the CONNACK code is the third field.
        await m.ActionAsync($"AT+QMTCONN=1,\"{Unique.Id("r")}\",\"{BrokerFixture.RefusedUser}\",\"x\"", "+QMTCONN: 1,0,4");
        await m.OpenAsync(1, broker.Port);
        await m.ActionAsync($"AT+QMTCONN=1,\"{Unique.Id("r")}\"", "+QMTCONN: 1,0,0");
        await m.ActionAsync("AT+QMTCLOSE=1", "+QMTCLOSE: 1,0");
    }

    [Theory]
    [InlineData("AT+QMTOPEN=6,\"127.0.0.1\",1883")]
    [InlineData("AT+QMTOPEN=0,\"127.0.0.1\",0")]
    [InlineData("AT+QMTOPEN=0,\"\",1883")]
    [InlineData("AT+QMTOPEN=0,\"127.0.0.1\"")]
    [InlineData("AT+QMTCONN=0,\"id\"")]
    [InlineData("AT+QMTDISC=0")]
    [InlineData("AT+QMTCLOSE=0")]
    [InlineData("AT+QMTSUB=0,1,\"t\",1")]
    [InlineData("AT+QMTUNS=0,1,\"t\"")]
    [InlineData("AT+QMTPUB=0,0,0,0,\"t\",1")]
    [InlineData("AT+QMTPUBEX=0,0,0,0,\"t\",\"m\"")]
    [InlineData("AT+QMTRECV=6")]
    [InlineData("AT+QMTRECV=0,5")]
    public async Task A_command_out_of_range_or_out_of_state_is_plain_ERROR(string line)
    {
        await using var m = await Quectel.StartAsync();
        await m.CommandAsync(line, Error);
        await m.AssertSilentAsync(TimeSpan.FromMilliseconds(200));
        await m.AssertAliveAsync();
    }

    [Theory]
    [InlineData("AT+QMTSUB=0,0,\"t\",1")]
    [InlineData("AT+QMTSUB=0,1,\"t\",3")]
    [InlineData("AT+QMTSUB=0,1,\"t\"")]
    [InlineData("AT+QMTSUB=0,1,\"a/#/b\",1")]
    [InlineData("AT+QMTSUB=0,1,\"a\",0,\"b\",0,\"c\",0,\"d\",0,\"e\",0,\"f\",0")]
    [InlineData("AT+QMTUNS=0,0,\"t\"")]
    [InlineData("AT+QMTPUB=0,1,0,0,\"t\",1")]
    [InlineData("AT+QMTPUB=0,0,1,0,\"t\",1")]
    [InlineData("AT+QMTPUB=0,1,1,2,\"t\",1")]
    [InlineData("AT+QMTPUB=0,1,1,0,\"a/+\",1")]
    [InlineData("AT+QMTPUB=0,1,1,0,\"t\",4097")]
    [InlineData("AT+QMTPUB=0,1,1,0,\"t\",0")]
    public async Task A_bad_argument_on_a_connected_client_is_plain_ERROR(string line)
    {
        await using var m = await Quectel.StartAsync();
        await m.QmtConnectAsync(0, broker.Port);
        await m.CommandAsync(line, Error);
        await m.AssertSilentAsync(TimeSpan.FromMilliseconds(200));
        await m.AssertAliveAsync();
    }

    [Fact]
    public async Task The_test_commands_answer_as_documented()
    {
        await using var m = await Quectel.StartAsync();
        await m.CommandAsync("AT+QMTOPEN=?", "\r\n+QMTOPEN: (0-5),\"<host_name>\",(1-65535)\r\n" + Ok);
        await m.CommandAsync("AT+QMTCLOSE=?", "\r\n+QMTCLOSE: (0-5)\r\n" + Ok);
        await m.CommandAsync("AT+QMTCONN=?", "\r\n+QMTCONN: (0-5),<clientID>,<username>,<password>\r\n" + Ok);
        await m.CommandAsync("AT+QMTDISC=?", "\r\n+QMTDISC: (0-5)\r\n" + Ok);
        await m.CommandAsync("AT+QMTSUB=?", "\r\n+QMTSUB: (0-5),(1-65535),\"<topic>\",(0-2)\r\n" + Ok);
        await m.CommandAsync("AT+QMTUNS=?", "\r\n+QMTUNS: (0-5),(1-65535),\"<topic>\"\r\n" + Ok);
        await m.CommandAsync("AT+QMTPUB=?", "\r\n+QMTPUB: (0-5),(0-65535),(0-2),(0,1),<topic>,(1-4096)\r\n" + Ok);
        await m.CommandAsync("AT+QMTPUBEX=?", "\r\n+QMTPUBEX: (0-5),(0-65535),(0-2),(0,1),<topic>,<msg>\r\n" + Ok);
        await m.CommandAsync("AT+QMTRECV=?", "\r\n+QMTRECV: (0-5),(0-4)\r\n" + Ok);
        await m.CommandAsync("AT+QMTOPEN?", Ok);
        await m.CommandAsync("AT+QMTCONN?", Ok);
        await m.CommandAsync("AT+QMTRECV?", Ok);
    }
}
