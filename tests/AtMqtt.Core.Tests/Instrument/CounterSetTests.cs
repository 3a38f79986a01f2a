using System.Text;
using Xunit;

namespace AtMqtt.Core.Tests.Instrument;

/// <summary>
/// CounterSet's counts that the program's /metrics reads (docs/metrics.md): command lines by their command's
/// index in the modem's table, bytes each way on the host channel and on the broker connection.
/// </summary>
public class CounterSetTests(BrokerFixture broker) : IClassFixture<BrokerFixture>
{
    [Fact]
    public async Task Lines_count_under_their_commands_index_unknown_ones_in_the_last_slot_and_bytes_once_however_the_reads_cut_them()
    {
        // Lock-step input: the modem's reads see the host's bytes a few at a time, lines cut anywhere.
        await using var s = await InMemoryModem.StartAsync(InMemoryModem.DefaultOptions, InMemoryModem.LockStep);
        var counters = s.Modem.Counters;
        var table = s.Modem.Commands.All;
        int Index(string name) => table.Select((c, i) => (c, i)).Single(x => x.c.Name == name).i;
        Assert.Equal(table.Count + 1, counters.CommandSlots);

        foreach (var piece in new[] { "AT\r\nAT+G", "MR\r\nAT+NO", "PE\r\nhel", "lo\r\nAT\r\n" })
        {
            await s.SendAsync(piece);
        }

        for (int i = 0; i < 5; i++)
        {
            await s.ReadFinalAsync();
        }

        Assert.Equal(2, counters.ByCommand(Index("AT")));
        Assert.Equal(1, counters.ByCommand(Index("AT+GMR")));
        Assert.Equal(0, counters.ByCommand(Index("AT+MQTTPUB")));
        Assert.Equal(2, counters.ByCommand(counters.CommandSlots - 1));
        Assert.Equal(5, counters.Commands);
        Assert.Equal(2, counters.Errors);
        Assert.Equal(s.Host.BytesSent, counters.HostBytesReceived);

        // Counted once the write's flush returned, which may be a moment after the host has the bytes.
        await Poll.UntilAsync(() => counters.HostBytesSent == s.Host.BytesReceived, () => $"modem sent {counters.HostBytesSent}, host read {s.Host.BytesReceived}");
        Assert.Equal(0, counters.BrokerBytesSent);
    }

    [Fact]
    public async Task Broker_bytes_are_the_mqtt_packets_a_qos0_publish_and_a_qos0_delivery_add_exactly()
    {
        var topic = Unique.Topic("bytes");
        await using var probe = await broker.ProbeAsync();
        await using var s = await InMemoryModem.StartAsync();
        await s.ConfigureAndConnectAsync(broker.Port);
        await s.CommandAsync($"AT+MQTTSUB=0,\"{topic}/in\",0", InMemoryModem.Ok);
        await probe.SubscribeAsync($"{topic}/out", 0);
        var counters = s.Modem.Counters;
        long sent = counters.BrokerBytesSent;
        long received = counters.BrokerBytesReceived;
        Assert.True(sent > 0 && received > 0); // CONNECT and SUBSCRIBE; CONNACK and SUBACK

        // A QoS 0 PUBLISH: fixed header (2 bytes below 128), topic length (2), topic, payload.
        const string Payload = "hello";
        await s.CommandAsync($"AT+MQTTPUB=0,\"{topic}/out\",\"{Payload}\",0,0", InMemoryModem.Ok);
        var up = await probe.NextAsync();
        Assert.Equal(Payload, up.PayloadText);
        Assert.Equal(sent + 4 + Encoding.UTF8.GetByteCount($"{topic}/out") + Payload.Length, counters.BrokerBytesSent);

        await probe.PublishAsync($"{topic}/in", "down", qos: 0);
        await s.ExpectAsync($"+MQTTSUBRECV:0,\"{topic}/in\",4,down\r\n");
        Assert.Equal(received + 4 + Encoding.UTF8.GetByteCount($"{topic}/in") + 4, counters.BrokerBytesReceived);
    }
}
