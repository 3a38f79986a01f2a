using System.Text;
using Xunit;

namespace AtMqtt.Client.Tests;

/// <summary>
/// Every API call against the real modem engine: in-process and the atmqtt program over TCP, both dialects,
/// MQTTnet's broker and mosquitto. The broker side is checked by an independent MQTTnet client. On net8.0 only
/// over TCP (see <see cref="ModemTransport.InProcess"/>).
/// </summary>
public sealed class ModemApiTests(BrokersFixture brokers) : IClassFixture<BrokersFixture>
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(15);

    public static TheoryData<ModemTransport, AtDialect, BrokerKind> Matrix()
    {
        var data = new TheoryData<ModemTransport, AtDialect, BrokerKind>();
        foreach (var t in ModemForClient.Transports)
        {
            foreach (var d in new[] { AtDialect.Seed, AtDialect.EspAt })
            {
                foreach (var b in new[] { BrokerKind.InProcess, BrokerKind.Mosquitto })
                {
                    data.Add(t, d, b);
                }
            }
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Matrix))]
    public async Task Every_api_call_works(ModemTransport transport, AtDialect dialect, BrokerKind broker)
    {
        int port = brokers.Port(broker);
        await using var modem = await ModemForClient.StartAsync(transport, dialect);
        await using var client = await modem.ConnectClientAsync();
        var events = new ClientEventLog(client);
        await using var probe = await brokers.ProbeAsync(broker);
        string topic = Unique.Topic("api");
        foreach (string sub in new[] { "/text", "/bin", "/retained", "/will" })
        {
            await probe.SubscribeAsync(topic + sub, 2);
        }

        // Initialisation detected the dialect and found the link down.
        Assert.True(client.IsInitialized);
        Assert.Equal(dialect, client.Dialect);
        Assert.False(client.IsConnected);
        Assert.Equal(dialect == AtDialect.Seed ? 512 : 65536, client.MaxPubRawLength);
        var before = await client.GetConnectionInfoAsync();
        Assert.False(before.IsConnected);
        Assert.Contains(await client.GetVersionAsync(), l => l.StartsWith("AT version:", StringComparison.Ordinal));

        // The start-up a real module needs (the modem simulates the access point).
        await client.JoinWifiAsync("ssid, \"with\" quotes", "password");

        // Step by step: user, connection, ALPN, SNI, connect.
        string clientId = Unique.Id("api");
        await client.ConfigureUserAsync(new AtMqttUserConfig { ClientId = clientId, Username = "", Password = "" });
        await client.ConfigureConnectionAsync(new AtMqttConnectionConfig
        {
            KeepAlive = TimeSpan.FromSeconds(60),
            Will = new AtMqttWill(topic + "/will", "gone, \"really\"", MqttQos.AtLeastOnce),
        });
        await client.ConfigureAlpnAsync(["mqtt"]);
        await client.ConfigureSniAsync("localhost");
        var connected = await client.ConnectAsync(FreePort.Host, port, autoReconnect: false);
        Assert.True(connected.IsConnected);
        Assert.Equal(FreePort.Host, connected.Host);
        Assert.Equal(port, connected.Port);
        Assert.Equal(1, connected.Scheme);
        Assert.True(client.IsConnected);
        await events.WaitForAsync($"connected {FreePort.Host}:{port}");

        var info = await client.GetConnectionInfoAsync();
        Assert.True(info.IsConnected);
        Assert.Equal(FreePort.Host, info.Host);
        Assert.Equal(port, info.Port);
        Assert.False(info.AutoReconnect);
        Assert.Equal(AtMqttLinkState.Connected, info.State);
        if (broker == BrokerKind.InProcess)
        {
            Assert.Equal(60, brokers.InProcess.LastConnect(clientId)!.KeepAlive);
        }

        // Subscribe, twice, and list.
        Assert.Equal(AtMqttSubscribeResult.Subscribed, await client.SubscribeAsync(topic + "/in/+", MqttQos.AtLeastOnce));
        Assert.Equal(AtMqttSubscribeResult.AlreadySubscribed, await client.SubscribeAsync(topic + "/in/+", MqttQos.AtLeastOnce));
        var subscriptions = await client.GetSubscriptionsAsync();
        Assert.Equal([new AtMqttSubscription(topic + "/in/+", MqttQos.AtLeastOnce)], subscriptions);
        if (dialect == AtDialect.EspAt)
        {
            Assert.Equal(AtMqttLinkState.ConnectedSubscribed, (await client.GetConnectionInfoAsync()).State);
        }

        // Publish text that needs escaping (AT+MQTTPUB), at each QoS, and binary (AT+MQTTPUBRAW).
        string text = "a,b \"quoted\" back\\slash, ünïcødé";
        foreach (var qos in new[] { MqttQos.AtMostOnce, MqttQos.AtLeastOnce, MqttQos.ExactlyOnce })
        {
            await client.PublishAsync(topic + "/text", text, qos);
            var got = await probe.NextAsync(Wait);
            Assert.Equal(topic + "/text", got.Topic);
            Assert.Equal(text, got.PayloadText);
        }

        byte[] binary = [0, 1, 2, 13, 10, (byte)'"', (byte)',', 255, 0x80];
        await client.PublishAsync(topic + "/bin", binary, MqttQos.AtLeastOnce);
        Assert.Equal(binary, (await probe.NextAsync(Wait)).Payload);

        string multiline = "line one\r\nline two";
        await client.PublishAsync(topic + "/text", multiline, MqttQos.ExactlyOnce);
        Assert.Equal(multiline, (await probe.NextAsync(Wait)).PayloadText);

        // Retained: a newcomer gets it.
        await client.PublishAsync(topic + "/retained", "kept", MqttQos.AtLeastOnce, retain: true);
        Assert.Equal("kept", (await probe.NextAsync(Wait)).PayloadText);
        await using (var late = await brokers.ProbeAsync(broker))
        {
            await late.SubscribeAsync(topic + "/retained", 1);
            var retained = await late.NextAsync(Wait);
            Assert.True(retained.Retain);
            Assert.Equal("kept", retained.PayloadText);
        }

        // Receive: through the channel reader and the async stream.
        await probe.PublishAsync(topic + "/in/one", "first, \"one\"", 1);
        var first = await client.Messages.ReadAsync().AsTask().WaitAsync(Wait);
        Assert.Equal(topic + "/in/one", first.Topic);
        Assert.Equal("first, \"one\"", first.PayloadText);
        await probe.PublishAsync(topic + "/in/two", [1, 2, 3, 13, 10], 2, retain: false);
        using (var cts = new CancellationTokenSource(Wait))
        {
            await foreach (var m in client.ReadMessagesAsync(cts.Token))
            {
                Assert.Equal(topic + "/in/two", m.Topic);
                Assert.Equal([1, 2, 3, 13, 10], m.Payload.ToArray());
                break;
            }
        }

        // Unsubscribe, twice.
        Assert.Equal(AtMqttUnsubscribeResult.Unsubscribed, await client.UnsubscribeAsync(topic + "/in/+"));
        Assert.Equal(AtMqttUnsubscribeResult.NotSubscribed, await client.UnsubscribeAsync(topic + "/in/+"));
        Assert.Empty(await client.GetSubscriptionsAsync());
        if (dialect == AtDialect.EspAt)
        {
            Assert.Equal(AtMqttLinkState.ConnectedNoSubscription, (await client.GetConnectionInfoAsync()).State);
        }

        // The raw escape hatch.
        Assert.Empty(await client.ExecuteCommandAsync("AT"));

        // Clean: no will (the DISCONNECT is clean), state down, typed error afterwards.
        await client.DisconnectAsync();
        Assert.False(client.IsConnected);
        await events.WaitForAsync("disconnected Cleaned");
        Assert.False((await client.GetConnectionInfoAsync()).IsConnected);
        var notConnected = await Assert.ThrowsAsync<AtCommandException>(() => client.PublishAsync(topic + "/text", "x"));
        Assert.Equal(AtMqttError.InDisconnectedState, notConnected.MqttError);
        Assert.Equal("AT+MQTTPUB", notConnected.Command);
        await probe.AssertNoMessageAsync(TimeSpan.FromMilliseconds(300));

        // All in one call, with a will; then a module reset: the broker publishes the will.
        var again = await client.ConnectAsync(new AtMqttConnectOptions
        {
            Host = FreePort.Host,
            Port = port,
            ClientId = Unique.Id("api2"),
            KeepAlive = TimeSpan.FromSeconds(30),
            Will = new AtMqttWill(topic + "/will", "gone", MqttQos.AtLeastOnce),
            AutoReconnect = true,
        });
        Assert.True(again.AutoReconnect);
        Assert.True(client.IsConnected);
        Assert.Equal(AtMqttSubscribeResult.Subscribed, await client.SubscribeAsync(topic + "/in/+", MqttQos.ExactlyOnce));
        await client.ResetModuleAsync();
        Assert.False(client.IsConnected);
        await events.WaitForAsync("disconnected ModuleRestarted");
        var will = await probe.NextAsync(Wait);
        Assert.Equal(topic + "/will", will.Topic);
        Assert.Equal("gone", will.PayloadText);

        // Still usable after the reset (echo was switched on by it; the client switched it off again).
        Assert.False((await client.GetConnectionInfoAsync()).IsConnected);
        Assert.Equal(dialect, client.Dialect);

        // The client remembers the session: configuration, connection and subscription come back.
        await client.RestoreSessionAsync();
        Assert.True(client.IsConnected);
        Assert.Equal([new AtMqttSubscription(topic + "/in/+", MqttQos.ExactlyOnce)], await client.GetSubscriptionsAsync());
        await probe.PublishAsync(topic + "/in/back", "restored", 1);
        Assert.Equal("restored", (await client.Messages.ReadAsync().AsTask().WaitAsync(Wait)).PayloadText);
        await client.CleanAsync();
        Assert.False(client.IsConnected);
        await Assert.ThrowsAsync<InvalidOperationException>(() => client.RestoreSessionAsync());
    }

    [Theory]
    [MemberData(nameof(Matrix))]
    public async Task Binary_payloads_of_every_byte_value_go_both_ways(ModemTransport transport, AtDialect dialect, BrokerKind broker)
    {
        int port = brokers.Port(broker);
        await using var modem = await ModemForClient.StartAsync(transport, dialect);
        await using var client = await modem.ConnectClientAsync();
        await using var probe = await brokers.ProbeAsync(broker);
        string topic = Unique.Topic("bytes");
        await probe.SubscribeAsync(topic + "/out", 1);
        await client.ConnectAsync(new AtMqttConnectOptions { Host = FreePort.Host, Port = port });
        await client.SubscribeAsync(topic + "/in", MqttQos.AtLeastOnce);

        byte[] all = Enumerable.Range(0, 256).Select(i => (byte)i).ToArray();
        List<byte[]> payloads = [all, [.. Enumerable.Reverse(all)], [0], [13], [10], [(byte)'>'], "\r\n+MQTTSUBRECV:0,\"x\",1,y\r\nOK\r\n"u8.ToArray()];
        payloads.AddRange(Enumerable.Range(0, 256).Select(i => new[] { (byte)i, (byte)i }));
        if (dialect == AtDialect.EspAt)
        {
            payloads.Add([.. Enumerable.Range(0, 20_000).Select(i => (byte)(i * 7))]);
        }

        foreach (var payload in payloads)
        {
            await client.PublishAsync(topic + "/out", payload, MqttQos.AtLeastOnce);
            await probe.PublishAsync(topic + "/in", payload, 1, retain: false);
        }

        foreach (var payload in payloads)
        {
            var atBroker = await probe.NextAsync(Wait);
            Assert.Equal(payload, atBroker.Payload);
            var atClient = await client.Messages.ReadAsync().AsTask().WaitAsync(Wait);
            Assert.Equal(topic + "/in", atClient.Topic);
            Assert.Equal(payload, atClient.Payload.ToArray());
        }
    }

    [Theory]
    [MemberData(nameof(Matrix))]
    public async Task Long_credentials_go_through_the_long_commands(ModemTransport transport, AtDialect dialect, BrokerKind broker)
    {
        await using var modem = await ModemForClient.StartAsync(transport, dialect);
        var log = new CapturingLogger();
        await using var client = await modem.ConnectClientAsync(new AtMqttClientOptions { Logger = log });
        string clientId = Unique.Id("long") + new string('c', 600);
        string username = "user-" + new string('ü', 200) + ",\"x\"";
        string password = "SharedAccessSignature sr=x&sig=" + new string('p', 700);

        await using var secured = broker == BrokerKind.Mosquitto ? await MosquittoBroker.StartWithPasswordsAsync((username, password)) : null;
        int port = secured?.Port ?? brokers.Port(broker);
        var options = new AtMqttConnectOptions { Host = FreePort.Host, Port = port, ClientId = clientId, Username = username, Password = password };
        await client.ConnectAsync(options);
        Assert.True(client.IsConnected);
        if (broker == BrokerKind.InProcess)
        {
            var seen = brokers.InProcess.LastConnect(clientId);
            Assert.NotNull(seen);
            Assert.Equal(username, seen.UserName);
            Assert.Equal(Encoding.UTF8.GetBytes(password), seen.RawPassword);
        }

        // The identity really is in use: a message round-trips.
        string topic = Unique.Topic("long");
        await client.SubscribeAsync(topic, MqttQos.AtLeastOnce);
        await client.PublishAsync(topic, "through a long identity", MqttQos.AtLeastOnce);
        var message = await client.Messages.ReadAsync().AsTask().WaitAsync(Wait);
        Assert.Equal("through a long identity", message.PayloadText);
        await client.DisconnectAsync();

        // A binary password with CR and LF also needs the LONG command.
        byte[] binaryPassword = [1, 13, 10, 0, 255, 44, 34];
        var binary = new AtMqttConnectOptions { Host = FreePort.Host, Port = brokers.Port(BrokerKind.InProcess), ClientId = Unique.Id("binpw"), Username = "u", PasswordBytes = binaryPassword };
        await client.ConnectAsync(binary);
        Assert.Equal(binaryPassword, brokers.InProcess.LastConnect(binary.ClientId)!.RawPassword);

        if (secured is not null)
        {
            // mosquitto refuses a wrong password: a typed connection failure.
            await client.DisconnectAsync();
            var refused = await Assert.ThrowsAsync<AtCommandException>(() => client.ConnectAsync(options with { Password = password + "x" }));
            Assert.Equal("AT+MQTTCONN", refused.Command);
            Assert.Equal(AtMqttError.ClientStartFailed, refused.MqttError);
            Assert.Contains("+MQTTDISCONNECTED:0", refused.ResponseLines);
            Assert.False(client.IsConnected);
        }

        // The trace has the exchange with the real modem, and neither password.
        Assert.Contains($"AT+MQTTLONGPASSWORD=0,{password.Length}", log.Lines("TX"));
        Assert.Contains($"<{password.Length} bytes of data>", log.Lines("TX"));
        Assert.Contains("+MQTTCONNECTED:", string.Join("\n", log.Lines("RX")), StringComparison.Ordinal);
        Assert.All(log.Entries, e => Assert.DoesNotContain("sig=ppp", e.AllText, StringComparison.Ordinal));
    }

    public static TheoryData<ModemTransport> Transports() => [.. ModemForClient.Transports];

    [Theory]
    [MemberData(nameof(Transports))]
    public async Task Long_credentials_on_esp_at_2_2_go_through_that_releases_setters(ModemTransport transport)
    {
        // v2.2 has no LONG*: its AT+MQTTCLIENTID/USERNAME/PASSWORD set a value over USERCFG's limits on a line of its own.
        await using var modem = await ModemForClient.StartAsync(transport, AtDialect.EspAt, profile: "esp-at-2.2");
        var log = new CapturingLogger();
        await using var client = await modem.ConnectClientAsync(new AtMqttClientOptions { Logger = log });
        string clientId = Unique.Id("v22") + new string('c', 150);
        string username = "user-" + new string('u', 150) + ",\"x\"";
        string password = "sig=" + new string('p', 180);
        var options = new AtMqttConnectOptions { Host = FreePort.Host, Port = brokers.Port(BrokerKind.InProcess), ClientId = clientId, Username = username, Password = password };
        await client.ConnectAsync(options);
        Assert.True(client.IsConnected);
        var seen = brokers.InProcess.LastConnect(clientId);
        Assert.NotNull(seen);
        Assert.Equal(username, seen.UserName);
        Assert.Equal(Encoding.UTF8.GetBytes(password), seen.RawPassword);

        // One LONG command found the module without them; every later value went straight to the setter.
        var sent = log.Lines("TX");
        Assert.Single(sent, l => l.StartsWith("AT+MQTTLONG", StringComparison.Ordinal));
        Assert.Contains(sent, l => l.StartsWith("AT+MQTTUSERNAME=0,\"user-uuu", StringComparison.Ordinal));
        Assert.Contains("AT+MQTTPASSWORD=0,\"***\"", sent);
        Assert.All(log.Entries, e => Assert.DoesNotContain("sig=ppp", e.AllText, StringComparison.Ordinal));

        // A value no command line of v2.2 can carry is refused before anything is sent for it.
        await client.DisconnectAsync();
        var tooLong = options with { ClientId = Unique.Id("v22"), Password = new string('p', 300) };
        var refused = await Assert.ThrowsAsync<ArgumentException>(() => client.ConnectAsync(tooLong));
        Assert.Contains("AT+MQTTLONGPASSWORD", refused.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(log.Lines("TX"), l => l.StartsWith("AT+MQTTPASSWORD", StringComparison.Ordinal) && l != "AT+MQTTPASSWORD=0,\"***\"");
        await client.ConnectAsync(options with { ClientId = Unique.Id("v22-again") });
        Assert.True(client.IsConnected);
    }
}
