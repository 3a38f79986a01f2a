using AtMqtt.Core.Tests.Profiles;
using Xunit;
using static AtMqtt.Testing.InMemoryModem;

namespace AtMqtt.Core.Tests.Commands;

/// <summary>
/// ESP-AT v2.2's AT+MQTTCLIENTID / AT+MQTTUSERNAME / AT+MQTTPASSWORD=&lt;LinkID&gt;,&lt;"value"&gt; (the
/// esp-at-2.2 profile): set only, after AT+MQTTUSERCFG, bounded by the 256-byte line; and what they set
/// is what the broker sees (MQTTnet's broker byte for byte, mosquitto with a password file).
/// </summary>
public sealed class MqttCredentialsTests : IClassFixture<BrokerFixture>
{
    private static readonly string[] Commands = ["AT+MQTTCLIENTID", "AT+MQTTUSERNAME", "AT+MQTTPASSWORD"];

    private readonly BrokerFixture _broker;

    public MqttCredentialsTests(BrokerFixture broker)
    {
        _broker = broker;
    }

    [Fact]
    public async Task Each_takes_a_link_id_and_one_non_empty_string_after_USERCFG()
    {
        await using var m = await ProfileTests.StartAsync("esp-at-2.2");
        uint[] isNull = [0x010a6015, 0x010a6018, 0x010a601b];

        // Before AT+MQTTUSERCFG: NO_CONFIGURED.
        foreach (string command in Commands)
        {
            await m.CommandAsync($"{command}=0,\"v\"", Err(0x010a6001));
        }

        await m.UserConfigAsync("short");
        for (int i = 0; i < Commands.Length; i++)
        {
            string command = Commands[i];
            await m.CommandAsync($"{command}=0,\"\"", Err(isNull[i]));
            await m.CommandAsync($"{command}=1,\"v\"", Err(0x010a6011));
            await m.CommandAsync($"{command}=0", Err(0x01060201));
            await m.CommandAsync($"{command}=0,\"v\",\"w\"", Err(0x01060203));

            // Set only: v2.2 removed the query forms that v2.1 had (and no release had test forms).
            await m.CommandAsync($"{command}?", Err(0x010c0000));
            await m.CommandAsync($"{command}=?", Err(0x010c0000));
            await m.CommandAsync(command, Err(0x010c0000));
        }

        // Nothing above changed the configuration.
        var user = m.Modem.Link.User!;
        Assert.Equal("short", user.ClientId);
        Assert.Equal("", user.Username);
        Assert.Empty(user.Password);

        // Escapes as in every string parameter; the value replaces USERCFG's.
        await m.CommandAsync("AT+MQTTCLIENTID=0,\"a\\,b\\\"c\\\\d\"", Ok);
        await m.CommandAsync("AT+MQTTUSERNAME=0,bare-user", Ok);
        await m.CommandAsync("AT+MQTTPASSWORD=0,\"p\\,w\"", Ok);
        user = m.Modem.Link.User!;
        Assert.Equal("a,b\"c\\d", user.ClientId);
        Assert.Equal("bare-user", user.Username);
        Assert.Equal("p,w"u8.ToArray(), user.Password);

        // A USERCFG after them starts over, as the page says to send them after it.
        await m.UserConfigAsync("again");
        Assert.Equal("again", m.Modem.Link.User!.ClientId);
        Assert.Equal("", m.Modem.Link.User!.Username);
    }

    [Fact]
    public async Task A_value_may_fill_the_256_byte_line_which_USERCFG_cannot_take()
    {
        await using var m = await ProfileTests.StartAsync("esp-at-2.2");
        await m.UserConfigAsync("short");
        foreach (string command in Commands)
        {
            // AT+MQTTxxxxxxxx=0,"..." is 20 bytes around the value: 236 bytes fill the line.
            string value = new string('v', 235) + command[^1];
            string line = $"{command}=0,\"{value}\"";
            Assert.Equal(256, line.Length);
            await m.CommandAsync(line, Ok);
        }

        var user = m.Modem.Link.User!;
        Assert.Equal(new string('v', 235) + "D", user.ClientId);
        Assert.Equal(new string('v', 235) + "E", user.Username);
        Assert.Equal(236, user.Password.Length);

        // USERCFG's own fields stop at 64 bytes.
        await m.CommandAsync($"AT+MQTTUSERCFG=0,1,\"c\",\"{new string('u', 65)}\",\"\",0,0,\"\"", Err(0x010a6019));
    }

    [Fact]
    public async Task What_they_set_is_what_the_broker_sees_and_nothing_changes_while_connected()
    {
        string clientId = Unique.Id("v22") + ",with\"escapes";
        string username = "user-" + new string('u', 100);
        string password = "pass,word-" + new string('p', 100);
        await using var m = await ProfileTests.StartAsync("esp-at-2.2");
        await m.CommandAsync("AT+MQTTUSERCFG=0,1,\"placeholder\",\"nobody\",\"wrong\",0,0,\"\"", Ok);
        await m.CommandAsync($"AT+MQTTCLIENTID=0,\"{Escape(clientId)}\"", Ok);
        await m.CommandAsync($"AT+MQTTUSERNAME=0,\"{username}\"", Ok);
        await m.CommandAsync($"AT+MQTTPASSWORD=0,\"{Escape(password)}\"", Ok);
        await m.CommandAsync($"AT+MQTTCONN=0,\"127.0.0.1\",{_broker.Port},0", $"+MQTTCONNECTED:0,1,\"127.0.0.1\",\"{_broker.Port}\",\"\",0\r\n" + Ok);

        var seen = _broker.LastConnect(clientId);
        Assert.NotNull(seen);
        Assert.Equal(username, seen.UserName);
        Assert.Equal(password, seen.Password);
        Assert.Null(_broker.LastConnect("placeholder"));

        foreach (string command in Commands)
        {
            await m.CommandAsync($"{command}=0,\"later\"", Err(0x010a6004));
        }

        await m.CommandAsync("AT+MQTTCLEAN=0", Ok);
    }

    [Fact]
    public async Task Mosquitto_takes_the_username_and_password_they_set_and_refuses_a_wrong_one()
    {
        // Both longer than USERCFG's 64 bytes: only these commands can send them on v2.2.
        string username = "v22-" + new string('u', 80);
        string password = "secret-" + new string('p', 120);
        string clientId = Unique.Id("v22m");
        await using var broker = await MosquittoBroker.StartWithPasswordsAsync((username, password), ("probe", "probe"));
        await using var m = await ProfileTests.StartAsync("esp-at-2.2");
        await m.UserConfigAsync("placeholder");
        await m.CommandAsync($"AT+MQTTCLIENTID=0,\"{clientId}\"", Ok);
        await m.CommandAsync($"AT+MQTTUSERNAME=0,\"{username}\"", Ok);

        // A password one byte short is a wrong password: the broker refuses the CONNECT.
        await m.CommandAsync($"AT+MQTTPASSWORD=0,\"{password[..^1]}\"", Ok);
        await m.CommandAsync($"AT+MQTTCONN=0,\"127.0.0.1\",{broker.Port},0", "+MQTTDISCONNECTED:0\r\n" + Err(0x010a600b));

        await m.CommandAsync($"AT+MQTTPASSWORD=0,\"{password}\"", Ok);
        await m.CommandAsync($"AT+MQTTCONN=0,\"127.0.0.1\",{broker.Port},0", $"+MQTTCONNECTED:0,1,\"127.0.0.1\",\"{broker.Port}\",\"\",0\r\n" + Ok);

        // The broker knows the modem by the client id set: a client taking that id over pushes it off.
        await using var thief = await MqttProbe.ConnectAsync(FreePort.Host, broker.Port, clientId, username: "probe", password: "probe");
        await m.ExpectAsync("+MQTTDISCONNECTED:0\r\n");
    }

    private static string Escape(string value) => value.Replace("\\", "\\\\", StringComparison.Ordinal).Replace(",", "\\,", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal);
}
