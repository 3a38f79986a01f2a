using System.Text;
using AtMqtt.Client.Internal;
using Microsoft.Extensions.Logging;
using Xunit;

namespace AtMqtt.Client.Tests;

/// <summary>
/// <see cref="AtMqttClientOptions.Logger"/>: every line in and out at Trace with its direction, and no secret
/// in any entry, also when the module echoes the commands or prints a secret back.
/// </summary>
public sealed class LoggingTests
{
    private static readonly TimeSpan Wait = FakeModule.Patience;

    private const string Password = "mqtt-Passw0rd-7c1f";
    private const string WifiPassword = "wifi-Passw0rd-93ab";
    private const string RawSecret = "raw,Passw0rd-55e0"; // a comma: escaped on the line, so both forms must be hidden
    private static readonly string LongPassword = "long-Passw0rd-" + new string('q', 86);

    [Fact]
    public async Task Every_line_is_traced_both_ways_and_no_secret_is()
    {
        var log = new CapturingLogger();
        await using var fake = new FakeModule { Echo = true };
        await using var client = fake.CreateClient(new AtMqttClientOptions
        {
            Logger = log,
            DisableEcho = false, // the module echoes every command line, secrets included
            CommandTimeout = TimeSpan.FromSeconds(3),
            NetworkTimeout = TimeSpan.FromSeconds(3),
        });

        var init = client.InitializeAsync();
        string line;
        while ((line = await fake.ReadLineAsync()) == "AT") // more than one if the client's patience ran out first
        {
            await fake.OkAsync();
        }

        Assert.Equal("AT+MQTTCONN?", line);
        await fake.OkAsync(FakeModule.ConnLine(AtDialect.EspAt, false));
        await fake.ExpectAsync("AT+SYSLOG=1");
        await fake.OkAsync();
        await init.WaitAsync(Wait);

        // AT+MQTTUSERCFG's password, and the broker's answer.
        var connect = client.ConnectAsync(new AtMqttConnectOptions { Host = "broker", ClientId = "c1", Username = "user", Password = Password });
        await fake.ExpectAsync("AT+MQTTCLEAN=0");
        await fake.OkAsync();
        await fake.ExpectAsync($"AT+MQTTUSERCFG=0,1,\"c1\",\"user\",\"{Password}\",0,0,\"\"");
        await fake.OkAsync();
        await fake.ExpectAsync("AT+MQTTCONN=0,\"broker\",1883,0");
        await fake.OkAsync("+MQTTCONNECTED:0,1,\"broker\",\"1883\",\"\",0");
        await connect.WaitAsync(Wait);

        // AT+CWJAP's password.
        var join = client.JoinWifiAsync("home", WifiPassword);
        await fake.ExpectAsync("AT+CWMODE=1");
        await fake.OkAsync();
        await fake.ExpectAsync($"AT+CWJAP=\"home\",\"{WifiPassword}\"");
        await fake.OkAsync("WIFI CONNECTED", "WIFI GOT IP");
        await join.WaitAsync(Wait);

        // AT+MQTTLONGPASSWORD's data, which this module even prints back.
        var configure = client.ConfigureUserAsync(new AtMqttUserConfig { ClientId = "c1", Password = LongPassword });
        await fake.ExpectAsync("AT+MQTTUSERCFG=0,1,\"c1\",\"\",\"\",0,0,\"\"");
        await fake.OkAsync();
        await fake.ExpectAsync($"AT+MQTTLONGPASSWORD=0,{LongPassword.Length}");
        await fake.SendAsync("\r\nOK\r\n\r\n>");
        Assert.Equal(LongPassword, Encoding.ASCII.GetString(await fake.ReadBytesAsync(LongPassword.Length)));
        await fake.OkAsync($"+MQTTLONGPASSWORD:\"{LongPassword}\"");
        await configure.WaitAsync(Wait);

        // A secret in a line the application wrote itself.
        string rawLine = "AT+CWJAP=\"home\",\"" + RawSecret.Replace(",", "\\,", StringComparison.Ordinal) + "\"";
        var raw = client.ExecuteCommandAsync(rawLine);
        await fake.ExpectAsync(rawLine);
        await fake.OkAsync();
        await raw.WaitAsync(Wait);

        // A data phase and a message, given by their length.
        var publish = client.PublishAsync("out", new byte[] { 1, 2, 3 }, MqttQos.AtLeastOnce);
        await fake.ExpectAsync("AT+MQTTPUBRAW=0,\"out\",3,1,0");
        await fake.SendAsync("\r\nOK\r\n\r\n>");
        await fake.ReadBytesAsync(3);
        await fake.SendAsync("\r\n+MQTTSUBRECV:0,\"in/t\",5,hello\r\n\r\n+MQTTPUB:OK\r\n");
        await publish.WaitAsync(Wait);
        Assert.Equal("hello", (await client.Messages.ReadAsync().AsTask().WaitAsync(Wait)).PayloadText);

        string[] sent =
        [
            "AT+MQTTCONN?",
            "AT+SYSLOG=1",
            "AT+MQTTCLEAN=0",
            "AT+MQTTUSERCFG=0,1,\"c1\",\"user\",\"***\",0,0,\"\"",
            "AT+MQTTCONN=0,\"broker\",1883,0",
            "AT+CWMODE=1",
            "AT+CWJAP=\"home\",\"***\"",
            "AT+MQTTUSERCFG=0,1,\"c1\",\"\",\"\",0,0,\"\"",
            $"AT+MQTTLONGPASSWORD=0,{LongPassword.Length}",
            $"<{LongPassword.Length} bytes of data>",
            "AT+CWJAP=\"home\",\"***\"",
            "AT+MQTTPUBRAW=0,\"out\",3,1,0",
            "<3 bytes of data>",
        ];
        Assert.Equal("AT", log.Lines("TX")[0]);
        Assert.Equal(sent, log.Lines("TX").SkipWhile(l => l == "AT"));

        // Received: each echo (as the command, hidden the same way), the answers, the prompt, the message.
        var received = log.Lines("RX");
        Assert.Equal(sent.Where(l => !l.StartsWith('<')), received.Where(sent.Contains));
        Assert.Contains("+MQTTCONNECTED:0,1,\"broker\",\"1883\",\"\",0", received);
        Assert.Contains("WIFI GOT IP", received);
        Assert.Contains("+MQTTLONGPASSWORD:\"***\"", received);
        Assert.Contains(">", received);
        Assert.Contains("+MQTTSUBRECV:0,\"in/t\",5,<5 bytes>", received);
        Assert.Contains("+MQTTPUB:OK", received);
        Assert.True(received.Count(l => l == "OK") >= 12, string.Join(" | ", received));

        Assert.All(log.Entries, e =>
        {
            Assert.Equal(LogLevel.Trace, e.Level);
            Assert.Equal(Equals(e.Value("Direction"), "TX") ? (1, "AtSent") : (2, "AtReceived"), (e.EventId.Id, e.EventId.Name));
            Assert.Equal($"{e.Value("Direction")} {e.Value("Line")}", e.Message);
            foreach (string secret in new[] { Password, WifiPassword, LongPassword, RawSecret, "Passw0rd" })
            {
                Assert.DoesNotContain(secret, e.AllText, StringComparison.Ordinal);
            }
        });
    }

    [Theory]
    [InlineData("AT+CWJAP=\"home\",\"p\\,w\\\"d\",\"aa:bb\"", "AT+CWJAP=\"home\",\"***\",\"aa:bb\"", "p,w\"d")]
    [InlineData("AT+MQTTUSERCFG=0,1,\"id\",\"user\",\"pw\",0,0,\"\"", "AT+MQTTUSERCFG=0,1,\"id\",\"user\",\"***\",0,0,\"\"", "pw")]
    [InlineData("AT+MQTTUSERCFG=0,1,id,user,pw,0,0,", "AT+MQTTUSERCFG=0,1,id,user,***,0,0,", "pw")]
    [InlineData("AT+CWSAP=\"ap\",\"appw\",5,3", "AT+CWSAP=\"ap\",\"***\",5,3", "appw")]
    [InlineData("AT+CWJEAP=\"ssid\",1,\"id\",\"user\",\"eappw\",0", "AT+CWJEAP=\"ssid\",1,\"id\",\"user\",\"***\",0", "eappw")]
    [InlineData("AT+CIPSSLCPSK=0,\"k3y\",\"hint\"", "AT+CIPSSLCPSK=0,\"***\",\"***\"", "k3y")]
    [InlineData("AT+QICSGP=1,1,\"iot\",\"user\",\"pdppw\",1", "AT+QICSGP=1,1,\"iot\",\"user\",\"***\",1", "pdppw")]
    [InlineData("AT+QMTCONN=0,\"dev1\",\"user\",\"qmtpw\"", "AT+QMTCONN=0,\"dev1\",\"user\",\"***\"", "qmtpw")]
    [InlineData("AT+CMQTTCONNECT=0,\"tcp://h:1883\",60,1,\"user\",\"cmqttpw\"", "AT+CMQTTCONNECT=0,\"tcp://h:1883\",60,1,\"user\",\"***\"", "cmqttpw")]
    [InlineData("AT+CWJAP=\"home\",\"\"", "AT+CWJAP=\"home\",\"***\"", null)]
    [InlineData("AT+CWJAP=\"home\"", "AT+CWJAP=\"home\"", null)]
    [InlineData("AT+CWJAP?", "AT+CWJAP?", null)]
    [InlineData("AT+CWJAP=\"unterminated\\", "AT+CWJAP=\"unterminated\\", null)]
    public void Raw_lines_hide_the_secret_parameters_of_known_commands(string line, string logged, string? secret)
    {
        var raw = AtLine.Raw(line);
        Assert.Equal(logged, raw.ToLogText());
        Assert.Equal(line, System.Text.Encoding.UTF8.GetString(raw.Span)); // what is sent is untouched
        Assert.Equal(secret is null ? [] : [secret], raw.Secrets.Select(s => System.Text.Encoding.UTF8.GetString(s)).Take(1));
    }

    [Fact]
    public void Scrubbing_ends_and_hides_every_occurrence_even_of_a_secret_that_looks_like_the_mask()
    {
        Assert.Equal("a *** b ***", AtLine.Scrub("a *** b ***"u8, ["***"u8.ToArray(), []]));
        Assert.Equal("p=***,*** \\x0D", AtLine.Scrub("p=pw,pw \r"u8, ["pw"u8.ToArray()]));
        Assert.Equal("OK", AtLine.Scrub("OK"u8, []));
    }

    [Fact]
    public async Task Lines_that_are_not_utf8_text_are_traced_escaped_on_one_line()
    {
        var log = new CapturingLogger();
        await using var fake = new FakeModule();
        await using var client = fake.CreateClient(new AtMqttClientOptions { Logger = log, StartupTimeout = TimeSpan.FromSeconds(5) });
        var init = client.InitializeAsync();
        await fake.SendBytesAsync([0xF8, 0x00, (byte)'a', 0x1B, 0xC3, 0xA9, 0x0D, 0x0A]); // boot noise
        await fake.HandshakeAsync();
        await init.WaitAsync(Wait);
        Assert.Contains("\\xF8\\x00a\\x1Bé", log.Lines("RX"));
    }

    [Fact]
    public async Task Nothing_is_logged_when_trace_is_off()
    {
        var log = new CapturingLogger(LogLevel.Debug);
        await using var fake = new FakeModule();
        await using var client = await fake.StartClientAsync(options: new AtMqttClientOptions { Logger = log });
        var publish = client.PublishAsync("t", "v");
        await fake.ExpectAsync("AT+MQTTPUB=0,\"t\",\"v\",0,0");
        await fake.OkAsync();
        await publish.WaitAsync(Wait);
        Assert.Empty(log.Entries);
    }
}
