using System.IO.Pipelines;
using System.Net;
using System.Net.Sockets;
using System.Text;
using AtMqtt.Core.Dialects;
using AtMqtt.Core.Instrument;
using Xunit;
using static AtMqtt.Testing.InMemoryModem;

namespace AtMqtt.Core.Tests.Instrument;

/// <summary>
/// The host checks (<c>--strict</c>, src/AtMqtt.Core/Instrument/HostChecks.cs and HostCheckHooks.cs):
/// each mistake raises its finding, with the host's bytes exactly those it gets without
/// <c>--strict</c> (every test runs both ways), and a correct host raises none.
/// </summary>
public sealed class HostChecksTests(BrokerFixture broker) : IClassFixture<BrokerFixture>
{
    private int Port => broker.Port;

    private static Task<InMemoryModem> StartAsync(bool strict, Dialect? dialect = null, int maxSubscriptions = 10, int rxQueue = 1000, LogCapture? logs = null) =>
        InMemoryModem.StartAsync(new ModemOptions
        {
            Strict = strict,
            Dialect = dialect ?? Dialect.Seed,
            DataTimeout = TimeSpan.FromSeconds(5),
            MaxSubscriptions = maxSubscriptions,
            RxQueue = rxQueue,
            LoggerFactory = logs ?? (Microsoft.Extensions.Logging.ILoggerFactory)Microsoft.Extensions.Logging.Abstractions.NullLoggerFactory.Instance,
        });

    /// <summary>With --strict exactly <paramref name="count"/> findings, all <paramref name="code"/>; without it none.</summary>
    private static Finding AssertFindings(InMemoryModem m, bool strict, string code, int count = 1)
    {
        var findings = m.Modem.Checks.Findings;
        if (!strict)
        {
            Assert.Empty(findings);
            Assert.Equal(0, m.Modem.Checks.Count);
            return null!;
        }

        Assert.True(findings.Count == count && findings.All(f => f.Code == code), "findings: " + string.Join("; ", findings));
        Assert.Equal(count, m.Modem.Checks.Count);
        return findings[0];
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Data_sent_before_the_prompt(bool strict)
    {
        await using var m = await StartAsync(strict);
        await m.ConfigureAndConnectAsync(Port);

        // Waiting for '>' raises nothing.
        await m.CommandAsync("AT+MQTTPUBRAW=0,\"t\",2,0,0", "\r\nOK\r\n\r\n>");
        await m.SendAsync("ok");
        await m.ExpectAsync("\r\n+MQTTPUBRAW:OK\r\n");
        Assert.Equal(0, m.Modem.Checks.Count);

        // The line and its data in one write: the data was there before '>' was written.
        await m.SendAsync("AT+MQTTPUBRAW=0,\"t\",3,0,0\r\nabc");
        await m.ExpectAsync("AT+MQTTPUBRAW=0,\"t\",3,0,0\r\n\r\nOK\r\n\r\n>\r\n+MQTTPUBRAW:OK\r\n");
        var finding = AssertFindings(m, strict, FindingCodes.DataBeforePrompt);
        if (strict)
        {
            Assert.Equal("AT+MQTTPUBRAW=0,\"t\",3,0,0", finding.Line);
            Assert.Contains("AT+MQTTPUBRAW's data before the modem's \">\"", finding.Message, StringComparison.Ordinal);
        }

        await m.AssertAliveAsync();
        await m.CommandAsync("AT+MQTTCLEAN=0", Ok);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task A_command_before_the_previous_ones_final_result(bool strict)
    {
        // A broker that never answers: the kernel accepts, CONNACK never comes, AT+MQTTCONN waits its 3 s.
        using var silent = new TcpListener(IPAddress.Loopback, 0);
        silent.Start();
        int port = ((IPEndPoint)silent.LocalEndpoint).Port;
        await using var m = await StartAsync(strict);
        await m.UserConfigAsync(Unique.Id("busy"));
        await m.SendAsync($"AT+MQTTCONN=0,\"127.0.0.1\",{port},0,3000\r\n");
        await m.ExpectAsync($"AT+MQTTCONN=0,\"127.0.0.1\",{port},0,3000\r\n");
        await m.SendAsync("AT\r\n");
        await m.ExpectAsync("AT\r\nbusy p...\r\n");
        await m.ExpectAsync("+MQTTDISCONNECTED:0\r\n" + Error);
        var finding = AssertFindings(m, strict, FindingCodes.CommandWhileBusy);
        if (strict)
        {
            Assert.Equal("AT", finding.Line);
            Assert.Contains("before AT+MQTTCONN had its final result", finding.Message, StringComparison.Ordinal);
        }

        await m.AssertAliveAsync();
    }

    [Fact]
    public async Task A_busy_fault_is_no_mistake_of_the_hosts()
    {
        await using var m = await StartAsync(strict: true);
        var fault = m.Modem.Faults.Start(new FaultSpec { Kind = FaultKinds.Busy, Ms = 60_000 });
        await m.CommandAsync("AT", "busy p...\r\n");
        m.Modem.Faults.End(fault.Id);
        await m.AssertAliveAsync();
        Assert.Equal(0, m.Modem.Checks.Count);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task A_command_before_ready(bool strict)
    {
        // The host's bytes are in the channel before the modem starts serving it.
        await using var modem = new Modem(new ModemOptions { Strict = strict });
        var toModem = new Pipe();
        var toHost = new Pipe();
        await toModem.Writer.WriteAsync(Encoding.ASCII.GetBytes("AT\r\n"));
        using var cts = new CancellationTokenSource();
        var run = modem.RunAsync(new Duplex(toModem.Reader, toHost.Writer), cts.Token);
        await using var host = new AtHost(toHost.Reader.AsStream(), toModem.Writer.AsStream());
        await host.ExpectBytesAsync("ready\r\nAT\r\n\r\nOK\r\n", InMemoryModem.Timeout);
        if (strict)
        {
            var finding = Assert.Single(modem.Checks.Findings);
            Assert.Equal(FindingCodes.CommandBeforeReady, finding.Code);
            Assert.Equal("AT", finding.Line);
        }
        else
        {
            Assert.Empty(modem.Checks.Findings);
        }

        await toModem.Writer.CompleteAsync();
        await run.WaitAsync(InMemoryModem.Timeout);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task An_unescaped_quote_or_comma_that_made_the_command_fail(bool strict)
    {
        await using var m = await StartAsync(strict);

        // esp-at#647: JSON without escapes; the escaped form is fine.
        await m.CommandAsync("AT+MQTTPUB=0,\"t\",\"{\"a\":1}\",0,0", Error);
        var quote = AssertFindings(m, strict, FindingCodes.UnescapedSeparator);

        // A bare payload with commas: more parameters than AT+MQTTPUB takes.
        await m.CommandAsync("AT+MQTTPUB=0,\"t\",a,b,c,0,0", Error);
        AssertFindings(m, strict, FindingCodes.UnescapedSeparator, 2);
        if (strict)
        {
            Assert.Contains("quote", quote.Message, StringComparison.Ordinal);
            Assert.Contains("AT+MQTTPUBRAW", quote.Message, StringComparison.Ordinal);
            Assert.Equal("AT+MQTTPUB=0,\"t\",\"{\"a\":1}\",0,0", quote.Line);
            Assert.Contains("comma", m.Modem.Checks.Findings[1].Message, StringComparison.Ordinal);
        }

        // Errors with other causes are not this mistake.
        await m.CommandAsync("AT+MQTTPUB=0,\"t\",\"x\",7,0", Error);
        await m.CommandAsync("AT+MQTTPUB=0,\"t\"", Error);
        Assert.Equal(strict ? 2 : 0, m.Modem.Checks.Count);
        await m.AssertAliveAsync();
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task A_line_over_256_bytes(bool strict)
    {
        await using var m = await StartAsync(strict);
        string line = "AT+MQTTPUB=0,\"t\",\"" + new string('x', 300) + "\",0,0";
        await m.SendAsync(line + "\r\n");
        await m.ExpectAsync(Error);
        var finding = AssertFindings(m, strict, FindingCodes.LineTooLong);
        if (strict)
        {
            Assert.StartsWith("AT+MQTTPUB=0,\"t\",\"xxx", finding.Line, StringComparison.Ordinal);
            Assert.Equal(FindingLine.MaxChars, finding.Line!.Length);
            Assert.EndsWith("...", finding.Line, StringComparison.Ordinal);
            Assert.Contains("AT+MQTTLONG", finding.Message, StringComparison.Ordinal);
            Assert.Contains("AT+MQTTPUBRAW", finding.Message, StringComparison.Ordinal);
        }

        await m.AssertAliveAsync();
    }

    [Fact]
    public async Task A_line_over_256_bytes_on_esp_at_2_2_points_to_the_commands_that_release_has()
    {
        // v2.2 has no LONG*: its setters for values over USERCFG's limits are AT+MQTTCLIENTID/USERNAME/PASSWORD.
        await using var m = await InMemoryModem.StartAsync(new ModemOptions { Strict = true, Profile = AtMqtt.Core.Profiles.Profile.FromName("esp-at-2.2") });
        await m.SendAsync("AT+MQTTUSERCFG=0,1,\"" + new string('c', 300) + "\",\"\",\"\",0,0,\"\"\r\n");
        await m.ExpectAsync(Error);
        var finding = Assert.Single(m.Modem.Checks.Findings);
        Assert.Equal(FindingCodes.LineTooLong, finding.Code);
        Assert.Contains("AT+MQTTCLIENTID/USERNAME/PASSWORD", finding.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("LONG", finding.Message, StringComparison.Ordinal);
        await m.AssertAliveAsync();
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Connection_settings_before_usercfg(bool strict)
    {
        await using var m = await StartAsync(strict);
        await m.CommandAsync("AT+MQTTCONNCFG=0,120,0,\"\",\"\",0,0", Error);
        await m.CommandAsync("AT+MQTTLONGPASSWORD=0,5", Error);
        AssertFindings(m, strict, FindingCodes.ConfigBeforeUserConfig, 2);

        // After USERCFG they are fine.
        await m.UserConfigAsync(Unique.Id("cfg"));
        await m.CommandAsync("AT+MQTTCONNCFG=0,120,0,\"\",\"\",0,0", Ok);
        Assert.Equal(strict ? 2 : 0, m.Modem.Checks.Count);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Conn_after_a_reconnect_0_drop_without_clean(bool strict)
    {
        await using var m = await StartAsync(strict);
        string id = await m.ConfigureAndConnectAsync(Port);
        await broker.Broker.KickAsync(id);
        await m.ExpectAsync("+MQTTDISCONNECTED:0\r\n");
        await m.CommandAsync($"AT+MQTTCONN=0,\"127.0.0.1\",{Port},0", Error);
        AssertFindings(m, strict, FindingCodes.ConnectWithoutClean);

        // The way out: CLEAN, USERCFG, CONN.
        await m.CommandAsync("AT+MQTTCLEAN=0", Ok);
        await m.ConfigureAndConnectAsync(Port);
        Assert.Equal(strict ? 1 : 0, m.Modem.Checks.Count);
        await m.CommandAsync("AT+MQTTCLEAN=0", Ok);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Sub_with_the_list_full(bool strict)
    {
        await using var m = await StartAsync(strict, maxSubscriptions: 1);
        await m.ConfigureAndConnectAsync(Port);
        await m.CommandAsync("AT+MQTTSUB=0,\"a\",0", Ok);

        // The same filter again is no new entry.
        await m.CommandAsync("AT+MQTTSUB=0,\"a\",0", "ALREADY SUBSCRIBE\r\n" + Ok);
        Assert.Equal(0, m.Modem.Checks.Count);
        await m.CommandAsync("AT+MQTTSUB=0,\"b\",0", Error);
        var finding = AssertFindings(m, strict, FindingCodes.SubscriptionListFull);
        if (strict)
        {
            Assert.Equal("AT+MQTTSUB=0,\"b\",0", finding.Line);
        }

        await m.CommandAsync("AT+MQTTCLEAN=0", Ok);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Pub_while_disconnected(bool strict)
    {
        await using var m = await StartAsync(strict);
        await m.UserConfigAsync(Unique.Id("pub"));
        await m.CommandAsync("AT+MQTTPUB=0,\"t\",\"x\",0,0", Error);
        await m.CommandAsync("AT+MQTTPUBRAW=0,\"t\",1,0,0", Error);
        AssertFindings(m, strict, FindingCodes.PublishWhileDisconnected, 2);
        await m.AssertAliveAsync();
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task The_host_not_reading(bool strict)
    {
        var topic = Unique.Topic("slow");
        await using var probe = await broker.ProbeAsync();
        await using var m = await StartAsync(strict, rxQueue: 2);
        await m.ConfigureAndConnectAsync(Port);
        await m.CommandAsync($"AT+MQTTSUB=0,\"{topic}\",0", Ok);
        await m.DetachAsync();
        for (int i = 0; i < 6; i++)
        {
            await probe.PublishAsync(topic, $"m{i}", 0);
        }

        // Two wait, four are dropped: all six are in before the host comes back (a late one would
        // find room once the host has read the first two).
        var urcs = m.Modem.Urcs;
        await Poll.UntilAsync(() => urcs.Qos0Dropped >= 4, () => $"{urcs.Qos0Dropped} dropped");

        // Several drops in a few seconds are one finding.
        var finding = AssertFindings(m, strict, FindingCodes.HostNotReading);
        if (strict)
        {
            Assert.Null(finding.Line);
            Assert.Contains("full (2)", finding.Message, StringComparison.Ordinal);
        }

        m.Attach();
        await m.ExpectAsync("ready\r\n");
        await m.ReadUntilAsync("m1\r\n");
        await m.AssertAliveAsync();
        await m.CommandAsync("AT+MQTTCLEAN=0", Ok);
    }

    [Theory]
    [InlineData("seed")]
    [InlineData("esp-at")]
    public async Task A_correct_host_raises_none(string dialectName)
    {
        var dialect = Dialect.FromName(dialectName)!;
        var topic = Unique.Topic("good");
        await using var probe = await broker.ProbeAsync();
        await probe.SubscribeAsync(topic + "/up", 1);
        await using var m = await StartAsync(strict: true, dialect);
        await m.CommandAsync("ATE0", Ok);
        await m.SendAsync("AT+SYSLOG=1\r\n");
        await m.ExpectAsync(Ok);
        await m.SendAsync($"AT+MQTTUSERCFG=0,1,\"{Unique.Id("good")}\",\"u\",\"p\",0,0,\"\"\r\n");
        await m.ExpectAsync(Ok);
        await m.SendAsync("AT+MQTTCONNCFG=0,60,0,\"will/t\",\"bye\\, now\",0,0\r\n");
        await m.ExpectAsync(Ok);
        await m.SendAsync("AT+MQTTLONGPASSWORD=0,3\r\n");
        await m.ExpectAsync("\r\nOK\r\n\r\n>");
        await m.SendAsync("pwd");
        await m.ExpectAsync(Ok);
        await m.SendAsync($"AT+MQTTCONN=0,\"127.0.0.1\",{Port},1\r\n");
        string connected = dialect.QuotedPortAndPath
            ? $"+MQTTCONNECTED:0,1,\"127.0.0.1\",\"{Port}\",\"\",1\r\n"
            : $"+MQTTCONNECTED:0,1,\"127.0.0.1\",{Port},1\r\n";
        await m.ExpectAsync(connected + Ok);
        await m.SendAsync($"AT+MQTTSUB=0,\"{topic}/down\",1\r\n");
        await m.ExpectAsync(Ok);
        await probe.PublishAsync(topic + "/down", "to-modem", qos: 1);
        await m.ExpectAsync($"+MQTTSUBRECV:0,\"{topic}/down\",8,to-modem\r\n");
        await m.SendAsync($"AT+MQTTPUB=0,\"{topic}/up\",\"{{\\\"a\\\":1\\,\\\"b\\\":2}}\",1,0\r\n");
        await m.ExpectAsync(Ok);
        Assert.Equal("{\"a\":1,\"b\":2}", (await probe.NextAsync()).PayloadText);
        await m.SendAsync($"AT+MQTTPUBRAW=0,\"{topic}/up\",5,1,0\r\n");
        await m.ExpectAsync("\r\nOK\r\n\r\n>");
        await m.SendAsync("a,\"b\"");
        await m.ExpectAsync($"\r\n{dialect.PubRawOk}\r\n");
        Assert.Equal("a,\"b\"", (await probe.NextAsync()).PayloadText);
        await m.SendAsync($"AT+MQTTUNSUB=0,\"{topic}/down\"\r\n");
        await m.ExpectAsync(Ok);
        await m.SendAsync("AT+MQTTCLEAN=0\r\n");
        await m.ExpectAsync(Ok);
        await m.SendAsync("AT+RST\r\n");
        await m.ExpectAsync(Ok + "ready\r\n");
        await m.CommandAsync("AT", Ok);
        Assert.Empty(m.Modem.Checks.Findings);
        Assert.Equal(0, m.Modem.Checks.Count);
    }

    [Fact]
    public async Task A_finding_is_an_event_and_a_throttled_warning()
    {
        using var logs = new LogCapture();
        await using var m = await StartAsync(strict: true, logs: logs);
        using var cts = new CancellationTokenSource(InMemoryModem.Timeout);
        var events = m.Modem.Events.Watch(cts.Token);
        for (int i = 0; i < 10; i++)
        {
            await m.CommandAsync("AT+MQTTPUB=0,\"t\",\"x\",0,0", Error);
        }

        var e = await events.ReadAsync(cts.Token);
        Assert.Equal(EventTypes.Finding, e.Type);
        Assert.Equal(FindingCodes.PublishWhileDisconnected, e.Name);
        Assert.Equal(m.Modem.Checks.Findings[0].Message, e.Text);

        // Ten findings, ten events, three warnings (the rest summed up later by the throttle).
        for (int i = 1; i < 10; i++)
        {
            Assert.Equal(FindingCodes.PublishWhileDisconnected, (await events.ReadAsync(cts.Token)).Name);
        }

        Assert.Equal(10, m.Modem.Checks.Count);
        Assert.Equal(3, logs.Count("Host check pub-while-disconnected: "));
    }

    [Fact]
    public async Task The_first_100_findings_are_kept_and_the_rest_counted()
    {
        await using var m = await StartAsync(strict: true);
        var burst = new StringBuilder();
        for (int i = 0; i < 130; i++)
        {
            burst.Append(CultureInfo($"AT+MQTTPUB=0,\"t{i}\",\"x\",0,0\r\n"));
        }

        await m.SendAsync(burst.ToString());
        await Poll.UntilAsync(() => m.Modem.Checks.Count == 130, () => $"{m.Modem.Checks.Count} findings");
        Assert.Equal(HostChecks.MaxKept, m.Modem.Checks.Findings.Count);
        Assert.Equal("AT+MQTTPUB=0,\"t0\",\"x\",0,0", m.Modem.Checks.Findings[0].Line);
        Assert.Equal("AT+MQTTPUB=0,\"t99\",\"x\",0,0", m.Modem.Checks.Findings[^1].Line);
        Assert.Equal([new KeyValuePair<string, long>(FindingCodes.PublishWhileDisconnected, 130)], m.Modem.Checks.CountByCode);
        await m.ReadUntilAsync("AT+MQTTPUB=0,\"t129\",\"x\",0,0\r\n" + Error);
    }

    [Fact]
    public async Task Secrets_never_reach_a_finding()
    {
        using var silent = new TcpListener(IPAddress.Loopback, 0);
        silent.Start();
        int port = ((IPEndPoint)silent.LocalEndpoint).Port;
        await using var m = await InMemoryModem.StartAsync(new ModemOptions { Strict = true, Wifi = ("net", "wifi-secret-1") });
        await m.UserConfigAsync(Unique.Id("sec"));
        await m.SendAsync($"AT+MQTTCONN=0,\"127.0.0.1\",{port},0,3000\r\n");
        await m.ExpectAsync($"AT+MQTTCONN=0,\"127.0.0.1\",{port},0,3000\r\n");

        // While busy: a password in USERCFG (even with a quote out of place), the Wi-Fi password
        // anywhere, and a LONGPASSWORD payload sent as if the prompt had come.
        string[] lines =
        [
            "AT+MQTTUSERCFG=0,1,\"id\",\"user\",\"hunter2-pass\",0,0,\"\"",
            "AT+MQTTUSERCFG=0,1,\"i\"d\",\"user\",\"hunter3,pass\",0,0,\"\"",
            "AT+CWJAP=\"net\",\"cw-secret-9\"",
            "AT+SOMETHING=\"wifi-secret-1\"",
            "AT+MQTTLONGPASSWORD=0,12",
            "long-secret!",
        ];
        foreach (string line in lines)
        {
            await m.SendAsync(line + "\r\n");
            await m.ExpectAsync(line + "\r\nbusy p...\r\n");
        }

        await m.ExpectAsync("+MQTTDISCONNECTED:0\r\n" + Error);
        var shown = m.Modem.Checks.Findings.Select(f => f.Line!).ToList();
        Assert.Equal(
            [
                "AT+MQTTUSERCFG=0,1,\"id\",\"user\",<redacted>",
                "AT+MQTTUSERCFG=0,1,\"i\"d\",\"user\",<redacted>",
                "AT+CWJAP=\"net\",<redacted>",
                "AT+SOMETHING=\"<redacted>\"",
                "AT+MQTTLONGPASSWORD=0,12",
                "<redacted>",
            ],
            shown);
    }

    /// <summary>A private key sent as if an AT+SYSMFG / AT+SYSFLASH write (or any cellular file upload) had prompted: its line is never quoted.</summary>
    [Theory]
    [InlineData("AT+SYSMFG=2,\"mqtt_key\",\"mqtt_key\",8,24")]
    [InlineData("AT+SYSMFG=2,\"client_key\",\"client_key.0\",8,24")]
    [InlineData("AT+QFUPL=\"device.pem\",24")]
    [InlineData("AT+CCERTDOWN=\"device.pem\",24")]
    public async Task A_key_sent_after_its_write_command_never_reaches_a_finding(string write)
    {
        using var silent = new TcpListener(IPAddress.Loopback, 0);
        silent.Start();
        int port = ((IPEndPoint)silent.LocalEndpoint).Port;
        await using var m = await InMemoryModem.StartAsync(new ModemOptions { Strict = true, Profile = AtMqtt.Core.Profiles.Profile.FromName("esp-at-5.0") });
        await m.UserConfigAsync(Unique.Id("key"));
        await m.SendAsync($"AT+MQTTCONN=0,\"127.0.0.1\",{port},0,3000\r\n");
        await m.ExpectAsync($"AT+MQTTCONN=0,\"127.0.0.1\",{port},0,3000\r\n");
        foreach (string line in new[] { write, "MC4CAQAwBQYDK2VwBCIEIF3k" })
        {
            await m.SendAsync(line + "\r\n");
            await m.ExpectAsync(line + "\r\nbusy p...\r\n");
        }

        await m.ExpectAsync("+MQTTDISCONNECTED:0\r\n" + Error);
        Assert.Equal([write, "<redacted>"], m.Modem.Checks.Findings.Select(f => f.Line!).ToList());
    }

    [Theory]
    [InlineData("AT+QICSGP=1,1,\"iot\",\"user\",\"hunter2\",1", "AT+QICSGP=1,1,\"iot\",\"user\",<redacted>")]
    [InlineData("AT+QMTCONN=0,\"dev1\",\"user\",\"hunter2\"", "AT+QMTCONN=0,\"dev1\",\"user\",<redacted>")]
    [InlineData("AT+CMQTTCONNECT=1,\"tcp://127.0.0.1:1883\",60,1,\"user\",\"hunter2\"", "AT+CMQTTCONNECT=1,\"tcp://127.0.0.1:1883\",60,1,\"user\",<redacted>")]
    public void A_cellular_password_is_hidden_in_a_findings_line(string line, string shown)
    {
        // A finding quotes the host's line; the broker and PDP passwords of the cellular families stay out of it.
        Assert.Equal(shown, FindingLine.Show(Encoding.ASCII.GetBytes(line), []));
    }

    [Fact]
    public void Shown_lines_make_control_bytes_visible()
    {
        Assert.Equal("AT+X=\"a\\x00b\\xFF\\r\"", FindingLine.Show(Encoding.Latin1.GetBytes("AT+X=\"a\0b\u00FF\r\""), []));
    }

    private static string CultureInfo(FormattableString text) => FormattableString.Invariant(text);

    private sealed class Duplex(PipeReader input, PipeWriter output) : IDuplexPipe
    {
        public PipeReader Input => input;

        public PipeWriter Output => output;
    }
}
