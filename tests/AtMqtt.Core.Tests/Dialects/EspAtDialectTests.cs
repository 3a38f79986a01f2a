using AtMqtt.Core.Dialects;
using Xunit;

namespace AtMqtt.Core.Tests.Dialects;

/// <summary>SPEC section 1: what differs in <c>--dialect esp-at</c>.</summary>
public class EspAtDialectTests(BrokerFixture broker) : IClassFixture<BrokerFixture>
{
    private int Port => broker.Port;

    private static Task<InMemoryModem> StartAsync(TimeSpan? dataTimeout = null) =>
        InMemoryModem.StartAsync(new ModemOptions { Dialect = Dialect.EspAt(), DataTimeout = dataTimeout ?? TimeSpan.FromSeconds(5) });

    [Fact]
    public async Task Numeric_states_quoted_port_and_path()
    {
        var t = Text.Unique("esp");
        await using var s = await StartAsync();
        await s.CommandAsync("AT+MQTTCONN?", "+MQTTCONN:0,0,0,\"\",\"0\",\"\",0\r\n\r\nOK\r\n");
        await s.CommandAsync($"AT+MQTTUSERCFG=0,1,\"esp-{Guid.NewGuid():N}\",\"\",\"\",0,0,\"/mqtt\"", "\r\nOK\r\n");
        await s.CommandAsync("AT+MQTTCONN?", "+MQTTCONN:0,1,1,\"\",\"0\",\"/mqtt\",0\r\n\r\nOK\r\n");
        await s.CommandAsync("AT+MQTTCONNCFG=0,60,0,\"\",\"\",0,0", "\r\nOK\r\n");
        await s.CommandAsync("AT+MQTTCONN?", "+MQTTCONN:0,2,1,\"\",\"0\",\"/mqtt\",0\r\n\r\nOK\r\n");
        await s.CommandAsync($"AT+MQTTCONN=0,\"127.0.0.1\",\"{Port}\",1",
            $"+MQTTCONNECTED:0,1,\"127.0.0.1\",\"{Port}\",\"/mqtt\",1\r\n\r\nOK\r\n");
        await s.CommandAsync("AT+MQTTCONN?", $"+MQTTCONN:0,4,1,\"127.0.0.1\",\"{Port}\",\"/mqtt\",1\r\n\r\nOK\r\n");
        await s.CommandAsync($"AT+MQTTSUB=0,\"{t}\",1", "\r\nOK\r\n");
        await s.CommandAsync("AT+MQTTCONN?", $"+MQTTCONN:0,6,1,\"127.0.0.1\",\"{Port}\",\"/mqtt\",1\r\n\r\nOK\r\n");
        await s.CommandAsync("AT+MQTTSUB?", $"+MQTTSUB:0,6,\"{t}\",1\r\n\r\nOK\r\n");
        await s.CommandAsync($"AT+MQTTUNSUB=0,\"{t}\"", "\r\nOK\r\n");
        await s.CommandAsync("AT+MQTTCONN?", $"+MQTTCONN:0,5,1,\"127.0.0.1\",\"{Port}\",\"/mqtt\",1\r\n\r\nOK\r\n");
        await s.CommandAsync("AT+MQTTCLEAN=0", "\r\nOK\r\n");
        await s.CommandAsync("AT+MQTTCONN?", "+MQTTCONN:0,0,0,\"\",\"0\",\"\",0\r\n\r\nOK\r\n");
    }

    [Fact]
    public async Task A_failed_connection_is_state_3()
    {
        int closed = FreePort.Get();
        await using var s = await StartAsync();
        await s.CommandAsync("AT+MQTTUSERCFG=0,1,\"esp-fail\",\"\",\"\",0,0,\"\"", "\r\nOK\r\n");
        await s.CommandAsync($"AT+MQTTCONN=0,\"127.0.0.1\",{closed},0", "+MQTTDISCONNECTED:0\r\n\r\nERROR\r\n");
        await s.CommandAsync("AT+MQTTCONN?", $"+MQTTCONN:0,3,1,\"127.0.0.1\",\"{closed}\",\"\",0\r\n\r\nOK\r\n");
    }

    [Fact]
    public async Task Pubraw_results_and_length_beyond_512()
    {
        var topic = Text.Unique("espraw");
        await using var probe = await broker.ProbeAsync();
        await probe.SubscribeAsync(topic, 1);
        await using var s = await StartAsync(TimeSpan.FromMilliseconds(300));
        await s.CommandAsync($"AT+MQTTUSERCFG=0,1,\"esp-{Guid.NewGuid():N}\",\"\",\"\",0,0,\"\"", "\r\nOK\r\n");
        await s.CommandAsync($"AT+MQTTCONN=0,\"127.0.0.1\",{Port},0",
            $"+MQTTCONNECTED:0,1,\"127.0.0.1\",\"{Port}\",\"\",0\r\n\r\nOK\r\n");

        var payload = new byte[2000];
        new Random(2000).NextBytes(payload);
        await s.CommandAsync($"AT+MQTTPUBRAW=0,\"{topic}\",2000,1,0", "\r\nOK\r\n\r\n>");
        await s.SendAsync(payload);
        await s.ExpectAsync("\r\n+MQTTPUB:OK\r\n");
        Assert.Equal(payload, (await probe.NextAsync()).Payload);

        await s.CommandAsync($"AT+MQTTPUBRAW=0,\"{topic}\",5,1,0", "\r\nOK\r\n\r\n>");
        await s.ExpectAsync("\r\n+MQTTPUB:FAIL\r\n");
        await s.AssertAliveAsync();

        await s.SysLogOnAsync();
        await s.CommandAsync($"AT+MQTTPUBRAW=0,\"{topic}\",65537,1,0", Text.Error("0x010a604c"));
        await s.CommandAsync("AT+MQTTCLEAN=0", "\r\nOK\r\n");
    }

    [Theory]
    [InlineData("AT+MQTTUSERCFG=0,11,\"c\",\"\",\"\",0,0,\"\"", "0x010a6013")]
    [InlineData("AT+MQTTUSERCFG=0,1,\"c\",\"\",\"\",256,0,\"\"", "0x010a601e")]
    [InlineData("AT+MQTTCONN=0,\"{h128}\",1883,0", "0x010a6001")]
    [InlineData("AT+MQTTCONN=0,\"{h129}\",1883,0", "0x010a603c")]
    [InlineData("AT+MQTTCONN=0,\"h\",\"65536\",0", "0x010a603e")]
    [InlineData("AT+MQTTCONN=0,\"h\",\"0\",0", "0x010a603e")]
    [InlineData("AT+MQTTCONN=0,\"h\",\"123456\",0", "0x010a603e")]
    [InlineData("AT+MQTTCONN=0,\"h\",\"65535\",0", "0x010a6001")]
    public async Task Esp_at_limits(string template, string code)
    {
        await using var s = await StartAsync();
        await s.SysLogOnAsync();
        await s.CommandAsync(Text.Expand(template), Text.Error(code));
        await s.AssertAliveAsync();
    }

    [Theory]
    [InlineData("AT+MQTTUSERCFG=0,1,\"c\",\"\",\"\",255,255,\"\"")]
    [InlineData("AT+MQTTUSERCFG=0,1,\"c\",\"\",\"\",1,2,\"\"")]
    [InlineData("AT+MQTTUSERCFG=0,10,\"c\",\"\",\"\",0,0,\"\"")]
    public async Task Esp_at_accepts_certificate_ids_and_every_scheme(string line)
    {
        await using var s = await StartAsync();
        await s.CommandAsync(line, "\r\nOK\r\n");
    }

    [Fact]
    public async Task Esp_at_lwt_message_up_to_128_bytes()
    {
        await using var s = await StartAsync();
        await s.SysLogOnAsync();
        await s.CommandAsync("AT+MQTTUSERCFG=0,1,\"c\",\"\",\"\",0,0,\"\"", "\r\nOK\r\n");
        await s.CommandAsync(Text.Expand("AT+MQTTCONNCFG=0,0,0,\"t\",\"{m128}\",0,0"), "\r\nOK\r\n");
        await s.CommandAsync(Text.Expand("AT+MQTTCONNCFG=0,0,0,\"t\",\"{m129}\",0,0"), Text.Error("0x010a6035"));
    }
}
