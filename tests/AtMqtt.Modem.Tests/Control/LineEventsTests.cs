using System.Text;
using System.Threading.Channels;
using AtMqtt.Cli.Control;
using AtMqtt.Cli.Transcript;
using AtMqtt.Core.Instrument;
using Xunit;

namespace AtMqtt.Modem.Tests.Control;

/// <summary>
/// The control API's line events off the byte path: the channel's thread only queues a copy; a task of
/// their own redacts and publishes; a bounded queue drops what does not fit, says so, and starts again
/// at a line's beginning so that no secret is shown from the middle of its command.
/// </summary>
public sealed class LineEventsTests : IDisposable
{
    private const Direction H = Direction.HostToModem;
    private const Direction M = Direction.ModemToHost;
    private static readonly TimeSpan Limit = TimeSpan.FromSeconds(15);

    private readonly EventHub _hub = new(TimeProvider.System);
    private readonly CancellationTokenSource _watching = new();
    private readonly ChannelReader<ModemEvent> _events;

    public LineEventsTests() => _events = _hub.Watch(_watching.Token);

    public void Dispose()
    {
        _watching.Cancel();
        _watching.Dispose();
    }

    [Fact]
    public async Task The_channel_thread_only_queues_the_lines_become_events_on_the_drain_redacted_in_order()
    {
        using var lines = new LineEvents(_hub, () => false, drain: false);
        lines.AddSecret("psk-0123456789");
        Record(lines, H, "AT+MQTTUSERCFG=0,1,\"c\",\"u\",\"pw-secret\",0,0,\"\"\r\n");
        Record(lines, M, "AT+MQTTUSERCFG=0,1,\"c\",\"u\",\"pw-secret\",0,0,\"\"\r\n\r\nOK\r\n");
        Record(lines, H, "AT+MQTTPUB=0,\"t\",\"psk-0123456789\",0,0\r\n");

        // Nothing is redacted or published on the thread that passed the bytes.
        Assert.False(_events.TryRead(out _));

        lines.StartDraining();
        Assert.Equal(
            [
                "to-modem AT+MQTTUSERCFG=0,1,\"c\",\"u\",***,0,0,\"\"\\r\\n",
                "to-host AT+MQTTUSERCFG=0,1,\"c\",\"u\",***,0,0,\"\"\\r\\n",
                "to-host \\r\\n",
                "to-host OK\\r\\n",
                "to-modem AT+MQTTPUB=0,\"t\",\"***\",0,0\\r\\n",
            ],
            await NextAsync(5));
    }

    [Fact]
    public async Task A_line_has_the_time_its_bytes_passed_not_the_time_it_was_drained()
    {
        using var lines = new LineEvents(_hub, () => false, drain: false);
        var before = DateTimeOffset.UtcNow;
        Record(lines, H, "AT\r\n");
        var after = DateTimeOffset.UtcNow;
        lines.StartDraining(); // from here on: any time the drain stamped would be later than after

        var e = await _events.ReadAsync().AsTask().WaitAsync(Limit);
        Assert.Equal("AT\\r\\n", e.Text);
        Assert.InRange(e.Time, before, after);
    }

    [Fact]
    public async Task A_state_event_after_queued_bytes_comes_after_their_lines()
    {
        using var lines = new LineEvents(_hub, () => false, drain: false);
        Record(lines, H, "ATE0\r\n");
        Record(lines, M, "ATE0\r\n\r\nOK\r\n");
        Record(lines, H, "AT"); // a line under way stays under way
        _hub.Publish(new ModemEvent { Type = EventTypes.State, Name = "echo", Value = "off", Text = "echo off (ATE0)" });

        Assert.Equal(
            ["to-modem ATE0\\r\\n", "to-host ATE0\\r\\n", "to-host \\r\\n", "to-host OK\\r\\n", "state echo=off: echo off (ATE0)"],
            await NextAsync(5));
        Assert.False(_events.TryRead(out _));
    }

    [Fact]
    public async Task What_does_not_fit_is_dropped_counted_and_said_and_a_secret_after_the_gap_is_never_shown()
    {
        using var lines = new LineEvents(_hub, () => false, maxQueuedBytes: 72, drain: false);
        Record(lines, H, string.Concat(Enumerable.Repeat("AT+GMR\r\n", 5))); // 40 bytes: queued
        Record(lines, H, "AT+MQTTUSERCFG=0,1,\"client-1\",\"user\",\""); // 38: past 72, dropped
        Record(lines, H, "pw-secret-42\",0,0,\"\"\r\n"); // 22: queued, but the tail of a line
        Record(lines, H, "AT\r\n"); // 4: queued, and a line of its own
        lines.StartDraining();

        var events = await NextAsync(7);
        Assert.Equal(Enumerable.Repeat("to-modem AT+GMR\\r\\n", 5), events.Take(5));
        Assert.Equal("state lines=dropped: line events fell behind the channel: 38 bytes to the modem and 0 to the host not shown, nor the rest of their lines", events[5]);
        Assert.Equal("to-modem AT\\r\\n", events[6]);
        Assert.DoesNotContain(events, e => e.Contains("pw-secret", StringComparison.Ordinal));
        Assert.False(_events.TryRead(out _));
    }

    [Fact]
    public async Task After_a_gap_the_host_bytes_of_a_data_phase_are_not_shown_though_they_start_a_line()
    {
        bool dataPhase = false;
        using var lines = new LineEvents(_hub, () => dataPhase, maxQueuedBytes: 32, drain: false);
        Record(lines, H, "AT+GMR\r\n"); // 8: queued
        Record(lines, H, "AT+MQTTLONGPASSWORD=0,12\r\n"); // 26: past 32, dropped; the redactor never sees it
        dataPhase = true;
        Record(lines, H, "longpw-12345"); // the password, at a line's start, in the data phase
        dataPhase = false;
        Record(lines, H, "AT\r\n"); // after data with no line end: not yet a line start
        Record(lines, H, "AT+GMR\r\n"); // here the host's lines are followed again
        lines.StartDraining();

        var events = await NextAsync(3);
        Assert.Equal("to-modem AT+GMR\\r\\n", events[0]);
        Assert.StartsWith("state lines=dropped: line events fell behind the channel: 26 bytes to the modem and 0 to the host", events[1], StringComparison.Ordinal);
        Assert.Equal("to-modem AT+GMR\\r\\n", events[2]);
        Assert.False(_events.TryRead(out _));
    }

    [Fact]
    public async Task A_gap_is_said_once_caught_up_even_when_that_direction_says_nothing_more()
    {
        using var lines = new LineEvents(_hub, () => false, maxQueuedBytes: 10, drain: false);
        Record(lines, H, "AT+GMR\r\n"); // 8: queued
        Record(lines, M, "AT+GMR\r\n"); // 8: dropped
        lines.StartDraining();

        Assert.Equal(
            ["to-modem AT+GMR\\r\\n", "state lines=dropped: line events fell behind the channel: 0 bytes to the modem and 8 to the host not shown, nor the rest of their lines"],
            await NextAsync(2));

        // Both directions start again at their next line.
        Record(lines, M, "\r\nOK\r\n");
        Record(lines, H, "AT\r\n");
        Assert.Equal(["to-host \\r\\n", "to-host OK\\r\\n", "to-modem AT\\r\\n"], await NextAsync(3));
    }

    private static void Record(LineEvents lines, Direction direction, string text) => lines.Record(direction, Encoding.Latin1.GetBytes(text));

    /// <summary>The next <paramref name="count"/> events, each as "direction text" or "state name=value: text".</summary>
    private async Task<List<string>> NextAsync(int count)
    {
        var shown = new List<string>();
        using var cts = new CancellationTokenSource(Limit);
        try
        {
            while (shown.Count < count)
            {
                var e = await _events.ReadAsync(cts.Token);
                shown.Add(e.Type == EventTypes.Line ? $"{e.Direction} {e.Text}" : $"{e.Type} {e.Name}={e.Value}: {e.Text}");
            }
        }
        catch (OperationCanceledException)
        {
            throw new Xunit.Sdk.XunitException($"{count} events expected within {Limit.TotalSeconds} s; got:\n{string.Join("\n", shown)}");
        }

        return shown;
    }
}
