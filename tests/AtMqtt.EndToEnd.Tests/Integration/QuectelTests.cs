using System.Text;
using Xunit;

namespace AtMqtt.EndToEnd.Tests.Integration;

/// <summary>
/// The atmqtt program as a Quectel BG95 (<c>--profile quectel-bg95</c>) against a real mosquitto: several
/// clients at once each with its own will, both receive modes with binary payloads of all 256 byte values,
/// and a broker restart seen as <c>+QMTSTAT: &lt;idx&gt;,1</c> on every connected client.
/// </summary>
public sealed class QuectelTests
{
    private static readonly byte[] AllBytes = [.. Enumerable.Range(0, 256).Select(i => (byte)i)];

    private static Task<LiveModem> StartAsync() => LiveModem.StartAsync("--profile", "quectel-bg95", "--result-delay", "0");

    private static async Task ActionAsync(LiveModem modem, string line, string urc)
    {
        await modem.ExpectAsync(line, "\r\nOK\r\n");
        await modem.ExpectBytesAsync("\r\n" + urc + "\r\n");
    }

    private static async Task ConnectAsync(LiveModem modem, int idx, int port, string clientId)
    {
        await ActionAsync(modem, $"AT+QMTOPEN={idx},\"127.0.0.1\",{port}", $"+QMTOPEN: {idx},0");
        await ActionAsync(modem, $"AT+QMTCONN={idx},\"{clientId}\"", $"+QMTCONN: {idx},0,0");
    }

    [Fact]
    public async Task Several_clients_each_have_their_own_will_and_connection()
    {
        await using var broker = await TestBroker.StandaloneAsync(BrokerKind.Mosquitto);
        await using var probe = await broker.ProbeAsync();
        string t = Unique.Topic("q-wills");
        await probe.SubscribeAsync($"{t}/#", 1);
        await using (var modem = await StartAsync())
        {
            for (int i = 0; i < 3; i++)
            {
                await modem.OkAsync($"AT+QMTCFG=\"will\",{i},1,1,0,\"{t}/will/{i}\",\"client {i} gone\"");
                await ConnectAsync(modem, i, broker.Port, Unique.Id($"q{i}"));
            }

            // Client 1 disconnects cleanly: no will. Each other client still publishes on its own.
            await ActionAsync(modem, "AT+QMTDISC=1", "+QMTDISC: 1,0");
            await ActionAsync(modem, $"AT+QMTPUBEX=2,0,0,0,\"{t}/from/2\",\"two\"", "+QMTPUB: 2,0,0");
            var two = await probe.NextAsync(LiveModem.Timeout);
            Assert.Equal(($"{t}/from/2", "two"), (two.Topic, two.PayloadText));
            await probe.AssertNoMessageAsync(TimeSpan.FromMilliseconds(300));

            // The module loses power: the broker publishes the wills of the clients still connected, 0 and 2.
            modem.Process.Kill();
            await modem.Process.WaitForExitAsync(LiveModem.Timeout);
        }

        var wills = new[] { await probe.NextAsync(LiveModem.Timeout), await probe.NextAsync(LiveModem.Timeout) }
            .Select(w => (w.Topic, w.PayloadText)).OrderBy(w => w.Topic).ToArray();
        Assert.Equal([($"{t}/will/0", "client 0 gone"), ($"{t}/will/2", "client 2 gone")], wills);
        await probe.AssertNoMessageAsync(TimeSpan.FromMilliseconds(300));
    }

    [Fact]
    public async Task Both_receive_modes_carry_all_256_byte_values()
    {
        await using var broker = await TestBroker.StandaloneAsync(BrokerKind.Mosquitto);
        await using var modem = await StartAsync();
        string t = Unique.Topic("q-bin");
        await modem.OkAsync("AT+QMTCFG=\"recv/mode\",0,0,1");
        await modem.OkAsync("AT+QMTCFG=\"recv/mode\",1,1,1");
        await ConnectAsync(modem, 0, broker.Port, Unique.Id("push"));
        await ConnectAsync(modem, 1, broker.Port, Unique.Id("pull"));
        await ActionAsync(modem, $"AT+QMTSUB=0,1,\"{t}/0\",0", "+QMTSUB: 0,1,0,0");
        await ActionAsync(modem, $"AT+QMTSUB=1,1,\"{t}/1\",0", "+QMTSUB: 1,1,0,0");
        await using var probe = await broker.ProbeAsync();

        await probe.PublishAsync($"{t}/0", AllBytes, 0, false);
        await modem.ExpectBytesAsync(Wire($"\r\n+QMTRECV: 0,0,\"{t}/0\",256,\"", AllBytes, "\"\r\n"));

        await probe.PublishAsync($"{t}/1", AllBytes, 0, false);
        await modem.ExpectBytesAsync("\r\n+QMTRECV: 1,0\r\n");
        await modem.ExpectAsync("AT+QMTRECV=1,0", Wire($"\r\n+QMTRECV: 1,0,\"{t}/1\",256,\"", AllBytes, "\"\r\n\r\nOK\r\n"));
    }

    [Fact]
    public async Task A_broker_restart_is_QMTSTAT_1_on_each_connected_client()
    {
        await using var broker = await TestBroker.StandaloneAsync(BrokerKind.Mosquitto);
        await using var modem = await StartAsync();
        await ConnectAsync(modem, 0, broker.Port, Unique.Id("stat0"));
        await ConnectAsync(modem, 3, broker.Port, Unique.Id("stat3"));
        await broker.RestartAsync();
        string lines = await modem.Host.ReadUntilAsync("+QMTSTAT: ", LiveModem.Timeout)
            + await modem.Host.ReadUntilAsync("+QMTSTAT: ", LiveModem.Timeout) + await modem.Host.ReadUntilAsync("\r\n", LiveModem.Timeout);
        Assert.Contains("+QMTSTAT: 0,1\r\n", lines + "\r\n", StringComparison.Ordinal);
        Assert.Contains("+QMTSTAT: 3,1", lines, StringComparison.Ordinal);

        // No reconnection behind the host's back; the host opens the client again.
        await modem.AssertSilentAsync(TimeSpan.FromSeconds(1));
        await modem.ExpectAsync("AT+QMTCONN?", "\r\nOK\r\n");
        await ConnectAsync(modem, 0, broker.Port, Unique.Id("stat0"));
    }

    /// <summary>The bytes as the host's reader shows them (Latin-1, one char a byte).</summary>
    private static string Wire(string head, byte[] payload, string tail) =>
        Encoding.Latin1.GetString([.. Encoding.UTF8.GetBytes(head), .. payload, .. Encoding.UTF8.GetBytes(tail)]);
}
