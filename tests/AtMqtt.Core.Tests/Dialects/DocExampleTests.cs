using System.Text;
using AtMqtt.Core.Dialects;
using Xunit;
using static AtMqtt.Testing.InMemoryModem;

namespace AtMqtt.Core.Tests.Dialects;

/// <summary>
/// The MQTT examples of the ESP-AT documentation (MQTT_AT_Commands.rst, MQTT_AT_Examples.rst and the
/// issue transcripts quoted in reference/esp_at_mqtt.md), replayed in the esp-at dialect against a
/// real mosquitto, byte for byte apart from the broker's host name and port. The echo is on, as
/// after a module's start, so each command line comes back before its response.
/// </summary>
public sealed class DocExampleTests(MosquittoFixture mosquitto) : IClassFixture<MosquittoFixture>
{
    private int Port => mosquitto.Port;

    [Fact]
    public async Task Connect_over_tcp_subscribe_publish_and_receive()
    {
        await using var m = await StartAsync(Dialect.EspAt());
        await m.CommandAsync("AT+MQTTUSERCFG=0,1,\"publisher\",\"espressif\",\"123456789\",0,0,\"\"", Ok);
        await m.CommandAsync($"AT+MQTTCONN=0,\"127.0.0.1\",{Port},1",
            $"+MQTTCONNECTED:0,1,\"127.0.0.1\",\"{Port}\",\"\",1\r\n" + Ok);
        await m.CommandAsync("AT+MQTTCONN?", $"+MQTTCONN:0,4,1,\"127.0.0.1\",\"{Port}\",\"\",1\r\n" + Ok);
        await m.CommandAsync("AT+MQTTSUB=0,\"topic\",1", Ok);
        await m.CommandAsync("AT+MQTTCONN?", $"+MQTTCONN:0,6,1,\"127.0.0.1\",\"{Port}\",\"\",1\r\n" + Ok);
        await m.CommandAsync("AT+MQTTSUB?", "+MQTTSUB:0,6,\"topic\",1\r\n" + Ok);
        await m.CommandAsync("AT+MQTTPUB=0,\"topic\",\"test\",1,0", Ok);
        await m.ExpectAsync("+MQTTSUBRECV:0,\"topic\",4,test\r\n");
        await m.CommandAsync("AT+MQTTCLEAN=0", Ok);
        await m.AssertSilentAsync(TimeSpan.FromMilliseconds(200));
    }

    [Fact]
    public async Task Escaped_json_is_published_as_the_unescaped_bytes()
    {
        await using var probe = await mosquitto.ProbeAsync();
        await probe.SubscribeAsync("topic", 1);
        await using var m = await StartAsync(Dialect.EspAt());
        await m.CommandAsync("AT+MQTTUSERCFG=0,1,\"ESP32\",\"espressif\",\"1234567890\",0,0,\"\"", Ok);
        await m.CommandAsync($"AT+MQTTCONN=0,\"127.0.0.1\",{Port},0",
            $"+MQTTCONNECTED:0,1,\"127.0.0.1\",\"{Port}\",\"\",0\r\n" + Ok);
        await m.CommandAsync("AT+MQTTPUB=0,\"topic\",\"\\\"{\\\"timestamp\\\":\\\"20201121085253\\\"}\\\"\",0,0", Ok);

        // "When AT+MQTTPUB command executes successfully, the MQTT subscriber on topic "topic" will
        // receive the following message: "{"timestamp":"20201121085253"}"" (quotes included).
        var message = await probe.NextAsync();
        Assert.Equal("topic", message.Topic);
        Assert.Equal("\"{\"timestamp\":\"20201121085253\"}\""u8.ToArray(), message.Payload);

        // The ESP-AT syntax page's own example: an escaped comma, quote and backslash.
        await m.CommandAsync("AT+MQTTPUB=0,\"topic\",\"\\\"{\\\"array\\\": [1\\,2\\,3]}\\\" \\\\o/\",1,0", Ok);
        Assert.Equal("\"{\"array\": [1,2,3]}\" \\o/", (await probe.NextAsync()).PayloadText);
        await m.CommandAsync("AT+MQTTCLEAN=0", Ok);
    }

    [Fact]
    public async Task Publish_raw_data_after_the_prompt()
    {
        await using var probe = await mosquitto.ProbeAsync();
        await probe.SubscribeAsync("topic", 1);
        await using var m = await StartAsync(Dialect.EspAt());
        await m.CommandAsync("AT+MQTTUSERCFG=0,1,\"publisher\",\"espressif\",\"123456789\",0,0,\"\"", Ok);
        await m.CommandAsync($"AT+MQTTCONN=0,\"127.0.0.1\",{Port},1",
            $"+MQTTCONNECTED:0,1,\"127.0.0.1\",\"{Port}\",\"\",1\r\n" + Ok);

        // esp-at#248: AT+MQTTPUBRAW=0,"...",2,1,0 / {} / OK / >+MQTTPUB:OK
        await m.CommandAsync("AT+MQTTPUBRAW=0,\"topic\",2,1,0", "\r\nOK\r\n\r\n>");
        await m.SendAsync("{}");
        await m.ExpectAsync("\r\n+MQTTPUB:OK\r\n");
        Assert.Equal("{}", (await probe.NextAsync()).PayloadText);

        // Raw bytes are not escaped and may hold commas, quotes, CR, LF and NUL.
        byte[] raw = [(byte)'a', (byte)',', (byte)'"', 0x0D, 0x0A, 0x00, (byte)'\\', 0xFF];
        await m.CommandAsync($"AT+MQTTPUBRAW=0,\"topic\",{raw.Length},1,0", "\r\nOK\r\n\r\n>");
        await m.SendAsync(raw);
        await m.ExpectAsync("\r\n+MQTTPUB:OK\r\n");
        Assert.Equal(raw, (await probe.NextAsync()).Payload);
        await m.CommandAsync("AT+MQTTCLEAN=0", Ok);
    }

    [Fact]
    public async Task Subscribed_raw_message_comes_back_whole()
    {
        await using var m = await StartAsync(Dialect.EspAt());
        await m.CommandAsync("AT+MQTTUSERCFG=0,1,\"publisher\",\"espressif\",\"123456789\",0,0,\"\"", Ok);
        await m.CommandAsync($"AT+MQTTCONN=0,\"127.0.0.1\",{Port},1",
            $"+MQTTCONNECTED:0,1,\"127.0.0.1\",\"{Port}\",\"\",1\r\n" + Ok);
        await m.CommandAsync("AT+MQTTSUB=0,\"topic\",1", Ok);
        await m.CommandAsync("AT+MQTTPUBRAW=0,\"topic\",5,1,0", "\r\nOK\r\n\r\n>");
        await m.SendAsync("he\r\0o");
        await m.ExpectAsync("\r\n+MQTTPUB:OK\r\n");
        await m.ExpectAsync("+MQTTSUBRECV:0,\"topic\",5,he\r\0o\r\n");
        await m.CommandAsync("AT+MQTTCLEAN=0", Ok);
    }

    [Fact]
    public async Task Already_subscribe_and_no_unsubscribe()
    {
        await using var m = await StartAsync(Dialect.EspAt());
        await m.CommandAsync("AT+MQTTUSERCFG=0,1,\"publisher\",\"espressif\",\"123456789\",0,0,\"\"", Ok);

        // Not connected: there is nothing to unsubscribe.
        await m.CommandAsync("AT+MQTTUNSUB=0,\"topic\"", "NO UNSUBSCRIBE\r\n" + Ok);
        await m.CommandAsync($"AT+MQTTCONN=0,\"127.0.0.1\",{Port},1",
            $"+MQTTCONNECTED:0,1,\"127.0.0.1\",\"{Port}\",\"\",1\r\n" + Ok);
        await m.CommandAsync("AT+MQTTSUB=0,\"topic\",1", Ok);
        await m.CommandAsync("AT+MQTTSUB=0,\"topic\",1", "ALREADY SUBSCRIBE\r\n" + Ok);
        await m.CommandAsync("AT+MQTTSUB=0,\"topic\",0", "ALREADY SUBSCRIBE\r\n" + Ok);
        await m.CommandAsync("AT+MQTTSUB?", "+MQTTSUB:0,6,\"topic\",1\r\n" + Ok);
        await m.CommandAsync("AT+MQTTUNSUB=0,\"other\"", "NO UNSUBSCRIBE\r\n" + Ok);
        await m.CommandAsync("AT+MQTTUNSUB=0,\"topic\"", Ok);
        await m.CommandAsync("AT+MQTTUNSUB=0,\"topic\"", "NO UNSUBSCRIBE\r\n" + Ok);
        await m.CommandAsync("AT+MQTTCLEAN=0", Ok);
    }

    [Fact]
    public async Task Unescaped_comma_empty_data_and_empty_raw_are_errors()
    {
        await using var probe = await mosquitto.ProbeAsync();
        await probe.SubscribeAsync("topic", 1);
        await using var m = await StartAsync(Dialect.EspAt());
        await m.CommandAsync("AT+MQTTUSERCFG=0,1,\"publisher\",\"espressif\",\"123456789\",0,0,\"\"", Ok);
        await m.CommandAsync($"AT+MQTTCONN=0,\"127.0.0.1\",{Port},1",
            $"+MQTTCONNECTED:0,1,\"127.0.0.1\",\"{Port}\",\"\",1\r\n" + Ok);

        // esp-at#647 / #446: JSON without escapes. The quote before timestamp ends the data string,
        // so parameter 2 cannot be parsed: ERR CODE:0x01080002 (ESP-AT adds 0x010a6044 on a second line).
        const string json = "AT+MQTTPUB=0,\"topic\",\"{\"timestamp\":\"20201121085253\",\"a\":1}\",0,0";
        await m.CommandAsync(json, Error);

        // Empty data (esp-at#248) and a PUBRAW of length 0.
        await m.CommandAsync("AT+MQTTPUB=0,\"topic\",\"\",1,0", Error);
        await m.CommandAsync("AT+MQTTPUBRAW=0,\"topic\",0,1,0", Error);

        await m.SysLogOnAsync();
        await m.CommandAsync(json, Err(0x01080002));

        // A bare payload with commas is several parameters: "a,b" puts b where the QoS belongs,
        // "1,2,3" makes 7 parameters where at most 6 exist.
        await m.CommandAsync("AT+MQTTPUB=0,topic,a,b,0,0", Err(0x010a6047));
        await m.CommandAsync("AT+MQTTPUB=0,topic,1,2,3,0,0", Err(0x01060607));
        await m.CommandAsync("AT+MQTTPUB=0,\"topic\",\"\",1,0", Err(0x010a6045));
        await m.CommandAsync("AT+MQTTPUBRAW=0,\"topic\",0,1,0", Err(0x010a604c));

        // Nothing of it reached the broker; the escaped form does.
        await m.CommandAsync("AT+MQTTPUB=0,\"topic\",\"{\\\"a\\\":1\\,\\\"b\\\":2}\",1,0", Ok);
        var message = await probe.NextAsync();
        Assert.Equal("{\"a\":1,\"b\":2}", Encoding.UTF8.GetString(message.Payload));
        await probe.AssertNoMessageAsync(TimeSpan.FromMilliseconds(200));
        await m.CommandAsync("AT+MQTTCLEAN=0", Ok);
    }

    [Fact]
    public async Task Quoted_port_as_esp_at_prints_it_is_accepted()
    {
        await using var m = await StartAsync(Dialect.EspAt());
        await m.CommandAsync("AT+MQTTUSERCFG=0,1,\"publisher\",\"espressif\",\"123456789\",0,0,\"\"", Ok);
        await m.CommandAsync($"AT+MQTTCONN=0,\"127.0.0.1\",\"{Port}\",1",
            $"+MQTTCONNECTED:0,1,\"127.0.0.1\",\"{Port}\",\"\",1\r\n" + Ok);
        await m.CommandAsync("AT+MQTTCLEAN=0", Ok);
    }

    [Fact]
    public async Task Path_is_shown_with_a_leading_slash()
    {
        await using var m = await StartAsync(Dialect.EspAt());
        await m.CommandAsync("AT+MQTTUSERCFG=0,1,\"publisher\",\"\",\"\",0,0,\"mqtt\"", Ok);
        await m.CommandAsync("AT+MQTTCONN?", "+MQTTCONN:0,1,1,\"\",\"0\",\"/mqtt\",0\r\n" + Ok);
        await m.CommandAsync($"AT+MQTTCONN=0,\"127.0.0.1\",{Port},0",
            $"+MQTTCONNECTED:0,1,\"127.0.0.1\",\"{Port}\",\"/mqtt\",0\r\n" + Ok);
        await m.CommandAsync("AT+MQTTCONN?", $"+MQTTCONN:0,4,1,\"127.0.0.1\",\"{Port}\",\"/mqtt\",0\r\n" + Ok);
        await m.CommandAsync("AT+MQTTCLEAN=0", Ok);

        // A path that already starts with '/' is shown as given.
        await m.CommandAsync("AT+MQTTUSERCFG=0,1,\"publisher\",\"\",\"\",0,0,\"/ws/mqtt\"", Ok);
        await m.CommandAsync("AT+MQTTCONN?", "+MQTTCONN:0,1,1,\"\",\"0\",\"/ws/mqtt\",0\r\n" + Ok);
    }
}
