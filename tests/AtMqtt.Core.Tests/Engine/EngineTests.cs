using System.IO.Pipelines;
using Xunit;

namespace AtMqtt.Core.Tests.Engine;

/// <summary>Modem options and the host attachment contract, against the in-process broker.</summary>
public class EngineTests(BrokerFixture broker) : IClassFixture<BrokerFixture>
{
    private int Port => broker.Port;

    [Fact]
    public async Task A_second_host_at_the_same_time_is_refused()
    {
        await using var s = await InMemoryModem.StartAsync();
        var other = new Pipe();
        var second = new DuplexPipe(other.Reader, other.Writer);
        await Assert.ThrowsAsync<InvalidOperationException>(() => s.Modem.RunAsync(second));
        await s.AssertAliveAsync();
    }

    [Fact]
    public async Task Cancelling_RunAsync_detaches_the_host_quietly()
    {
        var toModem = new Pipe();
        var toHost = new Pipe();
        await using var modem = new Modem(InMemoryModem.DefaultOptions);
        using var cts = new CancellationTokenSource();
        var run = modem.RunAsync(new DuplexPipe(toModem.Reader, toHost.Writer), cts.Token);
        var ready = await toHost.Reader.ReadAtLeastAsync(7);
        Assert.Equal("ready\r\n"u8.ToArray(), System.Buffers.BuffersExtensions.ToArray(ready.Buffer));
        toHost.Reader.AdvanceTo(ready.Buffer.End);
        await cts.CancelAsync();
        await run.WaitAsync(InMemoryModem.Timeout);

        // The modem takes a new host afterwards.
        var again = new Pipe();
        var back = new Pipe();
        var run2 = modem.RunAsync(new DuplexPipe(again.Reader, back.Writer));
        await again.Writer.WriteAsync("AT\r\n"u8.ToArray());
        var reply = await back.Reader.ReadAtLeastAsync(7 + 10);
        Assert.Equal("ready\r\nAT\r\n\r\nOK\r\n"u8.ToArray(), System.Buffers.BuffersExtensions.ToArray(reply.Buffer));
        back.Reader.AdvanceTo(reply.Buffer.End);
        await again.Writer.CompleteAsync();
        await run2.WaitAsync(InMemoryModem.Timeout);
    }

    [Fact]
    public async Task GMR_shows_the_configured_version()
    {
        await using var s = await InMemoryModem.StartAsync(new ModemOptions { Version = "9.8.7" });
        await s.SendAsync("AT+GMR\r\n");
        var text = await s.ReadUntilAsync("\r\nOK\r\n");
        Assert.StartsWith("AT+GMR\r\nAT version:9.8.7", text, StringComparison.Ordinal);
        Assert.Contains("\r\nBin version:9.8.7", text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_data_timeout_of_zero_waits_forever()
    {
        var topic = Text.Unique("forever");
        await using var probe = await broker.ProbeAsync();
        await probe.SubscribeAsync(topic, 1);
        await using var s = await InMemoryModem.StartAsync(new ModemOptions { DataTimeout = TimeSpan.Zero });
        await s.ConfigureAndConnectAsync(Port);
        await s.CommandAsync($"AT+MQTTPUBRAW=0,\"{topic}\",2,1", "\r\nOK\r\n\r\n>");
        await s.SendAsync("a");
        await s.AssertSilentAsync(TimeSpan.FromMilliseconds(700));
        await s.SendAsync("b");
        await s.ExpectAsync("\r\n+MQTTPUBRAW:OK\r\n");
        Assert.Equal("ab"u8.ToArray(), (await probe.NextAsync()).Payload);
        await s.CommandAsync("AT+MQTTCLEAN=0", "\r\nOK\r\n");
    }

    [Fact]
    public async Task QoS_0_messages_past_the_rx_queue_are_dropped_and_counted()
    {
        const int limit = 3;
        const int sent = 10;
        var topic = Text.Unique("rxq");
        await using var probe = await broker.ProbeAsync();
        await using var s = await InMemoryModem.StartAsync(new ModemOptions { RxQueue = limit });
        await s.ConfigureAndConnectAsync(Port);
        await s.CommandAsync($"AT+MQTTSUB=0,\"{topic}\",1", "\r\nOK\r\n");
        await s.DetachAsync();

        for (int i = 0; i < sent; i++)
        {
            await probe.PublishAsync(topic, $"q{i}", 0);
        }

        // A QoS 1 message (the subscription is QoS 1) is never dropped. Every message has reached the modem
        // once each QoS 0 one is waiting or dropped and one more line (the QoS 1 one) waits.
        await probe.PublishAsync(topic, "keep", 1);
        var urcs = s.Modem.Urcs;
        await Poll.UntilAsync(
            () => urcs.Qos0Dropped + urcs.Qos0Waiting == sent && urcs.Pending == urcs.Qos0Waiting + 1,
            () => $"{urcs.Qos0Waiting} QoS 0 waiting, {urcs.Qos0Dropped} dropped, {urcs.Pending} lines waiting");
        s.Attach();
        await s.ExpectAsync("ready\r\n");
        var text = await s.ReadUntilAsync($"+MQTTSUBRECV:0,\"{topic}\",4,keep\r\n");
        var delivered = System.Text.RegularExpressions.Regex.Matches(text, $"\\+MQTTSUBRECV:0,\"{topic}\",2,q(\\d)\r\n")
            .Select(m => int.Parse(m.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture))
            .ToList();
        Assert.Equal(text.Split("+MQTTSUBRECV:").Length - 2, delivered.Count);
        long dropped = s.Modem.Urcs.Qos0Dropped;

        // The one being handed to the host when it left may count as outside the queue.
        Assert.InRange(delivered.Count, limit, limit + 1);
        Assert.Equal(sent, delivered.Count + dropped);

        // In order, the first ones kept.
        Assert.Equal(delivered.Order(), delivered);
        Assert.Equal(Enumerable.Range(0, limit), delivered.Take(limit));

        await s.AssertAliveAsync();
        await s.CommandAsync("AT+MQTTCLEAN=0", "\r\nOK\r\n");
    }

    [Fact]
    public async Task Clean_and_reset_write_no_disconnect_line_and_stop_a_reconnect()
    {
        var id = "eng-" + Guid.NewGuid().ToString("N")[..10];
        await using var s = await InMemoryModem.StartAsync();
        await s.UserConfigAsync(id);
        await s.ConnectAsync(Port, reconnect: 1);
        await s.CommandAsync("AT+MQTTCLEAN=0", "\r\nOK\r\n");
        await s.AssertSilentAsync(TimeSpan.FromMilliseconds(300));

        await s.UserConfigAsync(id);
        await s.ConnectAsync(Port, reconnect: 1);
        await s.SendAsync("AT+RST\r\n");
        await s.ExpectAsync("AT+RST\r\n\r\nOK\r\nready\r\n");
        await s.AssertSilentAsync(TimeSpan.FromMilliseconds(300));

        // Dropped by the broker (which refuses it for now), then cleaned: no retry reaches the broker.
        await s.UserConfigAsync(id);
        await s.ConnectAsync(Port, reconnect: 1);
        broker.Refuse(id);
        await broker.KickAsync(id);
        await s.ExpectAsync("+MQTTDISCONNECTED:0\r\n");
        await s.CommandAsync("AT+MQTTCLEAN=0", "\r\nOK\r\n");
        int attempts = broker.ConnectCount(id);
        broker.Allow(id);

        // Retries would come 1 s and 3 s after the drop.
        await s.AssertSilentAsync(TimeSpan.FromSeconds(3.5));
        Assert.Equal(attempts, broker.ConnectCount(id));
        await s.CommandAsync("AT+MQTTCONN?", "+MQTTCONN:0,disconnect,0,\"\",0,0\r\n\r\nOK\r\n");
    }

    [Fact]
    public async Task Busy_also_answers_long_lines_and_lines_with_echo_off()
    {
        using var silent = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        silent.Start();
        int port = ((System.Net.IPEndPoint)silent.LocalEndpoint).Port;

        await using var s = await InMemoryModem.StartAsync();
        await s.UserConfigAsync("busy2");
        await s.CommandAsync("ATE0", "\r\nOK\r\n");
        await s.SendAsync($"AT+MQTTCONN=0,\"127.0.0.1\",{port},0,3000\r\n");
        await s.AssertSilentAsync(TimeSpan.FromMilliseconds(100));
        await s.SendAsync("AT\r\n");
        await s.ExpectAsync("busy p...\r\n");
        await s.SendAsync(new string('x', 300) + "\r\n");
        await s.ExpectAsync("busy p...\r\n");
        await s.ExpectAsync("+MQTTDISCONNECTED:0\r\n\r\nERROR\r\n", TimeSpan.FromSeconds(10));
        await s.SendAsync("AT\r\n");
        await s.ExpectAsync("\r\nOK\r\n");
    }

    private sealed class DuplexPipe(PipeReader input, PipeWriter output) : IDuplexPipe
    {
        public PipeReader Input { get; } = input;

        public PipeWriter Output { get; } = output;
    }
}
