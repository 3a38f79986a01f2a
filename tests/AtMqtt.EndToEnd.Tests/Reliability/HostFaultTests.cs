using System.Diagnostics;
using System.Globalization;
using System.IO.Pipelines;
using System.Net.Sockets;
using System.Text;
using AtMqtt.Core;
using Xunit;
using Xunit.Abstractions;

namespace AtMqtt.EndToEnd.Tests.Reliability;

/// <summary>
/// Item 4: the host goes away in the middle of something (a PUBRAW data phase, a long unsolicited
/// line, a blocking command): what it left half done is discarded, the modem stays healthy, and the
/// next host gets <c>ready</c> and a modem in step. A line sent during a blocking command gets
/// <c>busy p...</c>.
/// </summary>
public sealed class HostFaultTests(MosquittoFixture mosquitto, ITestOutputHelper output) : IClassFixture<MosquittoFixture>
{
    [Fact]
    public async Task HostLeavingDuringAPubRawDataPhase_DiscardsThePartialData_AndTheNextHostIsInStep()
    {
        string topic = "raw/" + Guid.NewGuid().ToString("N")[..10];
        await using var probe = await MqttProbe.ConnectAsync(FreePort.Host, mosquitto.Broker.Port);
        await probe.SubscribeAsync(topic, 1);
        await using var modem = await LiveModem.StartAsync("--data-timeout", "60");
        await modem.ConnectLinkAsync("raw-" + Guid.NewGuid().ToString("N")[..10], mosquitto.Broker.Port);

        await modem.Host.SendAsync($"AT+MQTTPUBRAW=0,\"{topic}\",10,1\r\n");
        await modem.Host.ReadUntilAsync("\r\nOK\r\n\r\n>", LiveModem.Timeout);
        await modem.Host.SendAsync("abcd");
        await Poll.UntilAsync(() => TcpSockets.ReceiveQueue(modem.TcpPort) == 0, "the modem reads the partial data");
        await modem.DetachAsync();
        Assert.Contains("Host left during a data phase", modem.Process.StdErr, StringComparison.Ordinal);

        await modem.AttachAsync(); // ready first
        // The rest of the old data is just a line now: no data phase survives its host.
        await modem.ExpectAsync("efghij", "\r\nERROR\r\n");
        await modem.OkAsync("AT");
        await probe.AssertNoMessageAsync(TimeSpan.FromSeconds(1));

        // And PUBRAW works whole.
        await modem.Host.SendAsync($"AT+MQTTPUBRAW=0,\"{topic}\",10,1\r\n");
        await modem.Host.ReadUntilAsync("\r\nOK\r\n\r\n>", LiveModem.Timeout);
        await modem.Host.SendAsync("0123456789");
        await modem.ExpectBytesAsync("\r\n+MQTTPUBRAW:OK\r\n");
        Assert.Equal("0123456789", (await probe.NextAsync(LiveModem.Timeout)).PayloadText);
    }

    /// <summary>
    /// The host stops reading while large QoS 1 lines are on their way, then resets the connection. The
    /// next host gets ready, then whole lines only: the one cut short is written again from its start,
    /// and the messages run on without a gap up to the last.
    /// </summary>
    [Fact]
    public async Task HostLeavingInTheMiddleOfALongLine_TheNextHostGetsWholeLinesWithoutGaps()
    {
        const int count = 60;
        const int size = 64 * 1024;
        string topic = "cut/" + Guid.NewGuid().ToString("N")[..10];
        await using var modem = await LiveModem.StartAsync();
        await modem.ConnectLinkAsync("cut-" + Guid.NewGuid().ToString("N")[..10], mosquitto.Broker.Port);
        await modem.OkAsync($"AT+MQTTSUB=0,\"{topic}\",1");
        await modem.DetachAsync();
        var silent = await modem.AttachSilentAsync();

        await using (var probe = await MqttProbe.ConnectAsync(FreePort.Host, mosquitto.Broker.Port))
        {
            for (int i = 0; i < count; i++)
            {
                var payload = new byte[size];
                Array.Fill(payload, (byte)'x');
                Encoding.ASCII.GetBytes(i.ToString("D4", CultureInfo.InvariantCulture)).CopyTo(payload, 0);
                await probe.PublishAsync(topic, payload, 1, retain: false);
            }
        }

        // The modem is blocked in the middle of a write once the host's buffers are full and its own send queue holds the rest.
        await Poll.UntilAsync(() => TcpSockets.SendQueue(modem.TcpPort) > 0, "the modem's writes back up", LiveModem.Timeout);
        int gone = modem.HostsGone();
        silent.LingerState = new LingerOption(true, 0);
        silent.Dispose(); // reset, with the modem blocked in the middle of a write
        await modem.WaitHostGoneAsync(gone);

        await modem.AttachAsync(); // ready first
        var stream = new HostStream();
        var seqs = new List<int>();
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (!seqs.Contains(count - 1) && DateTime.UtcNow < deadline)
        {
            foreach (var item in stream.Feed(await modem.Host.DrainAsync(TimeSpan.FromMilliseconds(500), TimeSpan.FromSeconds(3))))
            {
                Assert.True(item.IsMessage, $"Expected whole +MQTTSUBRECV lines only, got {item}");
                Assert.Equal(topic, item.Topic);
                Assert.Equal(size, item.Payload!.Length);
                seqs.Add(int.Parse(item.Payload.AsSpan(0, 4), NumberStyles.None, CultureInfo.InvariantCulture));
            }
        }

        output.WriteLine($"the reset host took {seqs.FirstOrDefault()} messages; the next host got {seqs.Count}: {seqs.FirstOrDefault()}..{seqs.LastOrDefault()}");
        Assert.NotEmpty(seqs);
        Assert.True(seqs[0] > 0, "the first host took nothing: the test did not cut a host off mid-stream");
        Assert.Equal(Enumerable.Range(seqs[0], count - seqs[0]), seqs);
        await modem.OkAsync("AT");
    }

    /// <summary>
    /// The host leaves while AT+MQTTCONN waits for its CONNACK (the network is held silent). The
    /// connection completes with no host, and the next host gets ready and nothing of the old response.
    /// </summary>
    [Fact]
    public async Task HostLeavingDuringABlockingCommand_TheCommandCompletes_AndItsResponseIsNotReplayed()
    {
        await using var proxy = TcpProxy.Start(mosquitto.Broker.Port);
        await using var modem = await LiveModem.StartAsync();
        await modem.OkAsync($"AT+MQTTUSERCFG=0,1,\"gone-{Guid.NewGuid():N}\",\"\",\"\",0,0,\"\"");
        await StartConnWithoutConnAckAsync(modem, proxy);
        await modem.DetachAsync();

        proxy.Resume();
        await modem.Process.WaitForStdErrAsync("Connected to", LiveModem.Timeout);
        await modem.AttachAsync(); // ready first

        // The exact answer to a query is the next thing the host reads: nothing of the old response came before it.
        // The log line comes from the link a moment before the command ends; on a loaded machine the query can
        // come in between and is then rightly answered busy p... (and nothing else), so it is asked again.
        string expected = $"AT+MQTTCONN?\r\n+MQTTCONN:0,connected,1,\"{FreePort.Host}\",{proxy.Port},0\r\n\r\nOK\r\n";
        string answer = "";
        for (int attempt = 0; attempt < 50; attempt++)
        {
            answer = await modem.CommandAsync("AT+MQTTCONN?");
            if (answer != "AT+MQTTCONN?\r\nbusy p...\r\n")
            {
                break;
            }

            await Task.Delay(100);
        }

        Assert.Equal(AtHost.Escape(expected), AtHost.Escape(answer));
    }

    /// <summary>
    /// As above, but the next host arrives while the command is still waiting. It gets ready; the old
    /// command's final result must not reach it (it would answer a command this host never sent and
    /// put it out of step); its own line gets busy p... meanwhile, and then AT gets its own OK.
    /// </summary>
    [Fact]
    public async Task NextHostArrivingWhileTheOldCommandStillRuns_DoesNotGetTheOldFinalResult()
    {
        await using var proxy = TcpProxy.Start(mosquitto.Broker.Port);
        await using var modem = await LiveModem.StartAsync();
        await modem.OkAsync($"AT+MQTTUSERCFG=0,1,\"late-{Guid.NewGuid():N}\",\"\",\"\",0,0,\"\"");
        await StartConnWithoutConnAckAsync(modem, proxy);
        await modem.DetachAsync();

        await modem.AttachAsync(); // ready first
        await modem.ExpectAsync("AT", "busy p...\r\n");
        proxy.Resume();
        await modem.Process.WaitForStdErrAsync("Connected to", LiveModem.Timeout);

        // AT until the old command is over (busy p... until then): the old final result, were it written,
        // would come before the answer that is not busy; each exchange must be exactly the echo and one answer.
        string response;
        var busySince = Stopwatch.StartNew();
        do
        {
            Assert.True(busySince.Elapsed < LiveModem.Timeout, "still busy p...");
            response = await modem.CommandAsync("AT");
            output.WriteLine($"AT: \"{AtHost.Escape(response)}\"");
            Assert.Contains(response, (string[])["AT\r\nbusy p...\r\n", "AT\r\n\r\nOK\r\n"]);
        }
        while (response.EndsWith("busy p...\r\n", StringComparison.Ordinal));
    }

    /// <summary>
    /// Lines queued while no host is attached wait for the next one, which must read <c>ready</c>
    /// first: host firmware waits for it and may throw away what comes before. Many attachments, on
    /// several modems at once in this process, so that a race between the ready line and the queued
    /// lines shows.
    /// </summary>
    [Fact]
    public async Task NextHost_ReadsReadyBeforeAnyQueuedLine()
    {
        const int modems = 8;
        const int rounds = 4000;
        int early = 0;
        string? example = null;
        await Task.WhenAll(Enumerable.Range(0, modems).Select(m => Task.Run(async () =>
        {
            var modem = new Modem(new ModemOptions());
            try
            {
                for (int round = 0; round < rounds; round++)
                {
                    modem.Urcs.Enqueue(Encoding.ASCII.GetBytes($"+QUEUED:{round}\r\n"));
                    var toModem = new Pipe();
                    var toHost = new Pipe();
                    var run = modem.RunAsync(new Duplex(toModem.Reader, toHost.Writer));
                    var first = await ReadAtLeastAsync(toHost.Reader, 7);
                    if (!first.StartsWith("ready\r\n", StringComparison.Ordinal))
                    {
                        Interlocked.Increment(ref early);
                        example ??= $"modem {m} round {round}: \"{AtHost.Escape(first)}\"";
                    }

                    await ReadAtLeastAsync(toHost.Reader, 0, until: $"+QUEUED:{round}\r\n", already: first);
                    await toModem.Writer.CompleteAsync();
                    await run.WaitAsync(LiveModem.Timeout);
                    await toHost.Writer.CompleteAsync();
                    await toHost.Reader.CompleteAsync();
                }
            }
            finally
            {
                await modem.DisposeAsync();
            }
        })));

        output.WriteLine($"{early} of {modems * rounds} hosts read a queued line before ready{(example is null ? "" : "; e.g. " + example)}");
        Assert.True(early == 0, $"{early} of {modems * rounds} hosts read a queued line before ready; e.g. {example}");
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task LineDuringABlockingCommand_GetsBusy_AndIsDropped(bool sysLog)
    {
        string busy = sysLog ? "ERR CODE:0x010b0000\r\n\r\nbusy p...\r\n" : "busy p...\r\n";
        await using var proxy = TcpProxy.Start(mosquitto.Broker.Port);
        await using var modem = await LiveModem.StartAsync();
        await modem.OkAsync($"AT+SYSLOG={(sysLog ? 1 : 0)}");
        await modem.OkAsync($"AT+MQTTUSERCFG=0,1,\"busy-{Guid.NewGuid():N}\",\"\",\"\",0,0,\"\"");

        // CONN waits for a CONNACK the silent network holds back.
        await StartConnWithoutConnAckAsync(modem, proxy);
        await modem.ExpectAsync("AT", busy);
        await modem.ExpectAsync("AT+MQTTCONN?", busy);
        proxy.Resume();
        await modem.ExpectBytesAsync(LiveModem.ConnectedUrc(proxy.Port, 0) + "\r\nOK\r\n");

        // A QoS 2 publish waits for PUBREC and PUBCOMP.
        string topic = "busy/" + Guid.NewGuid().ToString("N")[..10];
        proxy.Pause();
        string pub = $"AT+MQTTPUB=0,\"{topic}\",\"two\",2,0";
        await modem.Host.SendAsync(pub + "\r\n");
        Assert.Equal(pub + "\r\n", await modem.Host.ReadUntilAsync(pub + "\r\n", LiveModem.Timeout));
        await modem.ExpectAsync("AT+GMR", busy);
        proxy.Resume();
        await modem.ExpectBytesAsync("\r\nOK\r\n");

        // The busy lines were dropped, not queued: the modem is in step (their answers would come before this one's).
        await modem.OkAsync("AT");
    }

    /// <summary>
    /// CONN to <paramref name="proxy"/> while it holds the network silent: a blocking command waiting for its
    /// CONNACK; returns once its echo has been read.
    /// </summary>
    private static async Task StartConnWithoutConnAckAsync(LiveModem modem, TcpProxy proxy)
    {
        proxy.Pause();
        string conn = $"AT+MQTTCONN=0,\"{FreePort.Host}\",{proxy.Port},0";
        await modem.Host.SendAsync(conn + "\r\n");
        Assert.Equal(conn + "\r\n", await modem.Host.ReadUntilAsync(conn + "\r\n", LiveModem.Timeout));
    }

    private static async Task<string> ReadAtLeastAsync(PipeReader reader, int count, string? until = null, string already = "")
    {
        var text = new StringBuilder(already);
        using var cts = new CancellationTokenSource(LiveModem.Timeout);
        while (text.Length < count || (until is not null && !text.ToString().Contains(until, StringComparison.Ordinal)))
        {
            var result = await reader.ReadAsync(cts.Token);
            foreach (var segment in result.Buffer)
            {
                text.Append(Encoding.Latin1.GetString(segment.Span));
            }

            reader.AdvanceTo(result.Buffer.End);
            if (result.IsCompleted)
            {
                break;
            }
        }

        return text.ToString();
    }

    private sealed class Duplex(PipeReader input, PipeWriter output) : IDuplexPipe
    {
        public PipeReader Input { get; } = input;

        public PipeWriter Output { get; } = output;
    }
}
