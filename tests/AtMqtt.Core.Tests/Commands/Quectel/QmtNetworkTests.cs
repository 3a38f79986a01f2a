using AtMqtt.Core.Instrument;
using Xunit;

namespace AtMqtt.Core.Tests.Commands.Quectel;

/// <summary>
/// The mobile network under quectel-bg95's MQTT clients (docs/cellular.md, "The hook for the MQTT clients";
/// docs/quectel.md): a lost registration, the radio off or a PDP context down close the clients it carried with
/// <c>+QMTSTAT: &lt;idx&gt;,1</c> after the network's own lines, the broker publishes each will (no DISCONNECT),
/// nothing reconnects meanwhile, and the host opens the clients again once the network is back.
/// </summary>
public class QmtNetworkTests(BrokerFixture broker) : IClassFixture<BrokerFixture>
{
    private const string Ok = Quectel.Ok;
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(15);

    [Fact]
    public async Task Registration_lost_closes_every_open_client_after_the_registration_URC_and_the_host_reopens_when_it_ends()
    {
        await using var m = await Quectel.StartAsync();
        string t = Text.Unique("qreg");
        await using var watcher = await broker.ProbeAsync();
        await watcher.SubscribeAsync($"{t}/#", 1);
        await m.CommandAsync("AT+CEREG=1", Ok);
        await m.CommandAsync($"AT+QMTCFG=\"will\",0,1,1,0,\"{t}/0\",\"gone0\"", Ok);
        await m.CommandAsync($"AT+QMTCFG=\"will\",2,1,1,0,\"{t}/2\",\"gone2\"", Ok);
        string id0 = await m.QmtConnectAsync(0, broker.Port);
        await m.QmtConnectAsync(2, broker.Port);

        // Client 1 is only opened (no CONNECT yet): its network connection goes too.
        await m.OpenAsync(1, broker.Port);

        var fault = m.Modem.Faults.Start(new FaultSpec { Kind = FaultKinds.RegistrationLost });
        await m.ExpectAsync("\r\n+CEREG: 2\r\n\r\n+QMTSTAT: 0,1\r\n\r\n+QMTSTAT: 1,1\r\n\r\n+QMTSTAT: 2,1\r\n");
        var wills = new[] { await watcher.NextAsync(Wait), await watcher.NextAsync(Wait) };
        Assert.Equal([($"{t}/0", "gone0"), ($"{t}/2", "gone2")], wills.Select(w => (w.Topic, w.PayloadText)).Order());

        // Closed, and no reconnection behind the host's back; opening fails while the network is away.
        await m.CommandAsync("AT+QMTCONN?", Ok);
        await m.ActionAsync($"AT+QMTOPEN=0,\"127.0.0.1\",{broker.Port}", "+QMTOPEN: 0,-1");
        await m.AssertSilentAsync(TimeSpan.FromMilliseconds(300));

        m.Modem.Faults.End(fault.Id);
        await m.ExpectAsync("\r\n+CEREG: 1\r\n");
        await m.QmtConnectAsync(0, broker.Port, id0);
        await m.CommandAsync("AT+QMTCONN?", "\r\n+QMTCONN: 0,3\r\n" + Ok);
        await watcher.AssertNoMessageAsync(TimeSpan.FromMilliseconds(200));
    }

    [Fact]
    public async Task A_context_down_closes_only_the_clients_whose_pdpcid_it_is()
    {
        await using var m = await Quectel.StartAsync();
        string t = Text.Unique("qpdp");
        await using var watcher = await broker.ProbeAsync();
        await watcher.SubscribeAsync($"{t}/#", 1);
        await m.CommandAsync("AT+QICSGP=2,1,\"second\"", Ok);
        await m.CommandAsync("AT+QIACT=2", Ok);
        await m.CommandAsync("AT+QMTCFG=\"pdpcid\",1,2", Ok);
        await m.CommandAsync($"AT+QMTCFG=\"will\",1,1,1,0,\"{t}/1\",\"gone1\"", Ok);
        await m.QmtConnectAsync(0, broker.Port);
        await m.QmtConnectAsync(1, broker.Port);

        // The host takes context 2 down: client 1 (pdpcid 2) is closed, client 0 (pdpcid 1) stays.
        await m.CommandAsync("AT+QIDEACT=2", Ok + "\r\n+QMTSTAT: 1,1\r\n");
        var will = await watcher.NextAsync(Wait);
        Assert.Equal(($"{t}/1", "gone1"), (will.Topic, will.PayloadText));
        await m.CommandAsync("AT+QMTCONN?", "\r\n+QMTCONN: 0,3\r\n" + Ok);

        // The network takes every context down: the module's URC for each, then client 0's +QMTSTAT.
        var fault = m.Modem.Faults.Start(new FaultSpec { Kind = FaultKinds.PdpDeactivated });
        await m.ExpectAsync("\r\n+QIURC: \"pdpdeact\",1\r\n\r\n+QMTSTAT: 0,1\r\n");

        // While the network refuses contexts, AT+QMTOPEN cannot activate its own: result 3.
        await m.ActionAsync($"AT+QMTOPEN=1,\"127.0.0.1\",{broker.Port}", "+QMTOPEN: 1,3");
        m.Modem.Faults.End(fault.Id);

        // Afterwards AT+QMTOPEN activates the client's context itself (the host need not AT+QIACT first).
        await m.QmtConnectAsync(1, broker.Port);
        await m.CommandAsync("AT+QIACT?", "\r\n+QIACT: 2,1,1,\"10.64.0.3\"\r\n" + Ok);
    }

    [Fact]
    public async Task Radio_off_closes_the_clients_and_QMTOPEN_answers_3_until_it_is_back()
    {
        await using var m = await Quectel.StartAsync();
        await m.QmtConnectAsync(3, broker.Port);
        await m.CommandAsync("AT+CFUN=4", Ok + "\r\n+QMTSTAT: 3,1\r\n");
        await m.ActionAsync($"AT+QMTOPEN=3,\"127.0.0.1\",{broker.Port}", "+QMTOPEN: 3,3");
        await m.CommandAsync("AT+CFUN=1", Ok);
        await m.QmtConnectAsync(3, broker.Port);
    }
}
