using System.Globalization;
using System.Security.Cryptography;
using System.Text.Json;
using Xunit;

namespace AtMqtt.Modem.Tests.Control;

/// <summary>--control on the real program: state, the event stream, faults, the reset pin, bad requests, secrets.</summary>
public sealed class ControlApiTests(MosquittoFixture broker) : IClassFixture<MosquittoFixture>
{
    [Fact]
    public async Task State_shows_the_link_and_subscriptions_the_broker_sees()
    {
        await using var api = await ControlApi.StartAsync("--rx-queue", "50");
        var idle = await api.StateAsync();
        Assert.Equal("seed", idle.GetProperty("dialect").GetString());
        Assert.False(idle.GetProperty("hostAttached").GetBoolean());
        Assert.Equal("idle", idle.GetProperty("link").GetProperty("phase").GetString());
        Assert.Equal(JsonValueKind.Null, idle.GetProperty("scenario").ValueKind);

        var id = Unique.Id("ctl");
        var topic = Unique.Topic("ctl");
        await using var host = await api.HostAsync();
        await using var probe = await broker.ProbeAsync();
        await host.ExpectAsync("AT+CWJAP=\"lab-ap\",\"wifi-password\"", "WIFI CONNECTED\r\nWIFI GOT IP\r\n\r\nOK\r\n");
        await host.ConnectLinkAsync(id, broker.Port, reconnect: 1, connCfg: "AT+MQTTCONNCFG=0,30,1,\"\",\"\",0,0");
        await host.OkAsync($"AT+MQTTSUB=0,\"{topic}\",2");
        await host.OkAsync($"AT+MQTTPUB=0,\"{topic}/up\",\"x\",1,0");

        // The broker side: the subscription is real (a message reaches the host), the client id is the one shown.
        await probe.PublishAsync(topic, "down", qos: 1);
        await host.ReadUntilAsync($"+MQTTSUBRECV:0,\"{topic}\",4,down\r\n", ControlApi.Timeout);

        var state = await api.StateAsync();
        Assert.True(state.GetProperty("hostAttached").GetBoolean());
        Assert.True(state.GetProperty("echo").GetBoolean());
        var link = state.GetProperty("link");
        Assert.Equal("connected", link.GetProperty("phase").GetString());
        Assert.Equal(1, link.GetProperty("scheme").GetInt32());
        Assert.Equal("127.0.0.1", link.GetProperty("host").GetString());
        Assert.Equal(broker.Port, link.GetProperty("port").GetInt32());
        Assert.True(link.GetProperty("reconnect").GetBoolean());
        Assert.Equal(id, link.GetProperty("clientId").GetString());
        Assert.Equal(30, link.GetProperty("keepAlive").GetInt32());
        Assert.False(link.GetProperty("cleanSession").GetBoolean());
        var subscription = Assert.Single(state.GetProperty("subscriptions").EnumerateArray());
        Assert.Equal(topic, subscription.GetProperty("topic").GetString());
        Assert.Equal(2, subscription.GetProperty("qos").GetInt32());
        Assert.Equal(50, state.GetProperty("inbound").GetProperty("qos0Bound").GetInt32());
        Assert.Equal(0, state.GetProperty("inbound").GetProperty("qos0Waiting").GetInt32());
        Assert.True(state.GetProperty("wifi").GetProperty("joined").GetBoolean());
        Assert.Equal("lab-ap", state.GetProperty("wifi").GetProperty("ssid").GetString());
        Assert.Equal(115200, state.GetProperty("uartBaud").GetInt32());
        var counters = state.GetProperty("counters");
        Assert.Equal(6, counters.GetProperty("commands").GetInt64()); // CWJAP, USERCFG, CONNCFG, CONN, SUB, PUB
        Assert.Equal(0, counters.GetProperty("errors").GetInt64());
        Assert.Equal([0L, 1L, 0L], counters.GetProperty("publishedByQos").EnumerateArray().Select(e => e.GetInt64()));
        Assert.Equal([0L, 1L, 0L], counters.GetProperty("receivedByQos").EnumerateArray().Select(e => e.GetInt64()));
        Assert.Empty(state.GetProperty("faults").EnumerateArray());
        Assert.Empty(state.GetProperty("findings").EnumerateArray());

        await host.OkAsync("AT+MQTTCLEAN=0");
    }

    [Fact]
    public async Task A_running_scenario_shows_its_progress_in_the_state_and_the_event_stream()
    {
        string file = Path.Combine(Path.GetTempPath(), $"atmqtt-scenario-{Guid.NewGuid():N}.json");
        await File.WriteAllTextAsync(file, """
            {
              "name": "progress",
              "steps": [
                { "name": "busy at GMR", "command": "AT+GMR", "start": { "kind": "busy", "ms": 1000 } },
                { "name": "later", "after": 600, "end": "*" }
              ]
            }
            """);
        try
        {
            await using var api = await ControlApi.StartAsync("--scenario", file);
            var before = (await api.StateAsync()).GetProperty("scenario");
            Assert.Equal("progress", before.GetProperty("name").GetString());
            Assert.Equal(["running", "pending"], before.GetProperty("steps").EnumerateArray().Select(s => s.GetProperty("status").GetString()));

            await using var events = await api.EventsAsync();
            await using var host = await api.HostAsync();
            await host.SendAsync("AT+GMR\r\n");
            await events.NextAsync(e => e.Type == "scenario" && e.Name == "busy at GMR" && e.Value == "done", "scenario step done");

            var after = (await api.StateAsync()).GetProperty("scenario");
            Assert.Equal(["done", "running"], after.GetProperty("steps").EnumerateArray().Select(s => s.GetProperty("status").GetString()));
        }
        finally
        {
            File.Delete(file);
        }
    }

    [Fact]
    public async Task The_event_stream_shows_each_line_both_ways_and_state_changes()
    {
        await using var api = await ControlApi.StartAsync();
        await using var events = await api.EventsAsync();
        await using var host = await api.HostAsync();
        await events.StateAsync("host", "attached");

        await host.CommandAsync("AT+GMR");
        await events.LineAsync("to-modem", "AT+GMR\\r\\n");
        await events.LineAsync("to-host", "OK\\r\\n");

        await host.OkAsync("ATE0");
        await events.StateAsync("echo", "off");
        await host.SendAsync("AT+BOGUS\r\n");
        await host.ReadUntilAsync("ERROR\r\n", ControlApi.Timeout);
        await events.LineAsync("to-host", "ERROR\\r\\n");

        // SSE framing: id is the event's sequence, event its type, data its JSON on one line.
        Assert.Matches(@"(?m)^id: \d+\nevent: line\ndata: \{""sequence"":\d+,", events.Raw);
    }

    [Fact]
    public async Task The_reset_pin_cuts_the_link_so_the_will_is_published_forgets_state_and_says_ready()
    {
        await using var api = await ControlApi.StartAsync();
        var willTopic = Unique.Topic("will");
        await using var probe = await broker.ProbeAsync();
        await probe.SubscribeAsync(willTopic, 1);
        await using var host = await api.HostAsync();
        await host.ConnectLinkAsync(Unique.Id("pin"), broker.Port, reconnect: 1, connCfg: $"AT+MQTTCONNCFG=0,60,0,\"{willTopic}\",\"gone\",1,0");
        await host.OkAsync($"AT+MQTTSUB=0,\"{Unique.Topic("pin")}\",0");
        await host.OkAsync("ATE0");

        var (status, body, _) = await api.SendAsync(HttpMethod.Post, "/api/reset");
        Assert.Equal((204, ""), (status, body));

        // The host reads exactly ready: no +MQTTDISCONNECTED, nothing else.
        await host.ExpectBytesAsync("ready\r\n");
        var will = await probe.NextAsync();
        Assert.Equal((willTopic, "gone"), (will.Topic, will.PayloadText));

        var state = await api.StateAsync();
        Assert.Equal("idle", state.GetProperty("link").GetProperty("phase").GetString());
        Assert.Equal(JsonValueKind.Null, state.GetProperty("link").GetProperty("clientId").ValueKind);
        Assert.Empty(state.GetProperty("subscriptions").EnumerateArray());
        Assert.True(state.GetProperty("echo").GetBoolean());

        // Echo is back on, as after power-on, and the modem answers.
        await host.OkAsync("AT");
    }

    [Fact]
    public async Task Faults_are_started_listed_read_and_ended()
    {
        await using var api = await ControlApi.StartAsync();
        var (status, body, response) = await api.SendAsync(HttpMethod.Post, "/api/faults", """{"kind":"error","command":"AT+MQTTPUB","code":"0x00006019","count":3}""");
        Assert.Equal(201, status);
        var fault = JsonDocument.Parse(body).RootElement;
        string id = fault.GetProperty("id").GetString()!;
        Assert.Equal($"/api/faults/{id}", response.Location?.OriginalString);
        Assert.Equal("error", fault.GetProperty("spec").GetProperty("kind").GetString());

        (status, body, _) = await api.SendAsync(HttpMethod.Get, "/api/faults");
        Assert.Equal(200, status);
        Assert.Equal(id, Assert.Single(JsonDocument.Parse(body).RootElement.EnumerateArray()).GetProperty("id").GetString());
        (status, _, _) = await api.SendAsync(HttpMethod.Get, $"/api/faults/{id}");
        Assert.Equal(200, status);
        Assert.Equal(id, Assert.Single((await api.StateAsync()).GetProperty("faults").EnumerateArray()).GetProperty("id").GetString());

        (status, body, _) = await api.SendAsync(HttpMethod.Delete, $"/api/faults/{id}");
        Assert.Equal(204, status);
        (status, body, _) = await api.SendAsync(HttpMethod.Delete, $"/api/faults/{id}");
        Assert.Equal(404, status);
        Assert.Contains(id, JsonDocument.Parse(body).RootElement.GetProperty("error").GetString(), StringComparison.Ordinal);

        await api.SendAsync(HttpMethod.Post, "/api/faults", """{"kind":"busy","ms":60000}""");
        await api.SendAsync(HttpMethod.Post, "/api/faults", """{"kind":"publish-fail","count":2}""");
        (status, body, _) = await api.SendAsync(HttpMethod.Delete, "/api/faults");
        Assert.Equal((200, """{"ended":2}"""), (status, body));
        (_, body, _) = await api.SendAsync(HttpMethod.Get, "/api/faults");
        Assert.Equal("[]", body);
    }

    [Theory]
    [InlineData("{\"kind\":", "malformed JSON")]
    [InlineData("", "malformed JSON")]
    [InlineData("[1,2]", "malformed JSON")]
    [InlineData("{\"kind\":\"earthquake\"}", "unknown fault kind 'earthquake'")]
    [InlineData("{\"kind\":\"busy\",\"msx\":5}", "unknown field 'msx'")]
    [InlineData("{\"kind\":\"busy\",\"ms\":\"lots\"}", "malformed JSON at $.ms")]
    [InlineData("{\"kind\":\"busy\",\"ms\":-5}", "ms")]
    [InlineData("{\"kind\":\"uart-noise\",\"drop_rate\":1.5}", "drop_rate")]
    public async Task A_bad_fault_request_is_a_400_that_says_why_and_starts_nothing(string json, string says)
    {
        await using var api = await ControlApi.StartAsync();
        var (status, body, _) = await api.SendAsync(HttpMethod.Post, "/api/faults", json);
        Assert.Equal(400, status);
        string error = JsonDocument.Parse(body).RootElement.GetProperty("error").GetString()!;
        Assert.Contains(says, error, StringComparison.Ordinal);
        Assert.DoesNotContain("AtMqtt.", error, StringComparison.Ordinal); // no .NET type names

        (_, body, _) = await api.SendAsync(HttpMethod.Get, "/api/faults");
        Assert.Equal("[]", body);
        await using var host = await api.HostAsync();
        await host.OkAsync("AT");
    }

    [Fact]
    public async Task No_secret_reaches_the_state_or_the_event_stream()
    {
        string password = "Pw-" + Guid.NewGuid().ToString("N");
        string wifiPassword = "Wifi-" + Guid.NewGuid().ToString("N");
        string pskHex = Convert.ToHexString(RandomNumberGenerator.GetBytes(16));
        await using var api = await ControlApi.StartAsync("--wifi", $"lab:{wifiPassword}", "--psk", $"dev1:{pskHex}");
        await using var events = await api.EventsAsync();
        await using var host = await api.HostAsync();
        string topic = Unique.Topic("secret");

        await host.ExpectAsync($"AT+CWJAP=\"lab\",\"{wifiPassword}\"", "WIFI CONNECTED\r\nWIFI GOT IP\r\n\r\nOK\r\n");
        await host.ConnectLinkAsync(Unique.Id("sec"), broker.Port, user: "user", password: password);
        await host.OkAsync($"AT+MQTTSUB=0,\"{topic}\",0");

        // The PSK as a payload, both ways: redacted wherever it turns up.
        await host.OkAsync($"AT+MQTTPUB=0,\"{topic}\",\"{pskHex}\",0,0");
        await host.ReadUntilAsync($"{pskHex}\r\n", ControlApi.Timeout);
        await host.OkAsync("AT+MQTTCLEAN=0");
        await events.LineAsync("to-modem", "AT+MQTTCLEAN=0\\r\\n");
        await events.LineAsync("to-host", "OK\\r\\n");

        var (_, stateBody, _) = await api.SendAsync(HttpMethod.Get, "/api/state");
        foreach (string secret in new[] { password, wifiPassword, pskHex, pskHex.ToLowerInvariant() })
        {
            Assert.DoesNotContain(secret, stateBody, StringComparison.OrdinalIgnoreCase);
            Assert.DoesNotContain(secret, events.Raw, StringComparison.OrdinalIgnoreCase);
        }

        // The lines are there, with the secrets marked.
        Assert.Contains("\"text\":\"AT+MQTTUSERCFG=0,1,\\\"", events.Raw, StringComparison.Ordinal);
        Assert.Contains("\\\"user\\\",***,0,0,", events.Raw, StringComparison.Ordinal);
        Assert.Contains("AT+CWJAP=\\\"lab\\\",***\\\\r\\\\n", events.Raw, StringComparison.Ordinal);
        Assert.Contains("+MQTTSUBRECV:0,\\\"" + topic + "\\\",32,***", events.Raw, StringComparison.Ordinal);
        Assert.DoesNotContain(password, api.Process.StdErr, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("0.0.0.0:0", "not a loopback address; add --allow-remote")]
    [InlineData("127.0.0.1", "is not HOST:PORT")]
    [InlineData("example.org:80", "is not HOST:PORT")]
    public async Task A_control_address_that_is_not_loopback_or_not_an_address_is_a_usage_error(string address, string says)
    {
        await using var modem = await ModemProcess.StartAsync("--tcp", "127.0.0.1:0", "--control", address);
        Assert.Equal(2, await modem.WaitForExitAsync(ControlApi.Timeout));
        Assert.Contains($"--control: ", modem.StdErr, StringComparison.Ordinal);
        Assert.Contains(says, modem.StdErr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_control_port_in_use_is_a_usage_error()
    {
        using var taken = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        taken.Start();
        int port = ((System.Net.IPEndPoint)taken.LocalEndpoint).Port;
        await using var modem = await ModemProcess.StartAsync("--tcp", "127.0.0.1:0", "--control", $"127.0.0.1:{port.ToString(CultureInfo.InvariantCulture)}");
        Assert.Equal(2, await modem.WaitForExitAsync(ControlApi.Timeout));
        Assert.Contains($"--control: cannot listen on 127.0.0.1:{port}", modem.StdErr, StringComparison.Ordinal);
    }
}
