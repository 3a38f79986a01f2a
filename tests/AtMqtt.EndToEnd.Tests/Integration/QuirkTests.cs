using System.Text;
using Xunit;

namespace AtMqtt.EndToEnd.Tests.Integration;

/// <summary>
/// <c>--quirk</c> in the program against mosquitto (docs/quirks.md): split-subrecv cuts a message into
/// +MQTTSUBRECV pieces as ESP-AT does, and nothing lost still holds.
/// </summary>
public sealed class QuirkTests(MosquittoFixture mosquitto) : IClassFixture<MosquittoFixture>
{
    private const int Publish = 3;
    private const int Puback = 4;

    /// <summary>
    /// A 1000-byte QoS 1 message with <c>--quirk split-subrecv=256</c>, on a 20-byte topic: the PUBLISH's
    /// header is 1 + 2 (remaining length 1024) + 2 + 20 + 2 (packet identifier) = 27 bytes, so the first
    /// piece holds 229 bytes, then 256, 256, 256 and the last 3. While no host is there to be written to,
    /// neither it nor the QoS 1 message behind it is acknowledged; once the host has its pieces, both are.
    /// </summary>
    [Fact]
    public async Task Split_subrecv_delivers_a_message_in_pieces_and_acknowledges_it_once_written()
    {
        string topic = Unique.Topic("split");
        Assert.Equal(20, topic.Length);
        await using var proxy = TcpProxy.Start(mosquitto.Broker.Port);
        await using var modem = await LiveModem.StartAsync("--quirk", "split-subrecv=256");
        await modem.ConnectLinkAsync(Unique.Id("split"), proxy.Port);
        await modem.OkAsync($"AT+MQTTSUB=0,\"{topic}\",1");
        await modem.DetachAsync();

        var payload = new byte[1000];
        new Random(1000).NextBytes(payload);
        "\r\n+MQTTSUBRECV:0,\"x\",1,\r\n"u8.CopyTo(payload);
        await using (var probe = await MqttProbe.ConnectAsync(FreePort.Host, mosquitto.Broker.Port))
        {
            await probe.PublishAsync(topic, payload, 1, retain: false);
            await probe.PublishAsync(topic, "end", 1);
        }

        // Both messages are in the modem; with no host to write them to, neither is acknowledged.
        await proxy.WaitForPacketsToClientAsync(Publish, 2, LiveModem.Timeout);
        Assert.Equal(0, proxy.PacketsToBroker(Puback));

        await modem.AttachAsync();
        string text = Encoding.Latin1.GetString(payload);
        var expected = new StringBuilder();
        int offset = 0;
        foreach (int piece in new[] { 229, 256, 256, 256, 3 })
        {
            expected.Append(LiveModem.SubRecv(topic, text.Substring(offset, piece)));
            offset += piece;
        }

        expected.Append(LiveModem.SubRecv(topic, "end"));
        await modem.ExpectBytesAsync(expected.ToString());
        await proxy.WaitForPacketsToBrokerAsync(Puback, 2, LiveModem.Timeout);
        await modem.AssertSilentAsync(TimeSpan.FromMilliseconds(300));
        await modem.OkAsync("AT+MQTTCLEAN=0");
    }
}
