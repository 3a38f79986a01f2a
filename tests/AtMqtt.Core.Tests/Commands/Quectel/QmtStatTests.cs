using AtMqtt.Core.Instrument;
using Xunit;

namespace AtMqtt.Core.Tests.Commands.Quectel;

/// <summary>
/// The <c>+QMTSTAT</c> causes the modem produces besides a kicked client (<c>QmtSessionTests</c>) and the mobile
/// network's (<c>QmtNetworkTests</c>), docs/quectel.md choice 10: 2 when the broker falls silent for a keepalive
/// period, 1 when a fault cuts the connection on the way to the broker.
/// </summary>
public class QmtStatTests(BrokerFixture broker) : IClassFixture<BrokerFixture>
{
    private const string Ok = Quectel.Ok;
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(15);

    [Fact]
    public async Task A_silent_broker_is_QMTSTAT_2_and_the_client_is_closed()
    {
        await using var m = await Quectel.StartAsync();
        await m.CommandAsync("AT+QMTCFG=\"keepalive\",0,1", Ok);
        await m.QmtConnectAsync(0, broker.Port);
        var stall = m.Modem.Faults.Start(new FaultSpec { Kind = FaultKinds.BrokerStall, Seconds = 600 });
        await m.ExpectAsync("\r\n+QMTSTAT: 0,2\r\n", Wait);
        m.Modem.Faults.End(stall.Id);
        await m.CommandAsync("AT+QMTCONN?", Ok);
        await m.QmtConnectAsync(0, broker.Port);
    }

    [Fact]
    public async Task A_connection_cut_on_the_way_to_the_broker_is_QMTSTAT_1()
    {
        await using var m = await Quectel.StartAsync();
        await m.QmtConnectAsync(1, broker.Port);
        var cut = m.Modem.Faults.Start(new FaultSpec { Kind = FaultKinds.BrokerUnreachable, Seconds = 600 });
        await m.ExpectAsync("\r\n+QMTSTAT: 1,1\r\n", Wait);
        await m.ActionAsync($"AT+QMTOPEN=1,\"127.0.0.1\",{broker.Port}", "+QMTOPEN: 1,-1");
        m.Modem.Faults.End(cut.Id);
        await m.QmtConnectAsync(1, broker.Port);
    }
}
