using AtMqtt.Core;
using AtMqtt.Core.Profiles;
using Xunit;

namespace AtMqtt.EndToEnd.Tests.Integration;

/// <summary>
/// A SUBSCRIBE with several filters (Quectel's AT+QMTSUB, SIMCom's AT+CMQTTSUBTOPIC list) against mosquitto,
/// which answers SUBACK codes in the request's order as MQTT 3.1.1 requires [MQTT-3.9.3-1]. MQTTnet's in-process
/// broker answers them highest QoS first, so only a real broker shows that each filter gets its own granted QoS.
/// The filters go lowest QoS first here: paired the other way round, 0 and 2 would swap.
/// </summary>
public sealed class ListSubscribeTests(MosquittoFixture broker) : IClassFixture<MosquittoFixture>
{
    private const string Ok = "\r\nOK\r\n";

    private static string Urc(string line) => "\r\n" + line + "\r\n";

    private static async Task<InMemoryModem> StartAsync(string profile)
    {
        var p = Profile.FromName(profile)!;
        var modem = InMemoryModem.CreateDetached(new ModemOptions { Profile = p, Dialect = p.Dialect, ResultDelay = TimeSpan.Zero, DataTimeout = TimeSpan.FromSeconds(5) });
        modem.Attach();
        await modem.SendAsync("AT\r\n");
        await modem.ReadUntilAsync("AT\r\n" + Ok);
        return modem;
    }

    [Fact]
    public async Task QMTSUB_reports_and_records_each_filters_granted_QoS_in_the_requests_order()
    {
        string t = Unique.Topic("q-list");
        await using var m = await StartAsync("quectel-bg95");
        await m.CommandAsync($"AT+QMTOPEN=0,\"{FreePort.Host}\",{broker.Port}", Ok + Urc("+QMTOPEN: 0,0"));
        await m.CommandAsync($"AT+QMTCONN=0,\"{Unique.Id("ql")}\"", Ok + Urc("+QMTCONN: 0,0,0"));
        await m.CommandAsync($"AT+QMTSUB=0,7,\"{t}/0\",0,\"{t}/1\",1,\"{t}/2\",2", Ok + Urc("+QMTSUB: 0,7,0,0,1,2"));
        Assert.Equal([($"{t}/0", 0), ($"{t}/1", 1), ($"{t}/2", 2)], m.Modem.Links[0].Subscriptions.Select(s => (s.Filter, s.Qos)).OrderBy(s => s.Filter));

        // The broker's side: a QoS 2 message comes at the QoS each filter was granted (msgID 0 only at QoS 0).
        await using var probe = await broker.ProbeAsync();
        await probe.PublishAsync($"{t}/0", "zero", 2);
        await m.ExpectAsync(Urc($"+QMTRECV: 0,0,\"{t}/0\",\"zero\""));
        await probe.PublishAsync($"{t}/2", "two", 2);
        string two = await m.ReadUntilAsync("\"two\"\r\n");
        Assert.DoesNotContain("+QMTRECV: 0,0,", two, StringComparison.Ordinal);
        await m.CommandAsync("AT+QMTDISC=0", Ok + Urc("+QMTDISC: 0,0"));
    }

    [Fact]
    public async Task CMQTTSUB_list_form_records_each_filters_granted_QoS_in_the_requests_order()
    {
        string t = Unique.Topic("s-list");
        await using var m = await StartAsync("simcom-a7670");
        await m.CommandAsync("AT+CMQTTSTART", Ok + Urc("+CMQTTSTART: 0"));
        await m.CommandAsync($"AT+CMQTTACCQ=0,\"{Unique.Id("sl")}\"", Ok);
        await m.CommandAsync($"AT+CMQTTCONNECT=0,\"tcp://{FreePort.Host}:{broker.Port}\",60,1", Ok + Urc("+CMQTTCONNECT: 0,0"));
        for (int q = 0; q < 3; q++)
        {
            string filter = $"{t}/{q}";
            await m.CommandAsync($"AT+CMQTTSUBTOPIC=0,{filter.Length},{q}", "\r\n>");
            await m.SendAsync(filter);
            await m.ExpectAsync(Ok);
        }

        await m.CommandAsync("AT+CMQTTSUB=0", Ok + Urc("+CMQTTSUB: 0,0"));
        Assert.Equal([($"{t}/0", 0), ($"{t}/1", 1), ($"{t}/2", 2)], m.Modem.Links[0].Subscriptions.Select(s => (s.Filter, s.Qos)).OrderBy(s => s.Filter));
        await m.CommandAsync("AT+CMQTTDISC=0,60", Ok + Urc("+CMQTTDISC: 0,0"));
    }
}
