using Xunit;

namespace AtMqtt.Core.Tests.Commands;

/// <summary>AT+MQTTSUB (src/AtMqtt.Core/Commands/MqttSubscribe.cs): incoming messages as URCs, where URCs may land, and a host that detaches.</summary>
public class MqttSubscribeTests(BrokerFixture broker) : IClassFixture<BrokerFixture>
{
    private int Port => broker.Port;

    private static readonly TimeSpan Quiet = TimeSpan.FromMilliseconds(500);

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(2)]
    public async Task An_incoming_message_is_one_raw_URC(int qos)
    {
        var topic = Text.Unique("in");
        await using var s = await broker.ConnectedModemAsync();
        await s.CommandAsync($"AT+MQTTSUB=0,\"{topic}\",{qos}", "\r\nOK\r\n");

        byte[] payload = [.. "a,b\"c\r\nd"u8, 0, .. "e\\f\r\nOK\r\n,\"x\"\n\r"u8, 0xFF, 0x80];
        await using var probe = await broker.ProbeAsync();
        await probe.PublishAsync(topic, payload, qos, false);

        await s.ExpectAsync(Text.Concat(Text.Utf8($"+MQTTSUBRECV:0,\"{topic}\",{payload.Length},"), payload, "\r\n"u8.ToArray()));
        await s.AssertSilentAsync(TimeSpan.FromMilliseconds(200));
        await s.AssertAliveAsync();
        await s.CommandAsync("AT+MQTTCLEAN=0", "\r\nOK\r\n");
    }

    [Fact]
    public async Task A_large_incoming_message_is_not_split()
    {
        var topic = Text.Unique("big");
        await using var s = await broker.ConnectedModemAsync();
        await s.CommandAsync($"AT+MQTTSUB=0,\"{topic}\",1", "\r\nOK\r\n");
        var payload = new byte[5000];
        new Random(5000).NextBytes(payload);
        await using var probe = await broker.ProbeAsync();
        await probe.PublishAsync(topic, payload, 1, false);
        await s.ExpectAsync(Text.Concat(Text.Utf8($"+MQTTSUBRECV:0,\"{topic}\",5000,"), payload, "\r\n"u8.ToArray()));
        await s.CommandAsync("AT+MQTTCLEAN=0", "\r\nOK\r\n");
    }

    [Fact]
    public async Task Overlapping_subscriptions_deliver_each_message_once()
    {
        var t = Text.Unique("overlap");
        await using var s = await broker.ConnectedModemAsync();
        await s.CommandAsync($"AT+MQTTSUB=0,\"{t}/#\",1", "\r\nOK\r\n");
        await s.CommandAsync($"AT+MQTTSUB=0,\"{t}/a\",0", "\r\nOK\r\n");
        await s.CommandAsync($"AT+MQTTSUB=0,\"{t}/+\",2", "\r\nOK\r\n");
        await using var probe = await broker.ProbeAsync();
        await probe.PublishAsync($"{t}/a", "once", 1);
        await s.ExpectAsync($"+MQTTSUBRECV:0,\"{t}/a\",4,once\r\n");
        await s.AssertSilentAsync(Quiet);
        await s.AssertAliveAsync();
        await s.CommandAsync("AT+MQTTCLEAN=0", "\r\nOK\r\n");
    }

    [Fact]
    public async Task URCs_never_land_inside_a_response()
    {
        var t = Text.Unique("flood");
        await using var s = await broker.ConnectedModemAsync();
        await s.CommandAsync($"AT+MQTTSUB=0,\"{t}/in\",0", "\r\nOK\r\n");
        await using var probe = await broker.ProbeAsync();

        const int messages = 300;
        var flood = Task.Run(async () =>
        {
            for (int i = 0; i < messages; i++)
            {
                await probe.PublishAsync($"{t}/in", $"m{i},\r\n", 0);
            }
        });

        var commands = new List<string>();
        for (int i = 0; i < 60; i++)
        {
            string line = (i % 3) switch
            {
                0 => "AT",
                1 => $"AT+MQTTPUB=0,\"{t}/out\",\"p{i}\",1,0",
                _ => "AT+MQTTCONN?",
            };
            string reply = (i % 3) switch
            {
                2 => $"+MQTTCONN:0,connected,1,\"127.0.0.1\",{Port},0\r\n\r\nOK\r\n",
                _ => "\r\nOK\r\n",
            };
            commands.Add(line + "\r\n" + reply);
            await s.SendAsync(line + "\r\n");
            await WaitForAsync(s, commands, 0);
        }

        await flood;
        var all = await WaitForAsync(s, commands, messages);
        var (done, urcs, _) = Scan(all, commands);
        Assert.Equal(commands.Count, done);
        Assert.Equal(messages, urcs);
        s.Host.TakeAll();
        await s.AssertAliveAsync();
        await s.CommandAsync("AT+MQTTCLEAN=0", "\r\nOK\r\n");
    }

    /// <summary>Waits until every command so far has its whole response and at least <paramref name="urcs"/> URCs arrived.</summary>
    private static async Task<string> WaitForAsync(InMemoryModem s, List<string> commands, int urcs)
    {
        var deadline = DateTime.UtcNow + InMemoryModem.Timeout;
        while (true)
        {
            var text = s.Host.Pending;
            var (done, seen, error) = Scan(text, commands);
            Assert.True(error is null, error);
            if (done == commands.Count && seen >= urcs)
            {
                return text;
            }

            Assert.True(DateTime.UtcNow < deadline, $"timed out: {done}/{commands.Count} responses, {seen}/{urcs} URCs; received \"{AtHost.Escape(text)}\"");
            await Task.Delay(5);
        }
    }

    /// <summary>
    /// Splits the output into whole responses (in order) and whole +MQTTSUBRECV lines; anything else,
    /// such as a URC inside a response, is an error.
    /// </summary>
    private static (int Done, int Urcs, string? Error) Scan(string text, List<string> commands)
    {
        const string prefix = "+MQTTSUBRECV:0,\"";
        int pos = 0;
        int done = 0;
        int urcs = 0;
        while (pos < text.Length)
        {
            var rest = text.AsSpan(pos);
            if (rest.StartsWith(prefix, StringComparison.Ordinal))
            {
                int quote = rest[prefix.Length..].IndexOf("\",", StringComparison.Ordinal);
                if (quote < 0)
                {
                    break;
                }

                var afterTopic = rest[(prefix.Length + quote + 2)..];
                int comma = afterTopic.IndexOf(',');
                if (comma < 0)
                {
                    break;
                }

                int length = int.Parse(afterTopic[..comma], System.Globalization.CultureInfo.InvariantCulture);
                int total = prefix.Length + quote + 2 + comma + 1 + length + 2;
                if (rest.Length < total)
                {
                    break;
                }

                if (!rest[(total - 2)..total].SequenceEqual("\r\n"))
                {
                    return (done, urcs, $"URC not ended by CR LF at {pos}: \"{AtHost.Escape(text[pos..])}\"");
                }

                urcs++;
                pos += total;
                continue;
            }

            if (prefix.AsSpan().StartsWith(rest))
            {
                break;
            }

            if (done < commands.Count && rest.StartsWith(commands[done], StringComparison.Ordinal))
            {
                pos += commands[done].Length;
                done++;
                continue;
            }

            if (done < commands.Count && commands[done].AsSpan().StartsWith(rest))
            {
                break;
            }

            return (done, urcs, $"unexpected output at {pos}: \"{AtHost.Escape(text[pos..])}\"");
        }

        return (done, urcs, null);
    }

    [Fact]
    public async Task The_state_outlives_a_host_that_detaches()
    {
        var topic = Text.Unique("detach");
        await using var probe = await broker.ProbeAsync();
        await using var s = await broker.ConnectedModemAsync();
        await s.CommandAsync($"AT+MQTTSUB=0,\"{topic}\",1", "\r\nOK\r\n");
        await s.CommandAsync("ATE0", "\r\nOK\r\n");

        for (int round = 0; round < 3; round++)
        {
            await s.DetachAsync();
            await probe.PublishAsync(topic, $"while away {round}", 1);
            await Poll.UntilAsync(() => s.Modem.Urcs.Pending == 1, "the message waits in the modem");

            s.Attach();
            // ready comes first, then what waited for the host.
            await s.ExpectAsync($"ready\r\n+MQTTSUBRECV:0,\"{topic}\",12,while away {round}\r\n");
            await s.SendAsync("AT+MQTTCONN?\r\n");
            await s.ExpectAsync($"+MQTTCONN:0,connected,1,\"127.0.0.1\",{Port},0\r\n\r\nOK\r\n");
            await s.SendAsync("AT+MQTTSUB?\r\n");
            await s.ExpectAsync($"+MQTTSUB:0,connected,\"{topic}\",1\r\n\r\nOK\r\n");
        }

        await s.SendAsync("AT+MQTTCLEAN=0\r\n");
        await s.ExpectAsync("\r\nOK\r\n");
    }
}
