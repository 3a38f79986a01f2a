using AtMqtt.Core.Dialects;
using Xunit;
using static AtMqtt.Testing.InMemoryModem;

namespace AtMqtt.Core.Tests.Commands;

/// <summary>AT+MQTTALPN and AT+MQTTSNI: stored for the TLS schemes, only after AT+MQTTUSERCFG.</summary>
public sealed class MqttAlpnSniTests
{
    [Theory]
    [InlineData("esp-at")]
    [InlineData("seed")]
    public async Task Alpn_takes_0_to_5_protocols(string dialect)
    {
        await using var m = await StartAsync(Dialect.FromName(dialect)!);
        await m.SysLogOnAsync();
        await m.CommandAsync("AT+MQTTALPN=0,1,\"mqtt\"", Err(0x010a6001));
        await m.CommandAsync("AT+MQTTUSERCFG=0,1,\"c\",\"\",\"\",0,0,\"\"", Ok);

        // The ESP-AT example.
        await m.CommandAsync("AT+MQTTALPN=0,2,\"mqtt-ca.cn\",\"mqtt-ca.us\"", Ok);
        Assert.Equal(["mqtt-ca.cn", "mqtt-ca.us"], m.Modem.Link.Tls.Alpn);

        string[] five = ["a", "b", "c", "d", "e"];
        for (int n = 1; n <= 5; n++)
        {
            string list = string.Join(",", five.Take(n).Select(p => $"\"{p}\""));
            await m.CommandAsync($"AT+MQTTALPN=0,{n},{list}", Ok);
            Assert.Equal(five.Take(n), m.Modem.Link.Tls.Alpn);
        }

        await m.CommandAsync("AT+MQTTALPN=0,0", Ok);
        Assert.Empty(m.Modem.Link.Tls.Alpn);

        // Count and list disagree: parameter count error, nothing changed.
        await m.CommandAsync("AT+MQTTALPN=0,1,\"x\"", Ok);
        await m.CommandAsync("AT+MQTTALPN=0,2,\"a\"", Err(0x01060403));
        await m.CommandAsync("AT+MQTTALPN=0,1,\"a\",\"b\"", Err(0x01060304));
        await m.CommandAsync("AT+MQTTALPN=0,0,\"a\"", Err(0x01060203));
        await m.CommandAsync("AT+MQTTALPN=0,6,\"a\",\"b\",\"c\",\"d\",\"e\",\"f\"", Err(0x01060708));
        await m.CommandAsync("AT+MQTTALPN=0,6,\"a\",\"b\",\"c\",\"d\",\"e\"", Err(0x010a6008));
        await m.CommandAsync("AT+MQTTALPN=0,1,\"\"", Err(0x01070002));
        Assert.Equal(["x"], m.Modem.Link.Tls.Alpn);

        // AT+MQTTCLEAN forgets it.
        await m.CommandAsync("AT+MQTTCLEAN=0", Ok);
        Assert.Empty(m.Modem.Link.Tls.Alpn);
    }

    [Theory]
    [InlineData("esp-at")]
    [InlineData("seed")]
    public async Task Sni_is_stored_after_usercfg(string dialect)
    {
        await using var m = await StartAsync(Dialect.FromName(dialect)!);
        await m.SysLogOnAsync();
        await m.CommandAsync("AT+MQTTSNI=0,\"broker.example.com\"", Err(0x010a6001));
        Assert.Null(m.Modem.Link.Tls.Sni);
        await m.CommandAsync("AT+MQTTUSERCFG=0,1,\"c\",\"\",\"\",0,0,\"\"", Ok);
        await m.CommandAsync("AT+MQTTSNI=0,\"broker.example.com\"", Ok);
        Assert.Equal("broker.example.com", m.Modem.Link.Tls.Sni);
        await m.CommandAsync("AT+MQTTSNI=0,\"\"", Err(0x010a603b));
        await m.CommandAsync("AT+MQTTSNI=0", Err(0x01060201));
        await m.CommandAsync("AT+MQTTSNI=1,\"x\"", Err(0x010a6011));
        Assert.Equal("broker.example.com", m.Modem.Link.Tls.Sni);

        // The longest SNI a 256-byte line can carry (the 253-byte check behind it is unreachable).
        string longest = new('s', 256 - "AT+MQTTSNI=0,\"\"".Length);
        await m.CommandAsync($"AT+MQTTSNI=0,\"{longest}\"", Ok);
        Assert.Equal(longest, m.Modem.Link.Tls.Sni);

        // ALPN and SNI are independent settings of the same TLS configuration.
        await m.CommandAsync("AT+MQTTALPN=0,1,\"mqtt\"", Ok);
        Assert.Equal(longest, m.Modem.Link.Tls.Sni);
        await m.CommandAsync("AT+MQTTSNI=0,\"other.example.com\"", Ok);
        Assert.Equal(["mqtt"], m.Modem.Link.Tls.Alpn);
        Assert.Equal("other.example.com", m.Modem.Link.Tls.Sni);
    }
}
