using System.Diagnostics;
using AtMqtt.Core.Dialects;
using Xunit;
using static AtMqtt.Testing.InMemoryModem;

namespace AtMqtt.Core.Tests.Commands;

/// <summary>
/// The trailing timeout_ms is honoured: a broker that never answers makes the command fail after
/// about that long (3000 ms here), not after the 15000 ms default and not at once.
/// </summary>
public sealed class MqttConnectTimeoutTests
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(10);

    [Theory]
    [InlineData("esp-at")]
    [InlineData("seed")]
    public async Task Conn_to_a_broker_that_never_sends_connack_fails_after_timeout_ms(string dialect)
    {
        await using var silent = new ScriptedBroker();
        await using var m = await StartAsync(Dialect.FromName(dialect)!);
        await m.CommandAsync("AT+MQTTUSERCFG=0,1,\"silent\",\"\",\"\",0,0,\"\"", Ok);
        var clock = Stopwatch.StartNew();
        await m.CommandAsync($"AT+MQTTCONN=0,\"127.0.0.1\",{silent.Port},1,3000", "+MQTTDISCONNECTED:0\r\n" + Error, Bound);
        clock.Stop();
        Assert.InRange(clock.Elapsed, TimeSpan.FromSeconds(2.5), Bound);

        // A failed attempt: no retry, state 3 (disconnect), CONN may be tried again at once.
        await m.AssertSilentAsync(TimeSpan.FromMilliseconds(300));
        string expected = dialect == "esp-at"
            ? $"+MQTTCONN:0,3,1,\"127.0.0.1\",\"{silent.Port}\",\"\",1\r\n"
            : $"+MQTTCONN:0,disconnect,1,\"127.0.0.1\",{silent.Port},1\r\n";
        await m.CommandAsync("AT+MQTTCONN?", expected + Ok);
    }
}

/// <summary>SUB, UNSUB, PUB and PUBRAW against a broker that reads the request and never acknowledges it.</summary>
public sealed class RequestTimeoutTests
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(10);

    [Theory]
    [InlineData("sub")]
    [InlineData("unsub")]
    [InlineData("pub")]
    [InlineData("pubraw")]
    public async Task Request_without_acknowledgement_fails_after_timeout_ms(string request)
    {
        await using var broker = ScriptedBroker.Answering(
            subscribe: request == "sub" ? BrokerReply.Ignore : BrokerReply.Answer,
            unsubscribe: request == "unsub" ? BrokerReply.Ignore : BrokerReply.Answer,
            publish: request is "pub" or "pubraw" ? BrokerReply.Ignore : BrokerReply.Answer);
        await using var m = await StartAsync(Dialect.EspAt());
        await m.SysLogOnAsync();
        await m.CommandAsync("AT+MQTTUSERCFG=0,1,\"fake\",\"\",\"\",0,0,\"\"", Ok);
        await m.CommandAsync($"AT+MQTTCONN=0,\"127.0.0.1\",{broker.Port},0",
            $"+MQTTCONNECTED:0,1,\"127.0.0.1\",\"{broker.Port}\",\"\",0\r\n" + Ok);
        if (request == "unsub")
        {
            await m.CommandAsync("AT+MQTTSUB=0,\"t\",1", Ok);
        }

        var clock = Stopwatch.StartNew();
        switch (request)
        {
            case "sub":
                await m.CommandAsync("AT+MQTTSUB=0,\"t\",1,3000", Err(0x010a600d), Bound);
                break;
            case "unsub":
                await m.CommandAsync("AT+MQTTUNSUB=0,\"t\",3000", Err(0x010a600e), Bound);
                break;
            case "pub":
                await m.CommandAsync("AT+MQTTPUB=0,\"t\",\"x\",1,0,3000", Err(0x010a600c), Bound);
                break;
            default:
                await m.CommandAsync("AT+MQTTPUBRAW=0,\"t\",1,1,0,3000", "\r\nOK\r\n\r\n>");
                clock.Restart();
                await m.SendAsync("x");
                await m.ExpectAsync("\r\n+MQTTPUB:FAIL\r\n", Bound);
                break;
        }

        clock.Stop();
        Assert.InRange(clock.Elapsed, TimeSpan.FromSeconds(2.5), Bound);

        // The connection itself is fine.
        await m.CommandAsync("AT+MQTTCONN?", $"+MQTTCONN:0,{(request == "unsub" ? 6 : 4)},1,\"127.0.0.1\",\"{broker.Port}\",\"\",0\r\n" + Ok);
    }

    [Fact]
    public async Task Refused_subscription_is_an_error_and_not_listed()
    {
        await using var broker = ScriptedBroker.Answering(subscribe: BrokerReply.Refuse);
        await using var m = await StartAsync(Dialect.EspAt());
        await m.SysLogOnAsync();
        await m.CommandAsync("AT+MQTTUSERCFG=0,1,\"fake\",\"\",\"\",0,0,\"\"", Ok);
        await m.CommandAsync($"AT+MQTTCONN=0,\"127.0.0.1\",{broker.Port},0",
            $"+MQTTCONNECTED:0,1,\"127.0.0.1\",\"{broker.Port}\",\"\",0\r\n" + Ok);
        await m.CommandAsync("AT+MQTTSUB=0,\"denied/#\",1", Err(0x010a600d));
        await m.CommandAsync("AT+MQTTSUB?", Ok);
        await m.CommandAsync("AT+MQTTCONN?", $"+MQTTCONN:0,4,1,\"127.0.0.1\",\"{broker.Port}\",\"\",0\r\n" + Ok);
    }
}
