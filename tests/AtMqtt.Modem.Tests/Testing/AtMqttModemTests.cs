using System.Net;
using Xunit;

namespace AtMqtt.Modem.Tests.Testing;

/// <summary>
/// The AtMqtt.Testing package's public API (docs/testing-package.md): each call of <see cref="IAtMqttModem"/>
/// against the program in a process (<see cref="AtMqttModem"/>) and the engine in process
/// (<see cref="InProcessAtMqttModem"/>), the fault handle, the wait's cursor and its timeout message, the broker
/// side through independent clients; then what only the process has (ports, a pty, a given broker, stopping,
/// finding the program).
/// </summary>
public sealed class AtMqttModemTests(MosquittoFixture mosquitto) : IClassFixture<MosquittoFixture>
{
    private static readonly TimeSpan Timeout = AtMqttModem.DefaultTimeout;

    // A wait for something that is never coming: short, so that a test of the timeout does not take 15 s.
    private static readonly TimeSpan NeverComes = TimeSpan.FromMilliseconds(500);

    private static async Task<IAtMqttModem> StartAsync(bool inProcess) =>
        inProcess ? await AtMqttModem.StartInProcessAsync() : await AtMqttModem.StartAsync();

    /// <summary>A host on the modem, its link connected to the modem's own broker (reconnect 1).</summary>
    private static async Task<AtHost> ConnectedHostAsync(IAtMqttModem modem, string clientId, string? connCfg = null)
    {
        var host = await modem.AttachAtHostAsync();
        await host.ConnectLinkAsync(clientId, modem.Broker!.Port, reconnect: 1, connCfg: connCfg);
        return host;
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task State_shows_what_the_host_did(bool inProcess)
    {
        await using var modem = await StartAsync(inProcess);
        var idle = await modem.StateAsync();
        Assert.Equal(("seed", false, "idle"), (idle.Dialect, idle.HostAttached, idle.Link.Phase));

        string id = Unique.Id("state");
        string topic = Unique.Topic("state");
        await using var host = await ConnectedHostAsync(modem, id);
        await host.OkAsync($"AT+MQTTSUB=0,\"{topic}\",1");
        await host.OkAsync($"AT+MQTTPUB=0,\"{topic}/up\",\"x\",1,0");

        var state = await modem.StateAsync();
        Assert.True(state.HostAttached);
        Assert.Equal(new AtMqttState.LinkInfo("connected", 1, "127.0.0.1", modem.Broker!.Port, true, id, 120, true), state.Link);
        Assert.Equal(new AtMqttState.SubscriptionInfo(topic, 1), Assert.Single(state.Subscriptions));
        Assert.Equal([0L, 1L, 0L], state.Counters.PublishedByQos);
        Assert.Equal(4, state.Counters.Commands); // USERCFG, CONN, SUB, PUB
        Assert.Empty(state.Faults);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task A_fault_lasts_until_its_handle_is_disposed(bool inProcess)
    {
        await using var modem = await StartAsync(inProcess);
        await using var host = await modem.AttachAtHostAsync();
        AtMqttFault handle;
        await using (handle = await modem.FaultAsync("busy", ms: 600_000))
        {
            Assert.Equal(("busy", 600_000), (handle.Kind, handle.Info.Spec.Ms));
            Assert.Equal(handle.Id, Assert.Single((await modem.StateAsync()).Faults).Id);
            await modem.WaitForAsync(e => e.IsFault("busy", "started") && e.Id == handle.Id);
            await host.ExpectAsync("AT", "busy p...\r\n");
        }

        await modem.WaitForAsync(e => e.IsFault("busy", "ended") && e.Id == handle.Id);
        Assert.Empty((await modem.StateAsync()).Faults);
        await host.OkAsync("AT");
        Assert.False(await handle.EndAsync()); // ended already: nothing to do
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task A_fault_that_ended_by_itself_is_not_an_error_to_end(bool inProcess)
    {
        await using var modem = await StartAsync(inProcess);
        await using var fault = await modem.FaultAsync("busy", ms: 200);
        await modem.WaitForAsync(e => e.IsFault("busy", "ended"));
        Assert.False(await fault.EndAsync());
        Assert.Empty((await modem.StateAsync()).Faults);
    }

    [Theory]
    [InlineData(false, "busy", "ms")]
    [InlineData(true, "busy", "ms")]
    [InlineData(false, "earthquake", "unknown fault kind 'earthquake'")]
    [InlineData(true, "earthquake", "unknown fault kind 'earthquake'")]
    public async Task A_fault_the_modem_refuses_throws_its_reason_and_starts_nothing(bool inProcess, string kind, string says)
    {
        await using var modem = await StartAsync(inProcess);
        var ex = await Assert.ThrowsAsync<AtMqttFaultException>(() => modem.FaultAsync(kind, ms: -5));
        Assert.StartsWith(kind + ": ", ex.Message, StringComparison.Ordinal);
        Assert.Contains(says, ex.Message, StringComparison.Ordinal);
        Assert.Empty((await modem.StateAsync()).Faults);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task ClearFaults_ends_every_active_fault(bool inProcess)
    {
        await using var modem = await StartAsync(inProcess);
        await using var host = await modem.AttachAtHostAsync();
        await modem.FaultAsync("busy", ms: 600_000);
        await modem.FaultAsync("publish-fail", count: 5);
        Assert.Equal(2, (await modem.StateAsync()).Faults.Count);

        Assert.Equal(2, await modem.ClearFaultsAsync());
        Assert.Empty((await modem.StateAsync()).Faults);
        await host.OkAsync("AT");
        Assert.Equal(0, await modem.ClearFaultsAsync());
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Reset_pulls_the_pin_the_will_is_published_and_the_host_reads_ready(bool inProcess)
    {
        await using var modem = await StartAsync(inProcess);
        string will = Unique.Topic("will");
        await using var wills = await modem.BrokerMessagesAsync(will);
        await using var host = await ConnectedHostAsync(modem, Unique.Id("pin"), $"AT+MQTTCONNCFG=0,60,0,\"{will}\",\"gone\",1,0");

        await modem.ResetAsync();
        await host.ExpectBytesAsync("ready\r\n", Timeout);
        var message = await wills.NextAsync();
        Assert.Equal((will, "gone"), (message.Topic, message.PayloadText));
        await modem.WaitForAsync(e => e.IsState("reset", "pin"));
        Assert.Equal("idle", (await modem.StateAsync()).Link.Phase);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task WaitFor_times_out_naming_the_predicate_and_listing_what_came(bool inProcess)
    {
        await using var modem = await StartAsync(inProcess);
        await using var host = await modem.AttachAtHostAsync();
        await host.OkAsync("AT");

        var ex = await Assert.ThrowsAsync<TimeoutException>(() => modem.WaitForAsync(e => e.IsState("link", "connected"), NeverComes, after: 0));
        Assert.Contains("No event e => e.IsState(\"link\", \"connected\") within 0.5 s.", ex.Message, StringComparison.Ordinal);
        Assert.Contains("h>m AT\\r\\n", ex.Message, StringComparison.Ordinal); // the events that did come
        Assert.Contains("m>h OK\\r\\n", ex.Message, StringComparison.Ordinal);
    }

    /// <summary>
    /// The cursor: an event from before an action does not answer a wait after it, an event the action causes at
    /// once is not missed, and <c>after</c> looks back.
    /// </summary>
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task WaitFor_looks_after_the_last_action_and_the_last_match(bool inProcess)
    {
        await using var modem = await StartAsync(inProcess);
        await using var host = await modem.AttachAtHostAsync();
        await host.OkAsync("AT");
        var ok = await modem.WaitForAsync(e => e.IsLine(AtMqttEvent.ToHost, "OK"));

        // Past the match: the same OK does not answer twice.
        await Assert.ThrowsAsync<TimeoutException>(() => modem.WaitForAsync(e => e.IsLine(AtMqttEvent.ToHost, "OK"), NeverComes));
        Assert.Equal(ok, await modem.WaitForAsync(e => e.IsLine(AtMqttEvent.ToHost, "OK"), after: ok.Sequence - 1));

        // The fault's own started event comes before FaultAsync returns, and is found.
        await using (await modem.FaultAsync("busy", ms: 600_000))
        {
            await modem.WaitForAsync(e => e.IsFault("busy", "started"));
            await host.ExpectAsync("AT", "busy p...\r\n");
            await modem.WaitForAsync(e => e.IsLine(AtMqttEvent.ToHost, "busy p..."));
        }

        // Ending it was an action: the busy answer before it is behind the cursor.
        await Assert.ThrowsAsync<TimeoutException>(() => modem.WaitForAsync(e => e.IsLine(AtMqttEvent.ToHost, "busy p..."), NeverComes));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Events_yields_what_happens_from_the_call_on(bool inProcess)
    {
        await using var modem = await StartAsync(inProcess);
        await using var host = await modem.AttachAtHostAsync();
        await modem.WaitForAsync(e => e.IsState("host", "attached"));

        using var cts = new CancellationTokenSource(Timeout);
        var events = modem.Events(cts.Token); // from this call on, however late the enumeration starts
        await host.OkAsync("AT");

        var seen = new List<AtMqttEvent>();
        await foreach (var e in events)
        {
            seen.Add(e);
            if (e.IsLine(AtMqttEvent.ToHost, "OK"))
            {
                break;
            }
        }

        Assert.DoesNotContain(seen, e => e.Type == "state"); // the host attached before the call
        Assert.Equal(["AT\r\n", "AT\r\n", "\r\n", "OK\r\n"], seen.Select(e => e.Line));
        Assert.Equal([AtMqttEvent.ToModem, AtMqttEvent.ToHost, AtMqttEvent.ToHost, AtMqttEvent.ToHost], seen.Select(e => e.Direction));

        // Enumerated again, it starts at the same place; cancelled, it ends.
        await using var again = events.GetAsyncEnumerator(cts.Token);
        Assert.True(await again.MoveNextAsync());
        Assert.Equal(seen[0], again.Current);
        await cts.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(async () =>
        {
            while (await again.MoveNextAsync())
            {
            }
        });
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task PublishToDevice_reaches_the_devices_subscription(bool inProcess)
    {
        await using var modem = await StartAsync(inProcess);
        string topic = Unique.Topic("down");
        await using var host = await ConnectedHostAsync(modem, Unique.Id("down"));
        await host.OkAsync($"AT+MQTTSUB=0,\"{topic}\",1");

        await modem.PublishToDeviceAsync(topic, "on", qos: 1);
        await host.ExpectBytesAsync($"+MQTTSUBRECV:0,\"{topic}\",2,on\r\n", Timeout);
        await modem.PublishToDeviceAsync(topic, new byte[] { 0x00, 0xFF }, qos: 0);
        await host.ExpectBytesAsync($"+MQTTSUBRECV:0,\"{topic}\",2,\x00\xFF\r\n", Timeout);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task BrokerMessages_are_what_the_device_published_from_then_on(bool inProcess)
    {
        await using var modem = await StartAsync(inProcess);
        string topic = Unique.Topic("up");
        await using var host = await ConnectedHostAsync(modem, Unique.Id("up"));
        await host.OkAsync($"AT+MQTTPUB=0,\"{topic}/a\",\"before\",1,0"); // acknowledged: the broker had it

        await using var messages = await modem.BrokerMessagesAsync(topic + "/+");
        await host.OkAsync($"AT+MQTTPUB=0,\"{topic}/b\",\"after\",1,0");
        var message = await messages.NextAsync();
        Assert.Equal(($"{topic}/b", "after", 1, false), (message.Topic, message.PayloadText, message.Qos, message.Retain));
        Assert.Empty(messages.TakeAll());
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task The_transcript_has_every_line_with_the_password_hidden(bool inProcess)
    {
        await using var modem = await StartAsync(inProcess);
        string password = "Pw-" + Guid.NewGuid().ToString("N");
        await using var host = await modem.AttachAtHostAsync();
        await host.OkAsync($"AT+MQTTUSERCFG=0,1,\"{Unique.Id("tr")}\",\"user\",\"{password}\",0,0,\"\"");
        await host.OkAsync("AT");
        await modem.WaitForAsync(e => e.IsLine(AtMqttEvent.ToModem, "AT\r\n"));
        await modem.WaitForAsync(e => e.IsLine(AtMqttEvent.ToHost, "OK")); // the last line is in

        Assert.DoesNotContain(password, modem.TranscriptText, StringComparison.Ordinal);
        Assert.DoesNotContain(modem.History, e => e.Text?.Contains(password, StringComparison.Ordinal) == true);
        Assert.Contains(modem.Transcript, e => e.Direction == AtMqttEvent.ToModem && e.Text!.Contains("\"user\",***,0,0,", StringComparison.Ordinal));
        Assert.Matches(@"(?m)^\d\d:\d\d:\d\d\.\d{6} h>m AT\\r\\n\n\d\d:\d\d:\d\d\.\d{6} m>h AT\\r\\n\n", modem.TranscriptText);
        Assert.All(modem.Transcript, e => Assert.Equal("line", e.Type));
    }

    // ------------------------------------------------------------------ the program only

    [Fact]
    public async Task Start_lets_the_program_pick_every_port_and_reads_them_from_it()
    {
        await using var modem = await AtMqttModem.StartAsync();
        Assert.Contains("--tcp 127.0.0.1:0 --control 127.0.0.1:0 --embedded-broker 0", modem.Process.VisibleCommandLine(), StringComparison.Ordinal);
        var endPoint = Assert.IsType<IPEndPoint>(modem.TcpEndPoint);
        Assert.Equal(IPAddress.Loopback, endPoint.Address);
        Assert.Contains($"Listening for a host on {endPoint}", modem.Process.StdErr, StringComparison.Ordinal);
        Assert.Equal($"tcp://{endPoint}", modem.HostAddress);
        Assert.Null(modem.PtyPath);
        Assert.Contains($"Control API on {modem.Control.BaseAddress.ToString().TrimEnd('/')}", modem.Process.StdErr, StringComparison.Ordinal);
        Assert.Equal(modem.Process.Pid, modem.Info.ProcessId);

        var broker = Assert.IsType<BrokerEndpoint>(modem.Broker);
        Assert.Contains($"Embedded MQTT broker listening on {broker}", modem.Process.StdErr, StringComparison.Ordinal);
        await using var probe = await MqttProbe.ConnectAsync(broker.Host, broker.Port);

        await using var client = await global::AtMqtt.Client.AtMqttClient.OpenAsync(modem.HostAddress);
        Assert.True(client.IsInitialized);
    }

    [Fact]
    public async Task On_a_pty_the_host_opens_the_link_and_it_is_gone_after_dispose()
    {
        using var dir = new TempDirectory("pkg-pty");
        string link = dir.PathOf("ttyAT");
        var modem = await AtMqttModem.StartAsync(new AtMqttModemOptions { PtyPath = link, EmbeddedBroker = false });
        await using (modem)
        {
            Assert.Equal(("pty", link), (modem.Info.Channel.Kind, modem.PtyPath));
            Assert.Null(modem.TcpEndPoint);
            Assert.Null(modem.Broker);
            Assert.Equal($"serial:{link}@115200", modem.HostAddress);
            await using var host = await modem.AttachAtHostAsync();
            await host.OkAsync("AT");
            await modem.WaitForAsync(e => e.IsLine(AtMqttEvent.ToModem, "AT\r\n"), after: 0);
        }

        // Stopped with SIGTERM, the program removed its link.
        Assert.True(modem.Process.HasExited);
        Assert.False(File.Exists(link), "the pty link is still there");
    }

    [Fact]
    public async Task A_broker_given_at_start_is_the_one_the_harness_uses()
    {
        var broker = new BrokerEndpoint(FreePort.Host, mosquitto.Port);
        await using var modem = await AtMqttModem.StartAsync(new AtMqttModemOptions { Broker = broker });
        Assert.DoesNotContain("--embedded-broker", modem.Process.VisibleCommandLine(), StringComparison.Ordinal);
        Assert.Null(modem.Info.EmbeddedBroker);
        Assert.Equal(broker, modem.Broker);

        string topic = Unique.Topic("given");
        await using var watcher = await mosquitto.ProbeAsync();
        await watcher.SubscribeAsync(topic, 1);
        await modem.PublishToDeviceAsync(topic, "via-mosquitto", qos: 1);
        Assert.Equal("via-mosquitto", (await watcher.NextAsync()).PayloadText);
    }

    [Fact]
    public async Task Without_a_broker_the_links_broker_stands_in_once_the_host_connected()
    {
        await using var modem = await AtMqttModem.StartAsync(new AtMqttModemOptions { EmbeddedBroker = false });
        var ex = await Assert.ThrowsAsync<InvalidOperationException>(() => modem.BrokerMessagesAsync("t/#"));
        Assert.Contains("no broker yet", ex.Message, StringComparison.Ordinal);

        string topic = Unique.Topic("link");
        await using var host = await modem.AttachAtHostAsync();
        await host.ConnectLinkAsync(Unique.Id("link"), mosquitto.Port);
        await using var messages = await modem.BrokerMessagesAsync(topic);
        await host.OkAsync($"AT+MQTTPUB=0,\"{topic}\",\"found\",1,0");
        Assert.Equal("found", (await messages.NextAsync()).PayloadText);
    }

    [Fact]
    public async Task Stop_returns_the_exit_code_and_a_program_that_cannot_start_says_why()
    {
        await using (var modem = await AtMqttModem.StartAsync(new AtMqttModemOptions { Arguments = ["--strict=fail"] }))
        {
            await using var host = await modem.AttachAtHostAsync();
            await host.ExpectAsync("AT+MQTTPUB=0,\"t\",\"x\",0,0", "\r\nERROR\r\n");
            await modem.WaitForAsync(e => e.IsFinding("pub-while-disconnected"));
            Assert.Equal(3, await modem.StopAsync());
            Assert.Contains("pub-while-disconnected: 1", modem.Process.StdErr, StringComparison.Ordinal);
        }

        var ex = await Assert.ThrowsAsync<InvalidOperationException>(() => AtMqttModem.StartAsync(new AtMqttModemOptions { Arguments = ["--rx-queue", "nope"] }));
        Assert.Contains("exited (code 2)", ex.Message, StringComparison.Ordinal);
        Assert.Contains("--rx-queue", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    [System.Runtime.Versioning.SupportedOSPlatform("linux")]
    public void The_program_is_found_through_the_variables_in_order()
    {
        string build = ModemProcess.FindModemDll();
        Dictionary<string, string?> env = [];
        string Find() => ModemProcess.FindModemProgramFrom(name => env.GetValueOrDefault(name));

        Assert.Equal(build, Find()); // nothing set: the suite's own build
        env[ModemProcess.UserProgramVariable] = "/bin/sh";
        Assert.Equal("/bin/sh", Find()); // $ATMQTT, an executable
        env[ModemProcess.UserProgramVariable] = build;
        Assert.Equal(build, Find()); // $ATMQTT, an atmqtt.dll
        env[ModemProcess.ProgramOverrideVariable] = "/bin/true";
        Assert.Equal("/bin/true", Find()); // $ATMQTT_PROGRAM, the suite's, first

        env.Remove(ModemProcess.ProgramOverrideVariable);
        env[ModemProcess.UserProgramVariable] = Path.Combine(Path.GetTempPath(), Unique.Id("no-such-atmqtt"));
        var ex = Assert.Throws<FileNotFoundException>(Find); // set but wrong: an error, never another build
        Assert.StartsWith("ATMQTT names ", ex.Message, StringComparison.Ordinal);
        env[ModemProcess.UserProgramVariable] = Path.ChangeExtension(ex.FileName!, ".dll");
        Assert.Contains("not a runnable atmqtt.dll", Assert.Throws<FileNotFoundException>(Find).Message, StringComparison.Ordinal);
    }
}
