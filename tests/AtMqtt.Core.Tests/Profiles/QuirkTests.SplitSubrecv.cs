using AtMqtt.Core.Profiles;
using Xunit;

namespace AtMqtt.Core.Tests.Profiles;

/// <summary>
/// split-subrecv[=BYTES]: a message larger than esp-mqtt's buffer arrives as several +MQTTSUBRECV lines,
/// each <c>+MQTTSUBRECV:0,"topic",&lt;piece length&gt;,&lt;piece&gt;</c>; the first piece is what the buffer
/// holds after the PUBLISH's header, every later one up to BYTES (docs/quirks.md).
/// </summary>
public sealed partial class QuirkTests
{
    /// <summary>The lines of a message cut into <paramref name="pieces"/>, which must add up to the payload.</summary>
    private static byte[] SubRecv(string topic, byte[] payload, params int[] pieces)
    {
        Assert.Equal(payload.Length, pieces.Sum());
        var bytes = new List<byte>();
        int offset = 0;
        foreach (int piece in pieces)
        {
            bytes.AddRange(Text.Utf8($"+MQTTSUBRECV:0,\"{topic}\",{piece},"));
            bytes.AddRange(payload.AsSpan(offset, piece).ToArray());
            bytes.AddRange("\r\n"u8.ToArray());
            offset += piece;
        }

        return [.. bytes];
    }

    /// <summary>Random bytes with the ones a line parser trips over at the start: CR, LF, comma, quote.</summary>
    private static byte[] Payload(int length, int seed)
    {
        var payload = new byte[length];
        new Random(seed).NextBytes(payload);
        "\r\n,\"OK\r\n"u8.CopyTo(payload);
        return payload;
    }

    /// <summary>
    /// 1000 bytes on an 18-byte topic, buffer 256. The PUBLISH's header: 1 byte of type and flags, 2 of
    /// remaining length (it is over 127), 2 of topic length, the topic, and for QoS 1 and 2 a 2-byte packet
    /// identifier: 23 bytes at QoS 0 and 25 at QoS 1 and 2, leaving 233 or 231 bytes for the first piece.
    /// </summary>
    [Theory]
    [InlineData(0, new[] { 233, 256, 256, 255 })]
    [InlineData(1, new[] { 231, 256, 256, 256, 1 })]
    [InlineData(2, new[] { 231, 256, 256, 256, 1 })]
    public async Task Split_subrecv_cuts_a_message_as_esp_mqtt_fills_its_buffer(int qos, int[] pieces)
    {
        string topic = Text.Unique("split");
        Assert.Equal(18, topic.Length);
        await using var s = await ConnectedAsync(With("split-subrecv=256"));
        await s.CommandAsync($"AT+MQTTSUB=0,\"{topic}\",{qos}", Ok);
        var payload = Payload(1000, qos);
        await using var probe = await broker.ProbeAsync();
        await probe.PublishAsync(topic, payload, qos, false);

        await s.ExpectAsync(SubRecv(topic, payload, pieces));
        await s.AssertSilentAsync(TimeSpan.FromMilliseconds(200));
        await s.AssertAliveAsync();
    }

    /// <summary>A PUBLISH of exactly BYTES (3 + 20 + 233 = 256) is whole; one byte more and the last byte is a piece of its own.</summary>
    [Fact]
    public async Task A_message_that_fills_the_buffer_exactly_is_whole_and_one_byte_more_is_split()
    {
        string topic = Text.Unique("edges");
        Assert.Equal(18, topic.Length);
        await using var s = await ConnectedAsync(With("split-subrecv=256"));
        await s.CommandAsync($"AT+MQTTSUB=0,\"{topic}\",0", Ok);
        await using var probe = await broker.ProbeAsync();
        var fits = Payload(233, 1);
        await probe.PublishAsync(topic, fits, 0, false);
        await s.ExpectAsync(SubRecv(topic, fits, 233));
        var over = Payload(234, 2);
        await probe.PublishAsync(topic, over, 0, false);
        await s.ExpectAsync(SubRecv(topic, over, 233, 1));
    }

    /// <summary>
    /// The default buffer, 1024 bytes, reproduces the first piece of ESP-AT issue #686 (v2.4.0.0): 986 bytes
    /// on its 31-byte topic at QoS 1 (1024 - 3 - 2 - 31 - 2), then the 276 bytes that line also shows.
    /// </summary>
    [Fact]
    public async Task The_default_buffer_gives_the_986_byte_first_piece_of_esp_at_issue_686()
    {
        const string topic = "xxx111/56000012/CollectPara/0/1";
        await using var s = await ConnectedAsync(With("split-subrecv"));
        await s.CommandAsync($"AT+MQTTSUB=0,\"{topic}\",1", Ok);
        var payload = Payload(986 + 276, 686);
        await using var probe = await broker.ProbeAsync();
        await probe.PublishAsync(topic, payload, 1, false);
        await s.ExpectAsync(SubRecv(topic, payload, 986, 276));
    }

    /// <summary>
    /// A topic whose header does not fit the buffer: esp-mqtt gives up on the connection ("message is too
    /// big, insufficient buffer size"), and so does the modem; AT+MQTTRXQUEUE? counts the message as too large.
    /// </summary>
    [Fact]
    public async Task A_header_larger_than_the_buffer_closes_the_connection()
    {
        string topic = Text.Unique("long") + new string('t', 53);
        Assert.Equal(70, topic.Length);
        await using var s = await ConnectedAsync(With("split-subrecv=64"));
        await s.CommandAsync($"AT+MQTTSUB=0,\"{topic}\",1", Ok);
        await using var probe = await broker.ProbeAsync();
        await probe.PublishAsync(topic, "ten bytes!", 1);

        await s.ExpectAsync("+MQTTDISCONNECTED:0\r\n");
        await s.CommandAsync("AT+MQTTRXQUEUE?", "+MQTTRXQUEUE:0,0,1000,0,1\r\n" + Ok);
        await s.AssertAliveAsync();
    }

    /// <summary>
    /// Nothing lost still holds: a QoS 1 message cut into pieces is acknowledged only once its last piece
    /// has been written. The host here has taken every piece but the last; the modem has not sent PUBACK
    /// (the proxy between it and the broker saw none). The last piece taken, PUBACK follows.
    /// </summary>
    [Fact]
    public async Task A_split_QoS_1_message_is_acknowledged_only_after_its_last_piece()
    {
        const int Puback = 4;
        string topic = Text.Unique("split");
        await using var proxy = TcpProxy.Start(broker.Port);
        await using var held = await HeldHost.StartAsync(With("split-subrecv=256"));
        await held.CommandAsync("AT+MQTTUSERCFG=0,1,\"split-ack\",\"\",\"\",0,0,\"\"", Ok);
        await held.CommandAsync($"AT+MQTTCONN=0,\"127.0.0.1\",{proxy.Port},0", $"+MQTTCONNECTED:0,1,\"127.0.0.1\",{proxy.Port},0\r\n" + Ok);
        await held.CommandAsync($"AT+MQTTSUB=0,\"{topic}\",1", Ok);

        var payload = Payload(1000, 7);
        await using var probe = await broker.ProbeAsync();
        await probe.PublishAsync(topic, payload, 1, false);
        var all = SubRecv(topic, payload, 231, 256, 256, 256, 1);
        var last = SubRecv(topic, payload[^1..], 1);
        await held.TakeAsync(all[..^last.Length]);

        // Every piece but the last has reached the host; the write is not over until the last has.
        await held.SeeAsync(System.Text.Encoding.Latin1.GetString(last));
        Assert.Equal(1, held.Modem.Urcs.Unacknowledged);
        Assert.Equal(0, proxy.PacketsToBroker(Puback));

        await held.TakeAsync(last);
        await proxy.WaitForPacketsToBrokerAsync(Puback, 1, InMemoryModem.Timeout);
        await Poll.UntilAsync(() => held.Modem.Urcs.Unacknowledged == 0, "the acknowledgement counted");
    }

    /// <summary>Without the quirk, on every profile, a message of any size is one line (SPEC section 4).</summary>
    [Theory]
    [MemberData(nameof(ProfileNames))]
    public async Task Without_split_subrecv_a_large_message_is_one_line(string profile)
    {
        string topic = Text.Unique("whole");
        await using var s = await InMemoryModem.StartAsync(new ModemOptions { Profile = Profile.FromName(profile), DataTimeout = TimeSpan.FromSeconds(5) });
        await s.CommandAsync("AT+MQTTUSERCFG=0,1,\"whole\",\"\",\"\",0,0,\"\"", Ok);
        string connected = await s.ExchangeAsync($"AT+MQTTCONN=0,\"127.0.0.1\",{broker.Port},0");
        Assert.Contains("\r\n+MQTTCONNECTED:0,1,\"127.0.0.1\",", connected, StringComparison.Ordinal);
        Assert.EndsWith(Ok, connected, StringComparison.Ordinal);
        await s.CommandAsync($"AT+MQTTSUB=0,\"{topic}\",1", Ok);
        var payload = Payload(5000, 5000);
        await using var probe = await broker.ProbeAsync();
        await probe.PublishAsync(topic, payload, 1, false);
        await s.ExpectAsync(SubRecv(topic, payload, 5000));
        await s.AssertSilentAsync(TimeSpan.FromMilliseconds(200));
    }

    public static TheoryData<string> ProfileNames() => [.. Profile.Names];
}
