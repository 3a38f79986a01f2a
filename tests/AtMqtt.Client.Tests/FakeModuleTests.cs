using System.Text;
using Xunit;

namespace AtMqtt.Client.Tests;

/// <summary>
/// The client against a scripted module that reproduces what real ESP-AT firmware does and the modem never
/// does: URCs between OK and '&gt;', busy p..., lines split across reads, CR-only line ends, echo, a reset in
/// the middle of a command, late answers.
/// </summary>
public sealed class FakeModuleTests
{
    private static readonly TimeSpan Wait = FakeModule.Patience;

    [Theory]
    [InlineData(AtDialect.Seed)]
    [InlineData(AtDialect.EspAt)]
    public async Task Initialisation_turns_echo_off_and_detects_the_dialect(AtDialect dialect)
    {
        await using var fake = new FakeModule { Echo = true };
        await using var client = fake.CreateClient();
        var init = client.InitializeAsync();

        // A module that just booted: noise at the wrong baud rate, then ready.
        await fake.SendBytesAsync([0xF8, 0x00, 0x9C, 0xE0, 0x0D, 0xFF, 0x0A]);
        await fake.SendAsync("\r\nready\r\n");
        await fake.HandshakeAsync(dialect, connected: true);
        await init.WaitAsync(Wait);

        Assert.Equal(dialect, client.Dialect);
        Assert.True(client.IsConnected);
        Assert.Equal(["AT", "AT+MQTTCONN?", "ATE0", "AT+SYSLOG=1"], fake.Lines);
    }

    [Fact]
    public async Task Initialisation_retries_AT_until_a_booting_module_answers()
    {
        await using var fake = new FakeModule();
        await using var client = fake.CreateClient();
        var init = client.InitializeAsync();
        await fake.ExpectAsync("AT"); // not answered: still booting
        await fake.ExpectAsync("AT");
        await fake.SendAsync("busy p...\r\n");
        await fake.ExpectAsync("AT");
        await fake.OkAsync();
        await fake.ExpectAsync("AT+MQTTCONN?");
        await fake.SendAsync("\r\nOK\r\n"); // the late answer to an earlier AT: not taken for the query's
        await fake.ErrorAsync(); // no MQTT query: assume ESP-AT
        await fake.ExpectAsync("ATE0");
        await fake.OkAsync();
        await fake.ExpectAsync("AT+SYSLOG=1");
        await fake.ErrorAsync(); // old firmware without AT+SYSLOG: tolerated
        await init.WaitAsync(Wait);
        Assert.Equal(AtDialect.EspAt, client.Dialect);
    }

    [Fact]
    public async Task A_chosen_dialect_is_kept()
    {
        await using var fake = new FakeModule();
        var client = fake.CreateClient(new AtMqttClientOptions { Dialect = AtDialect.Seed });
        await using var _ = client;
        var init = client.InitializeAsync();
        await fake.HandshakeAsync(AtDialect.EspAt);
        await init.WaitAsync(Wait);
        Assert.Equal(AtDialect.Seed, client.Dialect);
        Assert.Equal(512, client.MaxPubRawLength);
    }

    [Fact]
    public async Task Echo_left_on_is_ignored_for_every_kind_of_command()
    {
        await using var fake = new FakeModule { Echo = true };
        await using var client = fake.CreateClient(new AtMqttClientOptions { DisableEcho = false, CommandTimeout = TimeSpan.FromSeconds(3), NetworkTimeout = TimeSpan.FromSeconds(3) });
        var init = client.InitializeAsync();
        await fake.ExpectAsync("AT");
        await fake.OkAsync();
        await fake.ExpectAsync("AT+MQTTCONN?");
        await fake.OkAsync(FakeModule.ConnLine(AtDialect.EspAt, true));
        await fake.ExpectAsync("AT+SYSLOG=1");
        await fake.OkAsync();
        await init.WaitAsync(Wait);

        var publish = client.PublishAsync("t", new byte[] { 1, 2, 3 }, MqttQos.AtLeastOnce);
        await fake.ExpectAsync("AT+MQTTPUBRAW=0,\"t\",3,1,0");
        await fake.SendAsync("\r\nOK\r\n\r\n>");
        Assert.Equal([1, 2, 3], await fake.ReadBytesAsync(3));
        await fake.SendAsync("\r\n+MQTTPUB:OK\r\n");
        await publish.WaitAsync(Wait);

        var query = client.GetSubscriptionsAsync();
        await fake.ExpectAsync("AT+MQTTSUB?");
        await fake.OkAsync("+MQTTSUB:0,6,\"a/b\",1", "+MQTTSUB:0,6,\"c,\"d\",2");
        Assert.Equal([new AtMqttSubscription("a/b", MqttQos.AtLeastOnce), new AtMqttSubscription("c,\"d", MqttQos.ExactlyOnce)], await query.WaitAsync(Wait));
    }

    [Theory]
    [InlineData(int.MaxValue)]
    [InlineData(1)]
    [InlineData(3)]
    public async Task A_message_between_OK_and_the_prompt_is_delivered_and_the_publish_completes(int chunk)
    {
        await using var fake = new FakeModule { MaxChunk = chunk };
        await using var client = await fake.StartClientAsync();

        byte[] data = Encoding.ASCII.GetBytes("raw\r\ndata");
        var publish = client.PublishAsync("out", data, MqttQos.AtLeastOnce);
        await fake.ExpectAsync("AT+MQTTPUBRAW=0,\"out\",9,1,0");
        // ESP-AT: "OK and > are the prompt for AT TX, +MQTTSUBRECV is AT RX; they are separate" (esp-at#539).
        // The payload itself holds CR LF and a '>' at the start of a line: only its length tells where it ends.
        await fake.SendAsync("\r\nOK\r\n\r\n+MQTTSUBRECV:0,\"in/x\",9,a\r\n>b,c\r\n\r\n+MQTTSUBRECV:0,\"in/y\",2,OK\r\n>");
        Assert.Equal(data, await fake.ReadBytesAsync(9));
        await fake.SendAsync("\r\n+MQTTSUBRECV:0,\"in/z\",5,ERROR\r\n\r\n+MQTTPUB:OK\r\n");
        await publish.WaitAsync(Wait);

        var received = new List<AtMqttMessage>();
        for (int i = 0; i < 3; i++)
        {
            received.Add(await client.Messages.ReadAsync().AsTask().WaitAsync(Wait));
        }

        Assert.Equal(["in/x", "in/y", "in/z"], received.Select(m => m.Topic));
        Assert.Equal("a\r\n>b,c\r\n", received[0].PayloadText);
        Assert.Equal("OK", received[1].PayloadText);
        Assert.Equal("ERROR", received[2].PayloadText);
    }

    [Fact]
    public async Task Busy_is_retried_until_the_module_takes_the_command()
    {
        await using var fake = new FakeModule();
        await using var client = await fake.StartClientAsync();
        var publish = client.PublishAsync("t", "v", MqttQos.AtLeastOnce);
        await fake.ExpectAsync("AT+MQTTPUB=0,\"t\",\"v\",1,0");
        await fake.SendAsync("busy p...\r\n");
        await fake.ExpectAsync("AT+MQTTPUB=0,\"t\",\"v\",1,0");
        await fake.SendAsync("ERR CODE:0x010b0000\r\n\r\nbusy p...\r\n"); // with AT+SYSLOG=1
        await fake.ExpectAsync("AT+MQTTPUB=0,\"t\",\"v\",1,0");
        await fake.OkAsync();
        await publish.WaitAsync(Wait);

        // PUBRAW too: busy before OK and '>' means the command was dropped; the data is sent only after '>'.
        var raw = client.PublishAsync("t", new byte[] { 0 });
        await fake.ExpectAsync("AT+MQTTPUBRAW=0,\"t\",1,0,0");
        await fake.SendAsync("busy p...\r\n");
        await fake.ExpectAsync("AT+MQTTPUBRAW=0,\"t\",1,0,0");
        await fake.SendAsync("\r\nOK\r\n\r\n>");
        Assert.Equal([0], await fake.ReadBytesAsync(1));
        await fake.SendAsync("\r\n+MQTTPUB:OK\r\n");
        await raw.WaitAsync(Wait);
    }

    [Fact]
    public async Task A_module_that_stays_busy_gives_a_typed_timeout()
    {
        await using var fake = new FakeModule();
        await using var client = await fake.StartClientAsync();
        var subscribe = client.SubscribeAsync("t");
        var answering = Task.Run(async () =>
        {
            try
            {
                while (true)
                {
                    await fake.ReadLineAsync(TimeSpan.FromSeconds(2.5)); // the client pauses at most 1 s between tries
                    await fake.SendAsync("busy p...\r\n");
                }
            }
            catch (TimeoutException)
            {
            }
        });
        var ex = await Assert.ThrowsAsync<AtModuleBusyException>(() => subscribe.WaitAsync(Wait));
        Assert.Contains("busy", ex.Message, StringComparison.Ordinal);
        Assert.IsAssignableFrom<AtMqttTimeoutException>(ex);
        await answering;
        Assert.True(fake.Lines.Count(l => l == "AT+MQTTSUB=0,\"t\",0") >= 3);
    }

    [Fact]
    public async Task Lines_split_byte_by_byte_are_put_back_together()
    {
        await using var fake = new FakeModule { MaxChunk = 1, Echo = true };
        await using var client = fake.CreateClient();
        var events = new ClientEventLog(client);
        var init = client.InitializeAsync();
        await fake.HandshakeAsync();
        await init.WaitAsync(Wait);

        var connect = client.ConnectAsync("broker.local", 1883, autoReconnect: true);
        await fake.ExpectAsync("AT+MQTTCONN=0,\"broker.local\",1883,1");
        await fake.OkAsync("+MQTTCONNECTED:0,1,\"broker.local\",\"1883\",\"\",1");
        var info = await connect.WaitAsync(Wait);
        Assert.Equal(("broker.local", 1883, true), (info.Host, info.Port, info.AutoReconnect));
        await events.WaitForAsync("connected broker.local:1883");

        byte[] payload = [.. Enumerable.Range(0, 256).Select(i => (byte)i)];
        await fake.SendBytesAsync([.. "+MQTTSUBRECV:0,\"bin/all\",256,"u8.ToArray(), .. payload, .. "\r\n"u8.ToArray()]);
        var message = await client.Messages.ReadAsync().AsTask().WaitAsync(Wait);
        Assert.Equal("bin/all", message.Topic);
        Assert.Equal(payload, message.Payload.ToArray());
    }

    [Theory]
    [InlineData("\r")]
    [InlineData("\n")]
    public async Task Lines_ended_by_CR_only_or_LF_only_are_understood(string eol)
    {
        await using var fake = new FakeModule { Eol = eol };
        await using var client = fake.CreateClient();
        var init = client.InitializeAsync();
        await fake.HandshakeAsync(AtDialect.Seed);
        await init.WaitAsync(Wait);
        Assert.Equal(AtDialect.Seed, client.Dialect);

        var connect = client.ConnectAsync("h", 1883);
        await fake.ExpectAsync("AT+MQTTCONN=0,\"h\",1883,0");
        await fake.OkAsync("+MQTTCONNECTED:0,1,\"h\",1883,0");
        Assert.Equal(1883, (await connect.WaitAsync(Wait)).Port);

        var subscribe = client.SubscribeAsync("t", MqttQos.ExactlyOnce);
        await fake.ExpectAsync("AT+MQTTSUB=0,\"t\",2");
        await fake.OkAsync("ALREADY SUBSCRIBE");
        Assert.Equal(AtMqttSubscribeResult.AlreadySubscribed, await subscribe.WaitAsync(Wait));

        await fake.SendAsync($"+MQTTSUBRECV:0,\"t\",2,hi{eol}+MQTTSUBRECV:0,\"t\",3,a{eol}b{eol}", eol: false);
        Assert.Equal("hi", (await client.Messages.ReadAsync().AsTask().WaitAsync(Wait)).PayloadText);
        Assert.Equal($"a{eol}b", (await client.Messages.ReadAsync().AsTask().WaitAsync(Wait)).PayloadText);

        var raw = client.PublishAsync("t", "\0");
        await fake.ExpectAsync("AT+MQTTPUBRAW=0,\"t\",1,0,0");
        await fake.SendAsync("\nOK\n\n>", eol: true);
        await fake.ReadBytesAsync(1);
        await fake.SendAsync("\n+MQTTPUBRAW:OK\n", eol: true);
        await raw.WaitAsync(Wait);
    }

    [Fact]
    public async Task A_reset_in_the_middle_of_a_command_fails_it_typed_and_the_client_recovers()
    {
        await using var fake = new FakeModule();
        await using var client = await fake.StartClientAsync();
        var events = new ClientEventLog(client);
        var connect = client.ConnectAsync("h", 1883);
        await fake.ExpectAsync("AT+MQTTCONN=0,\"h\",1883,0");
        await fake.OkAsync("+MQTTCONNECTED:0,1,\"h\",\"1883\",\"\",0");
        await connect.WaitAsync(Wait);

        var subscribe = client.SubscribeAsync("t", MqttQos.AtLeastOnce);
        await fake.ExpectAsync("AT+MQTTSUB=0,\"t\",1");
        await fake.SendAsync("\r\n\u0000\u00ff garbage\r\nready\r\n"); // brown-out: boot noise, then ready
        var ex = await Assert.ThrowsAsync<AtModuleResetException>(() => subscribe.WaitAsync(Wait));
        Assert.Contains("AT+MQTTSUB", ex.Message, StringComparison.Ordinal);
        Assert.False(client.IsConnected);
        await events.WaitForAsync("restarted");
        await events.WaitForAsync("disconnected ModuleRestarted");

        // The next command first initialises the restarted module again (its echo is back on).
        fake.Echo = true;
        var query = client.GetConnectionInfoAsync();
        await fake.HandshakeAsync();
        await fake.ExpectAsync("AT+MQTTCONN?");
        await fake.OkAsync(FakeModule.ConnLine(AtDialect.EspAt, false));
        Assert.Equal(AtMqttLinkState.NotInitialized, (await query.WaitAsync(Wait)).State);
    }

    [Fact]
    public async Task A_reset_instead_of_the_prompt_sends_no_data()
    {
        await using var fake = new FakeModule();
        await using var client = await fake.StartClientAsync();
        var publish = client.PublishAsync("t", new byte[] { 1, 2 });
        await fake.ExpectAsync("AT+MQTTPUBRAW=0,\"t\",2,0,0");
        await fake.SendAsync("\r\nOK\r\nready\r\n");
        await Assert.ThrowsAsync<AtModuleResetException>(() => publish.WaitAsync(Wait));
        await fake.ExpectSilenceAsync(TimeSpan.FromMilliseconds(300));
    }

    [Fact]
    public async Task With_restore_enabled_a_reset_reconfigures_reconnects_and_resubscribes()
    {
        await using var fake = new FakeModule();
        var options = new AtMqttClientOptions { RestoreSessionAfterReset = true, CommandTimeout = TimeSpan.FromSeconds(3), NetworkTimeout = TimeSpan.FromSeconds(3) };
        await using var client = await fake.StartClientAsync(options: options);
        var events = new ClientEventLog(client);

        // The module's side of configuring and connecting the link, as the client does it each time.
        async Task ConfigureAndConnectAsync()
        {
            await fake.ExpectAsync("AT+MQTTUSERCFG=0,1,\"me\",\"\",\"\",0,0,\"\"");
            await fake.OkAsync();
            await fake.ExpectAsync("AT+MQTTCONNCFG=0,120,0,\"w\",\"bye\",0,0");
            await fake.OkAsync();
            await fake.ExpectAsync("AT+MQTTCONN=0,\"h\",1883,0");
            await fake.OkAsync("+MQTTCONNECTED:0,1,\"h\",\"1883\",\"\",0");
        }

        var connect = client.ConnectAsync(new AtMqttConnectOptions { Host = "h", ClientId = "me", Will = new AtMqttWill("w", "bye") });
        await fake.ExpectAsync("AT+MQTTCLEAN=0");
        await fake.ErrorAsync(0x010a6003); // ESP-AT: nothing to clean
        await ConfigureAndConnectAsync();
        await connect.WaitAsync(Wait);
        var subscribe = client.SubscribeAsync("s", MqttQos.AtLeastOnce);
        await fake.ExpectAsync("AT+MQTTSUB=0,\"s\",1");
        await fake.OkAsync();
        await subscribe.WaitAsync(Wait);

        await fake.SendAsync("ready\r\n");
        await fake.HandshakeAsync();
        await fake.ExpectAsync("AT+MQTTCLEAN=0");
        await fake.OkAsync();
        await ConfigureAndConnectAsync();
        await fake.ExpectAsync("AT+MQTTSUB=0,\"s\",1");
        await fake.OkAsync();
        await events.WaitForAsync("disconnected ModuleRestarted");
        await events.WaitForAsync("connected", 2, Wait);
        Assert.True(client.IsConnected);
        Assert.Equal(2, events.Count("connected"));
    }

    [Fact]
    public async Task ERR_CODE_lines_become_typed_exceptions()
    {
        await using var fake = new FakeModule();
        await using var client = await fake.StartClientAsync();

        var publish = client.PublishAsync("t", "x");
        await fake.ExpectAsync("AT+MQTTPUB=0,\"t\",\"x\",0,0");
        await fake.SendAsync("ERR CODE:0x01080002\r\nERR CODE:0x010a6044\r\n\r\nERROR\r\n"); // esp-at#647
        var ex = await Assert.ThrowsAsync<AtCommandException>(() => publish.WaitAsync(Wait));
        Assert.Equal(AtMqttError.DataReadFailed, ex.MqttError);
        Assert.Equal(0x010a6044u, ex.ErrorCode!.Value.Value);
        Assert.Equal("AT+MQTTPUB", ex.Command);
        Assert.Contains("DataReadFailed", ex.Message, StringComparison.Ordinal);

        var subscribe = client.SubscribeAsync("t");
        await fake.ExpectAsync("AT+MQTTSUB=0,\"t\",0");
        await fake.ErrorAsync(0x01080001);
        var parse = await Assert.ThrowsAsync<AtCommandException>(() => subscribe.WaitAsync(Wait));
        Assert.Equal(AtErrorCategory.ParameterParseFailed, parse.ErrorCode!.Value.Category);
        Assert.Equal(1, parse.ErrorCode.Value.ParameterIndex);
        Assert.Null(parse.MqttError);

        var connect = client.ConnectAsync("h", 1);
        await fake.ExpectAsync("AT+MQTTCONN=0,\"h\",1,0");
        await fake.SendAsync("+MQTTDISCONNECTED:0\r\n\r\nERROR\r\n"); // no code at all (AT+SYSLOG=0 firmware)
        var plain = await Assert.ThrowsAsync<AtCommandException>(() => connect.WaitAsync(Wait));
        Assert.Null(plain.ErrorCode);
        Assert.Equal(["+MQTTDISCONNECTED:0"], plain.ResponseLines);

        var raw = client.PublishAsync("t", new byte[] { 0 });
        await fake.ExpectAsync("AT+MQTTPUBRAW=0,\"t\",1,0,0");
        await fake.SendAsync("\r\nOK\r\n\r\n>");
        await fake.ReadBytesAsync(1);
        await fake.SendAsync("\r\n+MQTTPUB:FAIL\r\n");
        var failed = await Assert.ThrowsAsync<AtCommandException>(() => raw.WaitAsync(Wait));
        Assert.Contains("publish failed", failed.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_timed_out_command_is_reported_and_its_late_answer_does_not_confuse_the_next()
    {
        await using var fake = new FakeModule();
        await using var client = await fake.StartClientAsync(options: new AtMqttClientOptions { CommandTimeout = TimeSpan.FromSeconds(2), NetworkTimeout = TimeSpan.FromMilliseconds(700) });
        var subscribe = client.SubscribeAsync("slow");
        await fake.ExpectAsync("AT+MQTTSUB=0,\"slow\",0");
        var ex = await Assert.ThrowsAsync<AtMqttTimeoutException>(() => subscribe.WaitAsync(Wait));
        Assert.Contains("AT+MQTTSUB", ex.Message, StringComparison.Ordinal);

        var publish = client.PublishAsync("t", "x");
        await fake.OkAsync(); // the late answer to the subscribe
        await fake.ExpectAsync("AT+MQTTCONN?"); // the client's resynchronisation
        await fake.OkAsync(FakeModule.ConnLine(AtDialect.EspAt, true));
        await fake.ExpectAsync("AT+MQTTPUB=0,\"t\",\"x\",0,0");
        await fake.ErrorAsync(0x010a6051);
        var error = await Assert.ThrowsAsync<AtCommandException>(() => publish.WaitAsync(Wait));
        Assert.Equal(AtMqttError.InDisconnectedState, error.MqttError);
    }

    [Fact]
    public async Task A_cancelled_command_finishes_on_the_module_before_the_next_is_sent()
    {
        await using var fake = new FakeModule();
        await using var client = await fake.StartClientAsync();
        using var cts = new CancellationTokenSource();
        var subscribe = client.SubscribeAsync("t", MqttQos.AtLeastOnce, cts.Token);
        await fake.ExpectAsync("AT+MQTTSUB=0,\"t\",1");
        await cts.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => subscribe.WaitAsync(Wait));

        var publish = client.PublishAsync("t", "after");
        await fake.ExpectSilenceAsync(TimeSpan.FromMilliseconds(300)); // the module is still on the subscribe
        await fake.OkAsync();
        await fake.ExpectAsync("AT+MQTTPUB=0,\"t\",\"after\",0,0");
        await fake.OkAsync();
        await publish.WaitAsync(Wait);

        // Cancelled while waiting for '>': the data still goes out once the prompt comes.
        using var cts2 = new CancellationTokenSource();
        var raw = client.PublishAsync("t", new byte[] { 9, 9 }, cancellationToken: cts2.Token);
        await fake.ExpectAsync("AT+MQTTPUBRAW=0,\"t\",2,0,0");
        await cts2.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => raw.WaitAsync(Wait));
        await fake.SendAsync("\r\nOK\r\n\r\n>");
        Assert.Equal([9, 9], await fake.ReadBytesAsync(2));
        await fake.SendAsync("\r\n+MQTTPUB:OK\r\n");
    }

    [Fact]
    public async Task Text_is_escaped_and_anything_else_goes_raw()
    {
        await using var fake = new FakeModule();
        await using var client = await fake.StartClientAsync();

        var publish = client.PublishAsync("a/\"b\",c", "x,\"y\"\\z ü", MqttQos.ExactlyOnce, retain: true);
        await fake.ExpectAsync("AT+MQTTPUB=0,\"a/\\\"b\\\"\\,c\",\"x\\,\\\"y\\\"\\\\z ü\",2,1");
        await fake.OkAsync();
        await publish.WaitAsync(Wait);

        // Too long for one 256-byte line: PUBRAW.
        string longText = new('L', 240);
        var longPublish = client.PublishAsync("t", longText);
        await fake.ExpectAsync("AT+MQTTPUBRAW=0,\"t\",240,0,0");
        await fake.SendAsync("\r\nOK\r\n\r\n>");
        Assert.Equal(longText, Encoding.ASCII.GetString(await fake.ReadBytesAsync(240)));
        await fake.SendAsync("\r\n+MQTTPUB:OK\r\n");
        await longPublish.WaitAsync(Wait);

        // A tab, invalid UTF-8: PUBRAW.
        foreach (var payload in new[] { "a\tb"u8.ToArray(), new byte[] { 0xC3 } })
        {
            var p = client.PublishAsync("t", payload);
            await fake.ExpectAsync($"AT+MQTTPUBRAW=0,\"t\",{payload.Length},0,0");
            await fake.SendAsync("\r\nOK\r\n\r\n>");
            Assert.Equal(payload, await fake.ReadBytesAsync(payload.Length));
            await fake.SendAsync("\r\n+MQTTPUB:OK\r\n");
            await p.WaitAsync(Wait);
        }

        await Assert.ThrowsAsync<ArgumentException>(() => client.PublishAsync("t", ""));
        await Assert.ThrowsAsync<ArgumentException>(() => client.PublishAsync("t\r\n", "x"));
        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => client.PublishAsync("t", new byte[65537]));
    }

    [Fact]
    public async Task Long_credentials_use_the_long_commands_after_the_prompt()
    {
        await using var fake = new FakeModule();
        await using var client = await fake.StartClientAsync();
        string clientId = new('c', 300);
        string password = new('p', 65);
        var configure = client.ConfigureUserAsync(new AtMqttUserConfig { ClientId = clientId, Username = "user", Password = password, Scheme = AtMqttScheme.TlsVerifyServer, Path = "mqtt" });
        await fake.ExpectAsync("AT+MQTTUSERCFG=0,3,\"x\",\"user\",\"\",0,0,\"mqtt\"");
        await fake.OkAsync();
        await fake.ExpectAsync("AT+MQTTLONGCLIENTID=0,300");
        await fake.SendAsync("\r\nOK\r\n\r\n>");
        Assert.Equal(clientId, Encoding.ASCII.GetString(await fake.ReadBytesAsync(300)));
        await fake.OkAsync();
        await fake.ExpectAsync("AT+MQTTLONGPASSWORD=0,65");
        await fake.SendAsync("\r\nOK\r\n>"); // GD32 style: no blank line before '>'
        Assert.Equal(password, Encoding.ASCII.GetString(await fake.ReadBytesAsync(65)));
        await fake.OkAsync();
        await configure.WaitAsync(Wait);

        // All three fit their fields but not one line together: the longest goes LONG.
        var configure2 = client.ConfigureUserAsync(new AtMqttUserConfig { ClientId = new string('i', 200), Username = new string('u', 40), Password = "pw" });
        await fake.ExpectAsync($"AT+MQTTUSERCFG=0,1,\"x\",\"{new string('u', 40)}\",\"pw\",0,0,\"\"");
        await fake.OkAsync();
        await fake.ExpectAsync("AT+MQTTLONGCLIENTID=0,200");
        await fake.SendAsync("\r\nOK\r\n\r\n>");
        await fake.ReadBytesAsync(200);
        await fake.OkAsync();
        await configure2.WaitAsync(Wait);

        await Assert.ThrowsAsync<ArgumentException>(() => client.ConfigureUserAsync(new AtMqttUserConfig { ClientId = new string('x', 1025) }));
    }

    [Fact]
    public async Task Mqtt_events_and_other_unsolicited_lines_are_raised()
    {
        await using var fake = new FakeModule();
        await using var client = await fake.StartClientAsync();
        var events = new ClientEventLog(client);
        await fake.SendAsync("+MQTTCONNECTED:0,1,\"b\",\"1884\",\"/mqtt\",1\r\n");
        await events.WaitForAsync("connected b:1884");
        Assert.True(client.IsConnected);
        await fake.SendAsync("+MQTTDISCONNECTED:0\r\nWIFI DISCONNECT\r\n\r\nOK\r\n");
        await events.WaitForAsync("disconnected ConnectionLost");
        await events.WaitForAsync("line WIFI DISCONNECT");
        Assert.False(client.IsConnected);
        Assert.DoesNotContain("line OK", events.All); // a stray final result is no news
    }

    [Fact]
    public async Task A_closed_channel_fails_the_waiting_command_and_ends_the_messages()
    {
        await using var fake = new FakeModule();
        var client = await fake.StartClientAsync();
        await using var _ = client;
        var subscribe = client.SubscribeAsync("t");
        await fake.ExpectAsync("AT+MQTTSUB=0,\"t\",0");
        await fake.CloseAsync();
        await Assert.ThrowsAsync<AtChannelClosedException>(() => subscribe.WaitAsync(Wait));
        Assert.False(await client.Messages.WaitToReadAsync().AsTask().WaitAsync(Wait));
        await Assert.ThrowsAsync<AtChannelClosedException>(() => client.PublishAsync("t", "x"));
    }

    [Fact]
    public async Task Commands_from_many_callers_go_out_one_at_a_time()
    {
        await using var fake = new FakeModule();
        await using var client = await fake.StartClientAsync();
        var publishes = Enumerable.Range(0, 20).Select(i => client.PublishAsync("t", $"m{i}", MqttQos.AtLeastOnce)).ToList();
        var seen = new HashSet<string>();
        for (int i = 0; i < 20; i++)
        {
            string line = await fake.ReadLineAsync();
            Assert.True(seen.Add(line));
            await fake.ExpectSilenceAsync(TimeSpan.FromMilliseconds(20));
            await fake.OkAsync();
        }

        await Task.WhenAll(publishes).WaitAsync(Wait);
    }
}
