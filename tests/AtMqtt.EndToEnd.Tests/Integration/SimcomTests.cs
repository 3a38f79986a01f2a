using System.Text;
using AtMqtt.Core;
using AtMqtt.Core.Profiles;
using Xunit;

namespace AtMqtt.EndToEnd.Tests.Integration;

/// <summary>
/// simcom-a7670's AT+CMQTT* against a real mosquitto (docs/simcom.md): two clients at once each with its own
/// will, every byte value through the framed receive, and a broker restart seen as <c>+CMQTTCONNLOST: &lt;i&gt;,1</c>.
/// The modem is the engine in memory; the broker side is checked by an independent MQTTnet client.
/// </summary>
public sealed class SimcomTests
{
    private const string Ok = "\r\nOK\r\n";
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(15);

    private static string Urc(string line) => "\r\n" + line + "\r\n";

    private static async Task<InMemoryModem> StartModemAsync()
    {
        var p = Profile.FromName("simcom-a7670")!;
        var modem = InMemoryModem.CreateDetached(new ModemOptions { Profile = p, Dialect = p.Dialect, ResultDelay = TimeSpan.Zero, DataTimeout = TimeSpan.FromSeconds(5) });
        modem.Attach();
        await modem.SendAsync("AT\r\n");
        await modem.ReadUntilAsync("AT\r\n" + Ok);
        return modem;
    }

    private static async Task EnterAsync(InMemoryModem m, string command, string data)
    {
        await m.CommandAsync(command, "\r\n>");
        await m.SendAsync(data);
        await m.ExpectAsync(Ok);
    }

    [Fact]
    public async Task Two_clients_with_their_own_wills_and_binary_payloads_against_mosquitto()
    {
        await using var broker = await MosquittoBroker.StartAsync();
        await using var watcher = await MqttProbe.ConnectAsync(broker.Host, broker.Port);
        string t = Unique.Topic("simcom");
        await watcher.SubscribeAsync($"{t}/will/#", 1);
        string[] ids = [Unique.Id("s0"), Unique.Id("s1")];
        var m = await StartModemAsync();
        try
        {
            await m.CommandAsync("AT+CMQTTSTART", Ok + Urc("+CMQTTSTART: 0"));
            for (int i = 0; i < 2; i++)
            {
                string willTopic = $"{t}/will/{i}";
                await m.CommandAsync($"AT+CMQTTACCQ={i},\"{ids[i]}\"", Ok);
                await m.CommandAsync($"AT+CMQTTCFG=\"version\",{i},4", Ok);
                await m.CommandAsync($"AT+CMQTTCFG=\"checkUTF8\",{i},0", Ok);
                await EnterAsync(m, $"AT+CMQTTWILLTOPIC={i},{willTopic.Length}", willTopic);
                await EnterAsync(m, $"AT+CMQTTWILLMSG={i},5,1", $"gone{i}");
                await m.CommandAsync($"AT+CMQTTCONNECT={i},\"tcp://{broker.Host}:{broker.Port}\",60,1", Ok + Urc($"+CMQTTCONNECT: {i},0"));
                string filter = $"{t}/to{i}";
                await EnterAsync(m, $"AT+CMQTTSUB={i},{filter.Length},1", filter);
                await m.ExpectAsync(Urc($"+CMQTTSUB: {i},0"));
            }

            // Every byte value to client 1 (QoS 1), framed by length.
            byte[] all = [.. Enumerable.Range(0, 256).Select(b => (byte)b)];
            await using var probe = await MqttProbe.ConnectAsync(broker.Host, broker.Port);
            string to1 = $"{t}/to1";
            await probe.PublishAsync(to1, all, 1, false);
            await m.ExpectAsync([.. Encoding.ASCII.GetBytes($"\r\n+CMQTTRXSTART: 1,{to1.Length},256\r\n+CMQTTRXTOPIC: 1,{to1.Length}\r\n{to1}\r\n+CMQTTRXPAYLOAD: 1,256\r\n"), .. all, .. "\r\n+CMQTTRXEND: 1\r\n"u8.ToArray()]);

            // Client 0 publishes a binary payload (checkUTF8 is off: on, it refuses bytes that are not UTF-8);
            // mosquitto's subscriber gets it whole.
            await probe.SubscribeAsync($"{t}/out", 2);
            await EnterAsync(m, $"AT+CMQTTTOPIC=0,{t.Length + 4}", $"{t}/out");
            await m.CommandAsync("AT+CMQTTPAYLOAD=0,256", "\r\n>");
            await m.SendAsync(all);
            await m.ExpectAsync(Ok);
            await m.CommandAsync("AT+CMQTTCFG?", "\r\n+CMQTTCFG: 0,0,120\r\n+CMQTTCFG: 1,0,120\r\n" + Ok);
            await m.CommandAsync("AT+CMQTTPUB=0,2,60", Ok + Urc("+CMQTTPUB: 0,0"));
            var got = await probe.NextAsync(Wait);
            Assert.Equal(all, got.Payload);

            // Client 0 disconnects (no will); client 1 goes with the modem (its will).
            await m.CommandAsync("AT+CMQTTDISC=0,60", Ok + Urc("+CMQTTDISC: 0,0"));
            await watcher.AssertNoMessageAsync(TimeSpan.FromMilliseconds(300));
        }
        finally
        {
            await m.DisposeAsync();
        }

        var will = await watcher.NextAsync(Wait);
        Assert.Equal(($"{t}/will/1", "gone1"), (will.Topic, will.PayloadText));
        await watcher.AssertNoMessageAsync(TimeSpan.FromMilliseconds(300));
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task A_broker_restart_is_CONNLOST_cause_1_and_CONNECT_works_again(bool graceful)
    {
        await using var broker = await MosquittoBroker.StartAsync();
        await using var m = await StartModemAsync();
        await m.CommandAsync("AT+CMQTTSTART", Ok + Urc("+CMQTTSTART: 0"));
        await m.CommandAsync($"AT+CMQTTACCQ=0,\"{Unique.Id("rs")}\"", Ok);
        await m.CommandAsync($"AT+CMQTTCONNECT=0,\"tcp://{broker.Host}:{broker.Port}\",60,1", Ok + Urc("+CMQTTCONNECT: 0,0"));
        if (graceful)
        {
            await broker.RestartGracefullyAsync();
        }
        else
        {
            await broker.RestartAsync();
        }

        await m.ExpectAsync(Urc("+CMQTTCONNLOST: 0,1"), Wait);

        // No reconnect of its own: the host cleans up and connects again.
        await m.AssertSilentAsync(TimeSpan.FromMilliseconds(500));
        await m.CommandAsync("AT+CMQTTDISC=0,60", Ok + Urc("+CMQTTDISC: 0,0"));
        await m.CommandAsync($"AT+CMQTTCONNECT=0,\"tcp://{broker.Host}:{broker.Port}\",60,1", Ok + Urc("+CMQTTCONNECT: 0,0"));
    }
}
