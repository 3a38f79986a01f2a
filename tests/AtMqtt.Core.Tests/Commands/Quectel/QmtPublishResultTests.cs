using AtMqtt.Core.Instrument;
using Xunit;

namespace AtMqtt.Core.Tests.Commands.Quectel;

/// <summary>
/// <c>+QMTPUB: &lt;idx&gt;,&lt;msgID&gt;,2</c> when the broker's PUBACK does not come within QMTCFG "timeout"'s
/// pkt_timeout × (retry_times + 1) (docs/quectel.md): the broker has the message, the module reports the failure,
/// and the connection stays up. Result 1 (a retransmission) is not produced: MQTTnet does not retransmit.
/// </summary>
public class QmtPublishResultTests(BrokerFixture broker) : IClassFixture<BrokerFixture>
{
    private const string Ok = Quectel.Ok;
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(15);

    [Fact]
    public async Task A_PUBACK_later_than_the_packet_timeout_is_result_2_and_the_client_stays_connected()
    {
        await using var m = await Quectel.StartAsync();
        string t = Text.Unique("qlate");
        await using var probe = await broker.ProbeAsync();
        await probe.SubscribeAsync(t, 1);

        // One second, no retries: the module gives up after one pkt_timeout.
        await m.CommandAsync("AT+QMTCFG=\"timeout\",0,1,0", Ok);
        await m.QmtConnectAsync(0, broker.Port);
        var fault = m.Modem.Faults.Start(new FaultSpec { Kind = FaultKinds.AckDelay, Ms = 2500, Packet = "puback" });
        await m.ActionAsync($"AT+QMTPUBEX=0,5,1,0,\"{t}\",\"late\"", "+QMTPUB: 0,5,2");
        Assert.Equal("late", (await probe.NextAsync(Wait)).PayloadText);

        // The late PUBACK still comes (in order, ahead of the next one): a longer timeout covers it.
        m.Modem.Faults.End(fault.Id);
        await m.CommandAsync("AT+QMTCONN?", "\r\n+QMTCONN: 0,3\r\n" + Ok);
        await m.CommandAsync("AT+QMTCFG=\"timeout\",0,10,0", Ok);
        await m.ActionAsync($"AT+QMTPUBEX=0,6,1,0,\"{t}\",\"in time\"", "+QMTPUB: 0,6,0");
        Assert.Equal("in time", (await probe.NextAsync(Wait)).PayloadText);
    }
}
