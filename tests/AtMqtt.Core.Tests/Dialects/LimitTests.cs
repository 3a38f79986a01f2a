using System.Text;
using AtMqtt.Core;
using AtMqtt.Core.Dialects;
using Xunit;
using static AtMqtt.Testing.InMemoryModem;

namespace AtMqtt.Core.Tests.Dialects;

/// <summary>The limits of SPEC section 1 in both dialects: host, lwt_msg, PUBRAW length, schemes, timeout_ms.</summary>
public sealed class LimitTests(MosquittoFixture mosquitto) : IClassFixture<MosquittoFixture>
{
    private int Port => mosquitto.Port;

    /// <summary>
    /// An IP literal of exactly <paramref name="bytes"/> bytes that reaches 127.0.0.1 without any name
    /// lookup: the IPv4-mapped IPv6 address with a zero-padded scope id (<c>::ffff:127.0.0.1%00…01</c>).
    /// </summary>
    private static string LoopbackHost(int bytes)
    {
        const string head = "::ffff:127.0.0.1%";
        return head + new string('0', bytes - head.Length - 1) + "1";
    }

    [Theory]
    [InlineData("esp-at", 128)]
    [InlineData("seed", 64)]
    public async Task Host_up_to_the_dialect_limit_connects_and_one_more_byte_is_an_error(string dialect, int max)
    {
        var d = Dialect.FromName(dialect)!;
        string host = LoopbackHost(max);
        Assert.Equal(max, Encoding.UTF8.GetByteCount(host));
        string connected = d.QuotedPortAndPath
            ? $"+MQTTCONNECTED:0,1,\"{host}\",\"{Port}\",\"\",0\r\n"
            : $"+MQTTCONNECTED:0,1,\"{host}\",{Port},0\r\n";

        await using var m = await StartAsync(d);
        await m.SysLogOnAsync();
        await m.CommandAsync($"AT+MQTTUSERCFG=0,1,\"{Unique.Id("host")}\",\"\",\"\",0,0,\"\"", Ok);
        await m.CommandAsync($"AT+MQTTCONN=0,\"{LoopbackHost(max + 1)}\",{Port},0", Err(0x010a603c));
        await m.CommandAsync($"AT+MQTTCONN=0,\"{host}\",{Port},0", connected + Ok);
        string query = d.QuotedPortAndPath
            ? $"+MQTTCONN:0,4,1,\"{host}\",\"{Port}\",\"\",0\r\n"
            : $"+MQTTCONN:0,connected,1,\"{host}\",{Port},0\r\n";
        await m.CommandAsync("AT+MQTTCONN?", query + Ok);
        await m.CommandAsync("AT+MQTTCLEAN=0", Ok);
    }

    [Theory]
    [InlineData("esp-at", 128)]
    [InlineData("seed", 64)]
    public async Task Will_message_up_to_the_dialect_limit_is_published_whole(string dialect, int max)
    {
        var d = Dialect.FromName(dialect)!;
        string topic = Unique.Topic("will");

        // Escapes count once: \" and \, and \\ are one byte each after unescaping.
        string unit = "{\"k\":\"v\\,w\"},";
        var wire = new StringBuilder();
        var bytes = new StringBuilder();
        while (bytes.Length + unit.Length <= max)
        {
            wire.Append("{\\\"k\\\":\\\"v\\\\\\,w\\\"}\\,");
            bytes.Append("{\"k\":\"v\\,w\"},");
        }

        while (bytes.Length < max)
        {
            wire.Append('x');
            bytes.Append('x');
        }

        Assert.Equal(max, bytes.Length);
        await using var probe = await mosquitto.ProbeAsync();
        await probe.SubscribeAsync(topic, 1);
        await using var m = await StartAsync(d);
        await m.SysLogOnAsync();
        await m.CommandAsync($"AT+MQTTUSERCFG=0,1,\"{Unique.Id("will")}\",\"\",\"\",0,0,\"\"", Ok);
        await m.CommandAsync($"AT+MQTTCONNCFG=0,30,0,\"{topic}\",\"{wire}y\",1,0", Err(0x010a6035));
        await m.CommandAsync($"AT+MQTTCONNCFG=0,30,0,\"{topic}\",\"{wire}\",1,0", Ok);
        string connected = d.QuotedPortAndPath
            ? $"+MQTTCONNECTED:0,1,\"127.0.0.1\",\"{Port}\",\"\",0\r\n"
            : $"+MQTTCONNECTED:0,1,\"127.0.0.1\",{Port},0\r\n";
        await m.CommandAsync($"AT+MQTTCONN=0,\"127.0.0.1\",{Port},0", connected + Ok);

        // AT+RST cuts the connection without DISCONNECT: the broker publishes the will.
        await m.CommandAsync("AT+RST", Ok + "ready\r\n");
        var will = await probe.NextAsync();
        Assert.Equal(topic, will.Topic);
        Assert.Equal(Encoding.ASCII.GetBytes(bytes.ToString()), will.Payload);
    }

    [Theory]
    [InlineData("esp-at", 65536)]
    [InlineData("esp-at", 1000)]
    [InlineData("seed", 512)]
    public async Task Pubraw_up_to_the_limit_is_published_and_one_more_is_an_error(string dialect, int max)
    {
        var d = dialect == "seed" ? Dialect.Seed : Dialect.EspAt(max);
        Assert.Equal(max, d.PubRawMaxBytes);
        string topic = Unique.Topic("raw");
        await using var probe = await mosquitto.ProbeAsync();
        await probe.SubscribeAsync(topic, 1);
        await using var m = await StartAsync(d);
        await m.SysLogOnAsync();
        await m.CommandAsync($"AT+MQTTUSERCFG=0,1,\"{Unique.Id("raw")}\",\"\",\"\",0,0,\"\"", Ok);
        var reply = await m.ExchangeAsync($"AT+MQTTCONN=0,\"127.0.0.1\",{Port},0");
        Assert.Contains("+MQTTCONNECTED:0,1,", reply, StringComparison.Ordinal);

        await m.CommandAsync($"AT+MQTTPUBRAW=0,\"{topic}\",{max + 1},1,0", Err(0x010a604c));
        var payload = new byte[max];
        new Random(max).NextBytes(payload);
        await m.CommandAsync($"AT+MQTTPUBRAW=0,\"{topic}\",{max},1,0", "\r\nOK\r\n\r\n>");
        await m.SendAsync(payload);
        await m.ExpectAsync($"\r\n{d.PubRawOk}\r\n");
        Assert.Equal(payload, (await probe.NextAsync()).Payload);
        await m.CommandAsync("AT+MQTTCLEAN=0", Ok);
    }

    [Fact]
    public async Task Max_pubraw_option_of_the_program_sets_the_esp_at_limit()
    {
        int tcp = FreePort.Get();
        await using var process = await ModemProcess.StartAsync("--dialect", "esp-at", "--max-pubraw", "700", "--tcp", $"127.0.0.1:{tcp}");
        await using var host = await AtHost.ConnectAsync(tcp);
        Assert.Equal("ready\r\n", await host.ReadUntilAsync("ready\r\n"));
        Assert.Equal("AT+SYSLOG=1\r\n\r\nOK\r\n", await host.CommandAsync("AT+SYSLOG=1"));
        Assert.Equal("AT+MQTTUSERCFG=0,1,\"c\",\"\",\"\",0,0,\"\"\r\n\r\nOK\r\n", await host.CommandAsync("AT+MQTTUSERCFG=0,1,\"c\",\"\",\"\",0,0,\"\""));
        Assert.Equal("AT+MQTTPUBRAW=0,\"t\",701,0,0\r\nERR CODE:0x010a604c\r\n\r\nERROR\r\n", await host.CommandAsync("AT+MQTTPUBRAW=0,\"t\",701,0,0"));

        // 700 passes the length check and stops at the next one: not connected.
        Assert.Equal("AT+MQTTPUBRAW=0,\"t\",700,0,0\r\nERR CODE:0x010a6051\r\n\r\nERROR\r\n", await host.CommandAsync("AT+MQTTPUBRAW=0,\"t\",700,0,0"));
        Assert.Matches("^AT\\+GMR\\r\\nAT version:[^\\r]*\\(atmqtt - esp-at dialect\\)\\r\\n", await host.CommandAsync("AT+GMR"));
    }

    [Theory]
    [InlineData("esp-at", "1,1", true)]
    [InlineData("esp-at", "255,255", true)]
    [InlineData("esp-at", "256,0", false)]
    [InlineData("seed", "1,0", false)]
    [InlineData("seed", "0,1", false)]
    public async Task Cert_and_ca_ids(string dialect, string ids, bool accepted)
    {
        await using var m = await StartAsync(Dialect.FromName(dialect)!);
        await m.CommandAsync($"AT+MQTTUSERCFG=0,1,\"c\",\"\",\"\",{ids},\"\"", accepted ? Ok : Error);
    }

    /// <summary>ESP-AT v5's optional trailing timeout_ms on CONN, PUB, PUBRAW, SUB and UNSUB: 3000..60000.</summary>
    [Fact]
    public async Task Timeout_ms_is_accepted_from_3000_to_60000_on_every_command()
    {
        string topic = Unique.Topic("tmo");
        await using var m = await StartAsync(Dialect.EspAt());
        await m.SysLogOnAsync();
        await m.CommandAsync($"AT+MQTTUSERCFG=0,1,\"{Unique.Id("tmo")}\",\"\",\"\",0,0,\"\"", Ok);
        foreach (int bad in (int[])[2999, 60001, 0])
        {
            await m.CommandAsync($"AT+MQTTCONN=0,\"127.0.0.1\",{Port},0,{bad}", Err(0x010a6008));
        }

        await m.CommandAsync($"AT+MQTTCONN=0,\"127.0.0.1\",{Port},0,3000", $"+MQTTCONNECTED:0,1,\"127.0.0.1\",\"{Port}\",\"\",0\r\n" + Ok);
        await m.CommandAsync("AT+MQTTCLEAN=0", Ok);
        await m.CommandAsync($"AT+MQTTUSERCFG=0,1,\"{Unique.Id("tmo")}\",\"\",\"\",0,0,\"\"", Ok);
        await m.CommandAsync($"AT+MQTTCONN=0,\"127.0.0.1\",{Port},0,60000", $"+MQTTCONNECTED:0,1,\"127.0.0.1\",\"{Port}\",\"\",0\r\n" + Ok);

        foreach (int bad in (int[])[2999, 60001])
        {
            await m.CommandAsync($"AT+MQTTSUB=0,\"{topic}\",1,{bad}", Err(0x010a6008));
            await m.CommandAsync($"AT+MQTTPUB=0,\"{topic}\",\"x\",1,0,{bad}", Err(0x010a6008));
            await m.CommandAsync($"AT+MQTTPUBRAW=0,\"{topic}\",1,1,0,{bad}", Err(0x010a6008));
            await m.CommandAsync($"AT+MQTTUNSUB=0,\"{topic}\",{bad}", Err(0x010a6008));
        }

        foreach (int good in (int[])[3000, 60000])
        {
            await m.CommandAsync($"AT+MQTTSUB=0,\"{topic}\",1,{good}", Ok);
            await m.CommandAsync($"AT+MQTTPUB=0,\"{topic}\",\"x\",1,0,{good}", Ok);
            await m.ExpectAsync($"+MQTTSUBRECV:0,\"{topic}\",1,x\r\n");
            await m.CommandAsync($"AT+MQTTPUBRAW=0,\"{topic}\",1,1,0,{good}", "\r\nOK\r\n\r\n>");
            await m.SendAsync("y");
            await m.ExpectAsync("\r\n+MQTTPUB:OK\r\n");
            await m.ExpectAsync($"+MQTTSUBRECV:0,\"{topic}\",1,y\r\n");
            await m.CommandAsync($"AT+MQTTUNSUB=0,\"{topic}\",{good}", Ok);
        }

        // PUBRAW's qos and retain may be left out when timeout_ms is given.
        await m.CommandAsync($"AT+MQTTPUBRAW=0,\"{topic}\",1,,,3000", "\r\nOK\r\n\r\n>");
        await m.SendAsync("z");
        await m.ExpectAsync("\r\n+MQTTPUB:OK\r\n");
        await m.CommandAsync("AT+MQTTCLEAN=0", Ok);
    }

    [Fact]
    public async Task Seed_pubraw_result_line_and_limit()
    {
        string topic = Unique.Topic("seedraw");
        // 2 s: the complete publish must beat the timeout however late a loaded machine runs the test.
        await using var m = await StartAsync(new ModemOptions { Dialect = Dialect.Seed, DataTimeout = TimeSpan.FromSeconds(2) });
        await m.CommandAsync($"AT+MQTTUSERCFG=0,1,\"{Unique.Id("seedraw")}\",\"\",\"\",0,0,\"\"", Ok);
        await m.CommandAsync($"AT+MQTTCONN=0,\"127.0.0.1\",{Port},0", $"+MQTTCONNECTED:0,1,\"127.0.0.1\",{Port},0\r\n" + Ok);
        await m.CommandAsync($"AT+MQTTPUBRAW=0,\"{topic}\",3", "\r\nOK\r\n\r\n>");
        await m.SendAsync("abc");
        await m.ExpectAsync("\r\n+MQTTPUBRAW:OK\r\n");

        // The data stops coming: the FAIL line after --data-timeout.
        await m.CommandAsync($"AT+MQTTPUBRAW=0,\"{topic}\",3", "\r\nOK\r\n\r\n>");
        await m.SendAsync("a");
        await m.ExpectAsync("\r\n+MQTTPUBRAW:FAIL\r\n", TimeSpan.FromSeconds(5));
        await m.CommandAsync("AT", Ok);
        await m.CommandAsync("AT+MQTTCLEAN=0", Ok);
    }

    [Fact]
    public async Task Esp_at_pubraw_fail_line_after_the_data_timeout()
    {
        await using var m = await StartAsync(new ModemOptions { Dialect = Dialect.EspAt(), DataTimeout = TimeSpan.FromMilliseconds(400) });
        await m.CommandAsync($"AT+MQTTUSERCFG=0,1,\"{Unique.Id("espfail")}\",\"\",\"\",0,0,\"\"", Ok);
        await m.CommandAsync($"AT+MQTTCONN=0,\"127.0.0.1\",{Port},0", $"+MQTTCONNECTED:0,1,\"127.0.0.1\",\"{Port}\",\"\",0\r\n" + Ok);
        await m.CommandAsync("AT+MQTTPUBRAW=0,\"t\",3,0,0", "\r\nOK\r\n\r\n>");
        await m.SendAsync("a");
        await m.ExpectAsync("\r\n+MQTTPUB:FAIL\r\n", TimeSpan.FromSeconds(5));
        await m.CommandAsync("AT", Ok);
        await m.CommandAsync("AT+MQTTCLEAN=0", Ok);
    }
}
