using Xunit;

namespace AtMqtt.Modem.Tests.Cli;

/// <summary>The USERCFG (and LONGPASSWORD) password never appears in the logs, even at Trace level.</summary>
public sealed class LogRedactionTests
{
    [Theory]
    [InlineData(BrokerKind.Embedded)]
    [InlineData(BrokerKind.Mosquitto)]
    public async Task Logs_NeverContainTheUserCfgPassword(BrokerKind kind)
    {
        string user = Unique.Id("user");
        string password = "Pw-" + Guid.NewGuid().ToString("N");
        string wrongPassword = "Wrong-" + Guid.NewGuid().ToString("N");

        // Longer than USERCFG allows (64 bytes): only AT+MQTTLONGPASSWORD can set it.
        string longPassword = "Long-" + Guid.NewGuid().ToString("N") + Guid.NewGuid().ToString("N") + "-x";

        // mosquitto checks the password, proving the modem really sends the one it never logs.
        await using var mosquittoBroker = kind == BrokerKind.Mosquitto
            ? await MosquittoBroker.StartWithPasswordsAsync((user, longPassword))
            : null;
        int brokerPort = mosquittoBroker?.Port ?? FreePort.Get();
        string[] args = mosquittoBroker is null
            ? ["--embedded-broker", brokerPort.ToString(System.Globalization.CultureInfo.InvariantCulture), "--log-level", "Trace"]
            : ["--log-level", "Trace"];

        await using var modem = await LiveModem.StartAsync(args);
        await using var probe = await MqttProbe.ConnectAsync(FreePort.Host, brokerPort, username: user, password: longPassword);
        string topic = Unique.Topic("redact");
        string clientId = Unique.Id("redact");

        // A command with the password that fails to parse (extra parameter).
        await modem.ExpectAsync($"AT+MQTTUSERCFG=0,1,\"{clientId}\",\"{user}\",\"{password}\",0,0,\"\",9", "\r\nERROR\r\n");

        if (mosquittoBroker is not null)
        {
            // The wrong password is refused, with the exact failure response.
            await modem.OkAsync($"AT+MQTTUSERCFG=0,1,\"{clientId}\",\"{user}\",\"{wrongPassword}\",0,0,\"\"");
            await modem.ExpectAsync($"AT+MQTTCONN=0,\"127.0.0.1\",{brokerPort},0", "+MQTTDISCONNECTED:0\r\n\r\nERROR\r\n");
        }

        await modem.OkAsync($"AT+MQTTUSERCFG=0,1,\"{clientId}\",\"{user}\",\"{password}\",0,0,\"\"");
        string longCommand = $"AT+MQTTLONGPASSWORD=0,{longPassword.Length}";
        await modem.Host.SendAsync(longCommand + "\r\n");
        await modem.ExpectBytesAsync(longCommand + "\r\n\r\nOK\r\n\r\n>");
        await modem.Host.SendAsync(longPassword);
        await modem.ExpectBytesAsync("\r\nOK\r\n");

        // mosquitto only knows the long password: connecting proves it replaced the USERCFG one.
        await modem.OkAsync($"AT+MQTTCONNCFG=0,30,0,\"{topic}/will\",\"bye\",0,0");
        await modem.ExpectAsync($"AT+MQTTCONN=0,\"127.0.0.1\",{brokerPort},0", LiveModem.ConnectedResponse(brokerPort, 0));
        await modem.OkAsync($"AT+MQTTSUB=0,\"{topic}\",1");
        await modem.OkAsync($"AT+MQTTPUB=0,\"{topic}\",\"hello\",1,0");
        await modem.ExpectBytesAsync(LiveModem.SubRecv(topic, "hello"));
        await probe.PublishAsync(topic, "from probe", 0, retain: false);
        await modem.ExpectBytesAsync(LiveModem.SubRecv(topic, "from probe"));
        await modem.OkAsync($"AT+MQTTUNSUB=0,\"{topic}\"");
        await modem.OkAsync("AT+MQTTCLEAN=0");
        await modem.ExpectAsync("AT+RST", "\r\nOK\r\n");
        await modem.ExpectBytesAsync("ready\r\n");

        // The whole session was logged (Trace), just not the secrets.
        string log = modem.Process.StdErr;
        Assert.Contains(clientId, log);
        Assert.Contains("***", log);
        foreach (var secret in new[] { password, wrongPassword, longPassword })
        {
            Assert.DoesNotContain(secret, log);
            Assert.DoesNotContain(secret[^20..], log);
        }
    }
}
