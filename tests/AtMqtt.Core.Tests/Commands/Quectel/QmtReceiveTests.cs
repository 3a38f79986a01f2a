using System.Globalization;
using Xunit;

namespace AtMqtt.Core.Tests.Commands.Quectel;

/// <summary>
/// Receiving (src/AtMqtt.Core/Commands/Quectel/QmtReceive.cs, QuectelClient.cs): +QMTRECV with the message
/// (recv/mode 0, with and without its length) and the five-slot buffer of recv/mode 1, binary payloads of all
/// 256 byte values, and nothing lost: a QoS 1/2 message is acknowledged only once the host has it.
/// </summary>
public class QmtReceiveTests(BrokerFixture broker) : IClassFixture<BrokerFixture>
{
    private const string Ok = Quectel.Ok;

    private static readonly byte[] AllBytes = [.. Enumerable.Range(0, 256).Select(i => (byte)i)];

    [Theory]
    [InlineData(0, 0)]
    [InlineData(1, 0)]
    [InlineData(2, 0)]
    [InlineData(0, 1)]
    [InlineData(1, 1)]
    [InlineData(2, 1)]
    public async Task Mode_0_writes_the_message_raw_in_the_URC(int qos, int withLength)
    {
        await using var m = await Quectel.StartAsync();
        await m.CommandAsync($"AT+QMTCFG=\"recv/mode\",0,0,{withLength}", Ok);
        await m.QmtConnectAsync(0, broker.Port);
        string t = Text.Unique("bin");
        await m.ActionAsync($"AT+QMTSUB=0,1,\"{t}\",{qos}", $"+QMTSUB: 0,1,0,{qos}");
        await using var probe = await broker.ProbeAsync();
        await probe.PublishAsync(t, AllBytes, qos, false);

        int msgId = await ReadHeadAsync(m, "\r\n+QMTRECV: 0,", qos);
        string length = withLength == 1 ? "256," : "";
        await m.ExpectAsync(Text.Concat(Text.Utf8($"\"{t}\",{length}\""), AllBytes, "\"\r\n"u8.ToArray()));
        Assert.Equal(qos == 0, msgId == 0);
        await Poll.UntilAsync(() => m.Modem.Urcs.Unacknowledged == 0, "acknowledged once written");
        await m.AssertAliveAsync();
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(2)]
    public async Task Mode_1_buffers_the_message_until_the_host_reads_it_and_only_then_acknowledges_it(int qos)
    {
        await using var m = await Quectel.StartAsync();
        await m.CommandAsync("AT+QMTCFG=\"recv/mode\",0,1,1", Ok);
        await m.QmtConnectAsync(0, broker.Port);
        string t = Text.Unique("pull");
        await m.ActionAsync($"AT+QMTSUB=0,1,\"{t}\",{qos}", $"+QMTSUB: 0,1,0,{qos}");
        await using var probe = await broker.ProbeAsync();
        await probe.PublishAsync(t, AllBytes, qos, false);

        await m.ExpectAsync("\r\n+QMTRECV: 0,0\r\n");
        await m.CommandAsync("AT+QMTRECV?", "\r\n+QMTRECV: 0,1,0,0,0,0\r\n" + Ok);

        // Not read yet: a QoS 1/2 message is still unacknowledged to the broker.
        Assert.Equal(qos == 0 ? 0 : 1, m.Modem.Urcs.Unacknowledged);
        await m.SendAsync("AT+QMTRECV=0,0\r\n");
        await m.ExpectAsync("AT+QMTRECV=0,0\r\n");
        int msgId = await ReadHeadAsync(m, "\r\n+QMTRECV: 0,", qos);
        await m.ExpectAsync(Text.Concat(Text.Utf8($"\"{t}\",256,\""), AllBytes, Text.Utf8("\"\r\n" + Ok)));
        Assert.Equal(qos == 0, msgId == 0);
        await Poll.UntilAsync(() => m.Modem.Urcs.Unacknowledged == 0, "acknowledged once read");
        await m.CommandAsync("AT+QMTRECV?", "\r\n+QMTRECV: 0,0,0,0,0,0\r\n" + Ok);
        await m.CommandAsync("AT+QMTRECV=0", Ok);
    }

    [Fact]
    public async Task Five_slots_fill_in_order_and_a_sixth_message_waits_for_a_free_one()
    {
        await using var m = await Quectel.StartAsync();
        await m.CommandAsync("AT+QMTCFG=\"recv/mode\",0,1", Ok);
        await m.QmtConnectAsync(0, broker.Port);
        string t = Text.Unique("slots");
        await m.ActionAsync($"AT+QMTSUB=0,1,\"{t}\",1", "+QMTSUB: 0,1,0,1");
        await using var probe = await broker.ProbeAsync();
        for (int i = 0; i < 6; i++)
        {
            await probe.PublishAsync(t, $"m{i}", 1);
        }

        for (int i = 0; i < 5; i++)
        {
            await m.ExpectAsync($"\r\n+QMTRECV: 0,{i}\r\n");
        }

        await m.AssertSilentAsync(TimeSpan.FromMilliseconds(300));
        await m.CommandAsync("AT+QMTRECV?", "\r\n+QMTRECV: 0,1,1,1,1,1\r\n" + Ok);
        Assert.Equal(6, m.Modem.Urcs.Unacknowledged);

        // Reading slot 2 frees it: the sixth message takes it and is announced after the response.
        string reply = await m.QueryAsync("AT+QMTRECV=0,2");
        Assert.EndsWith($",\"{t}\",\"m2\"\r\n" + Ok, reply, StringComparison.Ordinal);
        await m.ExpectAsync("\r\n+QMTRECV: 0,2\r\n");

        // Without recv_id the oldest comes first: m0, m1, m3, m4, then m5 (in slot 2).
        foreach (string expected in new[] { "m0", "m1", "m3", "m4", "m5" })
        {
            string next = await m.QueryAsync("AT+QMTRECV=0");
            Assert.EndsWith($",\"{t}\",\"{expected}\"\r\n" + Ok, next, StringComparison.Ordinal);
        }

        await Poll.UntilAsync(() => m.Modem.Urcs.Unacknowledged == 0, "all acknowledged once read");
    }

    /// <summary>Reads <paramref name="head"/>, the message id after it and the comma that ends it.</summary>
    private static async Task<int> ReadHeadAsync(InMemoryModem m, string head, int qos)
    {
        await m.ExpectAsync(head);
        string id = "";
        while (true)
        {
            var b = await m.Host.ReadExactlyAsync(1, InMemoryModem.Timeout);
            if (b[0] == (byte)',')
            {
                break;
            }

            id += (char)b[0];
        }

        int value = int.Parse(id, CultureInfo.InvariantCulture);
        Assert.InRange(value, qos == 0 ? 0 : 1, qos == 0 ? 0 : 65535);
        return value;
    }
}
