using AtMqtt.Core.Dialects;
using MQTTnet.Protocol;
using Xunit;
using static AtMqtt.Testing.InMemoryModem;

namespace AtMqtt.Core.Tests.Commands;

/// <summary>
/// AT+MQTTLONGCLIENTID / AT+MQTTLONGUSERNAME / AT+MQTTLONGPASSWORD: 1..1024 raw bytes after a
/// <c>&gt;</c> prompt, only after AT+MQTTUSERCFG; and proof against a real mosquitto (password file,
/// no anonymous access) that 1024-byte values reach the broker whole.
/// </summary>
public sealed class MqttLongTests
{
    private static readonly string[] Commands = ["AT+MQTTLONGCLIENTID", "AT+MQTTLONGUSERNAME", "AT+MQTTLONGPASSWORD"];

    /// <summary>A printable 1024-byte value that differs from its own 1023-byte prefix at the end.</summary>
    private static string Long(char c, int length = 1024) => new string(c, length - 1) + "Z";

    [Theory]
    [InlineData("esp-at")]
    [InlineData("seed")]
    public async Task Lengths_1_and_1024_are_accepted_0_and_1025_are_errors(string dialect)
    {
        await using var m = await StartAsync(Dialect.FromName(dialect)!);
        await m.SysLogOnAsync();
        uint[] overlength = [0x010a6016, 0x010a6019, 0x010a601c];

        // Before AT+MQTTUSERCFG: NO_CONFIGURED, and no prompt.
        foreach (string command in Commands)
        {
            await m.CommandAsync($"{command}=0,5", Err(0x010a6001));
        }

        await m.CommandAsync("AT+MQTTUSERCFG=0,1,\"short\",\"\",\"\",0,0,\"\"", Ok);
        for (int i = 0; i < Commands.Length; i++)
        {
            await m.CommandAsync($"{Commands[i]}=0,0", Err(overlength[i]));
            await m.CommandAsync($"{Commands[i]}=0,1025", Err(overlength[i]));
            await m.CommandAsync($"{Commands[i]}=1,1", Err(0x010a6011));
            await m.CommandAsync($"{Commands[i]}=0", Err(0x01060201));

            await m.CommandAsync($"{Commands[i]}=0,1", "\r\nOK\r\n\r\n>");
            await m.SendAsync("x");
            await m.ExpectAsync(Ok);

            // No terminator is needed: the prompt takes exactly the announced bytes, CR and LF included.
            await m.CommandAsync($"{Commands[i]}=0,1024", "\r\nOK\r\n\r\n>");
            await m.SendAsync(Long('a', 1023) + "\n");
            await m.ExpectAsync(Ok);
            await m.CommandAsync("AT", Ok);
        }

        var user = m.Modem.Link.User!;
        Assert.Equal(Long('a', 1023) + "\n", user.ClientId);
        Assert.Equal(Long('a', 1023) + "\n", user.Username);
        Assert.Equal(1024, user.Password.Length);
    }

    [Fact]
    public async Task Data_phase_timeout_answers_error_and_keeps_the_old_value()
    {
        await using var m = await StartAsync(Dialect.EspAt(), TimeSpan.FromMilliseconds(300));
        await m.CommandAsync("AT+MQTTUSERCFG=0,1,\"short\",\"\",\"\",0,0,\"\"", Ok);
        await m.CommandAsync("AT+MQTTLONGCLIENTID=0,10", "\r\nOK\r\n\r\n>");
        await m.SendAsync("abc");
        await m.ExpectAsync(Error, TimeSpan.FromSeconds(5));
        Assert.Equal("short", m.Modem.Link.User!.ClientId);
        await m.CommandAsync("AT", Ok);
    }

    [Fact]
    public async Task Long_client_id_username_and_password_reach_mosquitto()
    {
        string clientId = Long('c');
        string username = Long('u');
        string password = Long('p');
        string topic = Unique.Topic("longwill");
        await using var broker = await MosquittoBroker.StartWithPasswordsAsync((username, password), ("probe", "probe"));

        // The broker really refuses strangers.
        var refused = await Assert.ThrowsAsync<MqttProbeConnectException>(() => MqttProbe.ConnectAsync(FreePort.Host, broker.Port));
        Assert.Equal(MQTTnet.MqttClientConnectResultCode.NotAuthorized, refused.ResultCode);
        await using var probe = await MqttProbe.ConnectAsync(FreePort.Host, broker.Port, username: "probe", password: "probe");
        await probe.SubscribeAsync(topic, 1);

        await using var m = await StartAsync(Dialect.EspAt());
        await m.CommandAsync("AT+MQTTUSERCFG=0,1,\"placeholder\",\"nobody\",\"wrong\",0,0,\"\"", Ok);
        await m.CommandAsync($"AT+MQTTCONNCFG=0,60,0,\"{topic}\",\"long gone\",1,0", Ok);

        // A 1023-byte prefix of the password is a wrong password.
        await SetLongAsync(m, "AT+MQTTLONGCLIENTID", clientId);
        await SetLongAsync(m, "AT+MQTTLONGUSERNAME", username);
        await SetLongAsync(m, "AT+MQTTLONGPASSWORD", password[..1023]);
        await m.CommandAsync($"AT+MQTTCONN=0,\"127.0.0.1\",{broker.Port},0", "+MQTTDISCONNECTED:0\r\n" + Error);

        await SetLongAsync(m, "AT+MQTTLONGPASSWORD", password);
        await m.CommandAsync($"AT+MQTTCONN=0,\"127.0.0.1\",{broker.Port},0",
            $"+MQTTCONNECTED:0,1,\"127.0.0.1\",\"{broker.Port}\",\"\",0\r\n" + Ok);

        // Configuration cannot change while connected.
        await m.CommandAsync("AT+MQTTLONGPASSWORD=0,3", Error);

        // The broker knows the client by the whole 1024-byte id: a client taking that id over (and
        // only that id) pushes the modem off, and the broker then publishes the modem's will.
        await using (var prefix = await MqttProbe.ConnectAsync(FreePort.Host, broker.Port, clientId[..1023], username: "probe", password: "probe"))
        {
            await m.AssertSilentAsync(TimeSpan.FromMilliseconds(300));
        }

        await using var thief = await MqttProbe.ConnectAsync(FreePort.Host, broker.Port, clientId, username: "probe", password: "probe");
        await m.ExpectAsync("+MQTTDISCONNECTED:0\r\n");
        var will = await probe.NextAsync();
        Assert.Equal(topic, will.Topic);
        Assert.Equal("long gone", will.PayloadText);
        Assert.Equal((int)MqttQualityOfServiceLevel.AtLeastOnce, will.Qos);
    }

    private static async Task SetLongAsync(InMemoryModem m, string command, string value)
    {
        await m.CommandAsync($"{command}=0,{value.Length}", "\r\nOK\r\n\r\n>");
        await m.SendAsync(value);
        await m.ExpectAsync(Ok);
    }
}
