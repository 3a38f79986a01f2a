using System.Threading.Channels;
using AtMqtt.Core.Instrument;
using Microsoft.Extensions.Time.Testing;
using Xunit;

namespace AtMqtt.Core.Tests.Instrument;

/// <summary>
/// FaultSet's bookkeeping on a fake clock: what a request may ask for (and the message when it may
/// not), ids, timed ends, counted faults, the events it publishes. The effects are FaultsTests'.
/// </summary>
public sealed class FaultSetTests : IDisposable
{
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 12, 7, 9, 0, 0, TimeSpan.Zero));
    private readonly EventHub _events;
    private readonly FaultSet _faults;
    private readonly CancellationTokenSource _watching = new();
    private readonly ChannelReader<ModemEvent> _watcher;

    public FaultSetTests()
    {
        _events = new EventHub(_time);
        _faults = new FaultSet(_time, _events);
        _watcher = _events.Watch(_watching.Token);
    }

    public void Dispose()
    {
        _watching.Cancel();
        _watching.Dispose();
    }

    public static TheoryData<FaultSpec, string> BadRequests => new()
    {
        { new FaultSpec(), "kind: required; one of wifi-drop, broker-unreachable, broker-stall, ack-delay, publish-fail, error, busy, urc-in-prompt, uart-noise, slow-host-link" },
        { new FaultSpec { Kind = "wifi-dorp" }, "kind: unknown fault kind 'wifi-dorp'; one of wifi-drop, broker-unreachable, broker-stall, ack-delay, publish-fail, error, busy, urc-in-prompt, uart-noise, slow-host-link" },
        { new FaultSpec { Kind = "WIFI-DROP" }, "kind: unknown fault kind 'WIFI-DROP'; one of wifi-drop, broker-unreachable, broker-stall, ack-delay, publish-fail, error, busy, urc-in-prompt, uart-noise, slow-host-link" },
        { new FaultSpec { Kind = "broker-unreachable" }, "seconds: required for broker-unreachable (a number of seconds, more than 0, at most 86400); it takes seconds" },
        { new FaultSpec { Kind = "broker-stall", Seconds = 0 }, "seconds: 0 is out of range (a number of seconds, more than 0, at most 86400)" },
        { new FaultSpec { Kind = "broker-stall", Seconds = 86401 }, "seconds: 86401 is out of range (a number of seconds, more than 0, at most 86400)" },
        { new FaultSpec { Kind = "broker-stall", Seconds = double.NaN }, "seconds: NaN is out of range (a number of seconds, more than 0, at most 86400)" },
        { new FaultSpec { Kind = "wifi-drop", Ms = 5 }, "ms: wifi-drop does not take ms; it takes seconds (optional)" },
        { new FaultSpec { Kind = "urc-in-prompt", Count = 2 }, "count: urc-in-prompt does not take count; it takes no parameters" },
        { new FaultSpec { Kind = "ack-delay" }, "ms: required for ack-delay (milliseconds, 1 to 600000); it takes ms, packet (optional), seconds (optional)" },
        { new FaultSpec { Kind = "ack-delay", Ms = 0 }, "ms: 0 is out of range (milliseconds, 1 to 600000)" },
        { new FaultSpec { Kind = "ack-delay", Ms = 100, Packet = "puback2" }, "packet: 'puback2' is not one of puback, pubcomp, suback, unsuback, connack" },
        { new FaultSpec { Kind = "publish-fail" }, "count: required for publish-fail (1 to 1000000); it takes count" },
        { new FaultSpec { Kind = "publish-fail", Count = 0 }, "count: 0 is out of range (1 to 1000000)" },
        { new FaultSpec { Kind = "error", Code = "0x01" }, "command: required for error (a command name as the host writes it, e.g. AT+MQTTPUB); it takes command, code, count (optional)" },
        { new FaultSpec { Kind = "error", Command = "AT+MQTTPUB" }, "code: required for error (hex 0x0 to 0xFFFFFFFF, e.g. 0x01090000, or its decimal value); it takes command, code, count (optional)" },
        { new FaultSpec { Kind = "error", Command = "AT+MQTTPUB", Code = "0x1G" }, "code: '0x1G' is not an error code (hex 0x0 to 0xFFFFFFFF, e.g. 0x01090000, or its decimal value)" },
        { new FaultSpec { Kind = "error", Command = "AT+MQTTPUB", Code = "0x100000000" }, "code: '0x100000000' is not an error code (hex 0x0 to 0xFFFFFFFF, e.g. 0x01090000, or its decimal value)" },
        { new FaultSpec { Kind = "busy", Ms = 600_001 }, "ms: 600001 is out of range (milliseconds, 1 to 600000)" },
        { new FaultSpec { Kind = "uart-noise", DropRate = 0.1, FlipRate = 0 }, "direction: required for uart-noise (one of to-host, to-modem, both); it takes drop_rate, flip_rate, direction, seconds (optional), seed (optional)" },
        { new FaultSpec { Kind = "uart-noise", DropRate = 1.5, FlipRate = 0, Direction = "both" }, "drop_rate: 1.5 is out of range (a fraction from 0 to 1)" },
        { new FaultSpec { Kind = "uart-noise", DropRate = 0, FlipRate = -0.1, Direction = "both" }, "flip_rate: -0.1 is out of range (a fraction from 0 to 1)" },
        { new FaultSpec { Kind = "uart-noise", DropRate = 0, FlipRate = 0.1, Direction = "up" }, "direction: 'up' is not one of to-host, to-modem, both" },
        { new FaultSpec { Kind = "slow-host-link", Baud = 79 }, "baud: 79 is out of range (80 to 5000000)" },
        { new FaultSpec { Kind = "slow-host-link", Baud = 9600, Seed = 1 }, "seed: slow-host-link does not take seed; it takes baud, seconds (optional)" },
    };

    [Theory]
    [MemberData(nameof(BadRequests))]
    public void A_bad_request_is_refused_with_a_message_naming_the_field_and_nothing_starts(FaultSpec spec, string message)
    {
        var ex = Assert.Throws<FaultSpecException>(() => _faults.Start(spec));
        Assert.Equal(message, ex.Message);
        Assert.Empty(_faults.Active);
        Assert.False(_faults.Any);
        Assert.False(_watcher.TryRead(out _));
    }

    [Fact]
    public void An_unknown_command_is_refused_with_the_commands_there_are()
    {
        var ex = Assert.Throws<FaultSpecException>(() => _faults.Start(new FaultSpec { Kind = "error", Command = "AT+NOPE", Code = "1" }));
        Assert.StartsWith("command: 'AT+NOPE' is not a command any profile knows; one of AT, ", ex.Message);
        Assert.Contains("AT+MQTTPUB,", ex.Message);
    }

    [Fact]
    public async Task A_modems_error_fault_names_a_command_of_its_own_profile()
    {
        await using var m = await InMemoryModem.StartAsync(new ModemOptions { Profile = AtMqtt.Core.Profiles.Profile.FromName("esp-at-2.2") });
        var ex = Assert.Throws<FaultSpecException>(() => m.Modem.Faults.Start(new FaultSpec { Kind = "error", Command = "AT+MQTTSNI", Code = "1" }));
        Assert.StartsWith("command: 'AT+MQTTSNI' is not a command of this modem (esp-at-2.2 profile); one of AT, ", ex.Message);
        Assert.Contains("AT+MQTTCLIENTID,", ex.Message);
        Assert.Empty(m.Modem.Faults.Active);

        // A command only that profile has, spelled as its table spells it, and it takes effect.
        var fault = m.Modem.Faults.Start(new FaultSpec { Kind = "error", Command = "at+mqttclientid", Code = "0x010a6016" });
        Assert.Equal("AT+MQTTCLIENTID", fault.Spec.Command);
        await m.SysLogOnAsync();
        await m.CommandAsync("AT+MQTTCLIENTID=0,\"c\"", InMemoryModem.Err(0x010a6016));

        // A scenario file is read before any modem exists: any profile's command will do there.
        ScenarioLoader.Parse("""{"name":"x","steps":[{"start":{"kind":"error","command":"AT+MQTTSNI","code":"1"}},{"start":{"kind":"error","command":"AT+MQTTCLIENTID","code":"1"}}]}""");
    }

    [Fact]
    public void Every_kind_starts_with_what_it_takes()
    {
        FaultSpec[] good =
        [
            new() { Kind = "wifi-drop" },
            new() { Kind = "broker-unreachable", Seconds = 1 },
            new() { Kind = "broker-stall", Seconds = 0.5 },
            new() { Kind = "ack-delay", Ms = 200, Packet = "suback" },
            new() { Kind = "publish-fail", Count = 2 },
            new() { Kind = "error", Command = "at+mqttpub", Code = "0x01090000" },
            new() { Kind = "error", Command = "AT+MQTTSUB", Code = "17367040", Count = 3 },
            new() { Kind = "busy", Ms = 1000 },
            new() { Kind = "urc-in-prompt" },
            new() { Kind = "uart-noise", DropRate = 0.01, FlipRate = 0, Direction = "to-host", Seed = 7 },
            new() { Kind = "slow-host-link", Baud = 9600 },
        ];
        var started = good.Select(_faults.Start).ToArray();

        Assert.Equal(Enumerable.Range(1, good.Length).Select(i => $"f{i}"), started.Select(f => f.Id));
        Assert.Equal(started.Select(f => f.Id), _faults.Active.Select(f => f.Id));
        Assert.True(_faults.Any);

        // Normalized: the command as the table spells it, error's count defaults to 1.
        Assert.Equal("AT+MQTTPUB", started[5].Spec.Command);
        Assert.Equal(1, started[5].Spec.Count);
        Assert.Equal(3, started[6].Spec.Count);
        Assert.Equal(7, started[9].Spec.Seed);
    }

    [Fact]
    public void Uart_noise_without_a_seed_gets_one_that_the_active_list_shows()
    {
        var fault = _faults.Start(new FaultSpec { Kind = "uart-noise", DropRate = 0.5, FlipRate = 0.5, Direction = "both" });
        Assert.NotNull(fault.Spec.Seed);
        Assert.Equal(fault.Spec.Seed, Assert.Single(_faults.Active).Spec.Seed);
    }

    [Fact]
    public void A_second_fault_of_a_kind_is_refused_while_the_first_is_active()
    {
        _faults.Start(new FaultSpec { Kind = "busy", Ms = 100 });
        var ex = Assert.Throws<FaultSpecException>(() => _faults.Start(new FaultSpec { Kind = "busy", Ms = 200 }));
        Assert.Equal("kind: a busy fault is already active (f1); end it first", ex.Message);

        _faults.Start(new FaultSpec { Kind = "error", Command = "AT+MQTTPUB", Code = "1" });
        _faults.Start(new FaultSpec { Kind = "error", Command = "AT+MQTTSUB", Code = "1" });
        ex = Assert.Throws<FaultSpecException>(() => _faults.Start(new FaultSpec { Kind = "error", Command = "AT+MQTTSUB", Code = "2" }));
        Assert.Equal("command: an error fault for AT+MQTTSUB is already active (f3); end it first", ex.Message);
        Assert.Equal(["f1", "f2", "f3"], _faults.Active.Select(f => f.Id));
    }

    [Fact]
    public void A_timed_fault_ends_by_itself_on_the_modems_clock()
    {
        var fault = _faults.Start(new FaultSpec { Kind = "broker-stall", Seconds = 2.5 });
        Assert.Equal(_time.GetUtcNow(), fault.Started);
        Assert.Equal(_time.GetUtcNow().AddSeconds(2.5), fault.Ends);

        _time.Advance(TimeSpan.FromMilliseconds(2499));
        Assert.Single(_faults.Active);
        _time.Advance(TimeSpan.FromMilliseconds(1));
        Assert.Empty(_faults.Active);
        Assert.False(_faults.Any);

        Assert.Equal([("broker-stall", "started", "f1"), ("broker-stall", "ended", "f1")], Drain().Select(e => (e.Name, e.Value, e.Id)));
    }

    [Fact]
    public void Busy_lasts_its_ms()
    {
        var fault = _faults.Start(new FaultSpec { Kind = "busy", Ms = 300 });
        Assert.Equal(fault.Started.AddMilliseconds(300), fault.Ends);
        _time.Advance(TimeSpan.FromMilliseconds(300));
        Assert.Empty(_faults.Active);
    }

    [Fact]
    public void Faults_without_a_duration_last_until_ended()
    {
        var drop = _faults.Start(new FaultSpec { Kind = "wifi-drop" });
        var delay = _faults.Start(new FaultSpec { Kind = "ack-delay", Ms = 100 });
        Assert.Null(drop.Ends);
        Assert.Null(delay.Ends);
        _time.Advance(TimeSpan.FromDays(2));
        Assert.Equal(2, _faults.Active.Count);

        Assert.True(_faults.End("f2"));
        Assert.False(_faults.End("f2"));
        Assert.False(_faults.End("f9"));
        Assert.Equal(["f1"], _faults.Active.Select(f => f.Id));
    }

    [Fact]
    public void EndAll_ends_every_fault_once_and_ids_keep_counting()
    {
        _faults.Start(new FaultSpec { Kind = "wifi-drop", Seconds = 10 });
        _faults.Start(new FaultSpec { Kind = "busy", Ms = 100 });
        Assert.Equal(2, _faults.EndAll());
        Assert.Equal(0, _faults.EndAll());
        Assert.Empty(_faults.Active);

        // Their timers are gone: nothing ends twice.
        _time.Advance(TimeSpan.FromSeconds(20));
        Assert.Equal(
            [("wifi-drop", "started", "f1"), ("busy", "started", "f2"), ("wifi-drop", "ended", "f1"), ("busy", "ended", "f2")],
            Drain().Select(e => (e.Name, e.Value, e.Id)));

        Assert.Equal("f3", _faults.Start(new FaultSpec { Kind = "wifi-drop" }).Id);
    }

    [Fact]
    public void A_counted_fault_ends_with_its_last_occurrence()
    {
        _faults.Start(new FaultSpec { Kind = "publish-fail", Count = 2 });
        var fault = _faults.Find(FaultKinds.PublishFail)!;
        Assert.True(_faults.TryConsume(fault));
        Assert.Single(_faults.Active);
        Assert.True(_faults.TryConsume(fault));
        Assert.Empty(_faults.Active);
        Assert.False(_faults.TryConsume(fault));
        Assert.Null(_faults.Find(FaultKinds.PublishFail));
    }

    [Fact]
    public void Fault_events_carry_kind_id_and_parameters()
    {
        _faults.Start(new FaultSpec { Kind = "error", Command = "AT+MQTTPUB", Code = "0x01090000", Count = 2 });
        _faults.End("f1");
        var events = Drain();
        Assert.All(events, e => Assert.Equal(EventTypes.Fault, e.Type));
        Assert.Equal(["started", "ended"], events.Select(e => e.Value));
        Assert.All(events, e => Assert.Equal("error count=2 command=AT+MQTTPUB code=0x01090000", e.Text));
        Assert.Equal([1L, 2L], events.Select(e => e.Sequence));
    }

    private List<ModemEvent> Drain()
    {
        var events = new List<ModemEvent>();
        while (_watcher.TryRead(out var e))
        {
            events.Add(e);
        }

        return events;
    }
}
