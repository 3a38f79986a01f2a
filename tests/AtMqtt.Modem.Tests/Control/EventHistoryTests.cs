using System.Globalization;
using AtMqtt.Cli.Control;
using AtMqtt.Core.Instrument;
using Xunit;

namespace AtMqtt.Modem.Tests.Control;

/// <summary>
/// The control API's history: the last 10,000 events from the program's start, replayed to a stream that
/// asks for the events after N (<c>?since=N</c>, <c>Last-Event-ID</c>) before it goes live, with no gap
/// and no duplicate at the seam; in memory (EventHistory) and through the real program.
/// </summary>
public sealed class EventHistoryTests
{
    private static readonly TimeSpan Limit = TimeSpan.FromSeconds(15);

    [Fact]
    public async Task A_stream_opened_later_replays_what_went_before_from_the_program_start()
    {
        await using var api = await ControlApi.StartAsync();
        await using (var host = await api.HostAsync())
        {
            await host.CommandAsync("AT+GMR");
            await host.OkAsync("ATE0");
        }

        await using var events = await api.RawEventsAsync(since: 0);
        var first = await events.NextAsync(_ => true, "the first event");
        var second = await events.NextAsync(_ => true, "the second event");
        Assert.Equal(1, first.Id);

        // The host's arrival: its state event and the modem's ready, in the order the hub had them.
        Assert.Equal(
            ["line to-host ready\\r\\n", "state host=attached"],
            new[] { first, second }.Select(e => e.Type == "line" ? $"line {e.Field("direction")} {e.Field("text")}" : $"{e.Type} {e.Field("name")}={e.Field("value")}").Order(StringComparer.Ordinal));
        await events.LineAsync("to-modem", "AT+GMR\\r\\n");
        await events.LineAsync("to-host", "AT+GMR\\r\\n");
        await events.LineAsync("to-modem", "ATE0\\r\\n"); // the line, then the state change it caused
        await events.StateAsync("echo", "off");
        await events.StateAsync("host", "detached");
        Assert.Equal(Enumerable.Range(1, events.Seen.Count).Select(i => (long)i), events.Seen.Select(e => e.Id));
    }

    [Fact]
    public async Task Streams_that_ask_for_the_events_after_N_get_each_later_one_once_while_the_modem_is_busy()
    {
        await using var api = await ControlApi.StartAsync();
        await using var all = await api.RawEventsAsync(since: 0);
        await using var host = await api.HostAsync();
        var streams = new List<(long Since, RawEventStream Stream)>();
        try
        {
            // 4 events an AT (the command, its echo, the blank line, OK), while streams join at different points.
            var busy = Task.Run(async () =>
            {
                for (int i = 0; i < 600; i++)
                {
                    await host.OkAsync("AT");
                }
            });
            for (int i = 0; i < 6; i++)
            {
                long threshold = (i + 1) * 250;
                await Poll.UntilAsync(() => all.LastId >= threshold || busy.IsCompleted, $"event {threshold}", Limit);

                // From nothing to replay (since = the newest seen) to a few hundred events replayed.
                long since = Math.Max(0, all.LastId - (60 * i));
                streams.Add((since, await api.RawEventsAsync(since: since)));
            }

            await busy;
            await host.CommandAsync("AT+GMR");
            var marker = await all.NextAsync(e => e.Type == "line" && e.Field("direction") == "to-modem" && e.Field("text") == "AT+GMR\\r\\n", "the marker");
            Assert.Equal(Enumerable.Range(1, (int)marker.Id).Select(i => (long)i), all.Seen.Select(e => e.Id));
            foreach (var (since, stream) in streams)
            {
                await stream.NextAsync(e => e.Id == marker.Id, $"the marker on the stream since {since}");
                Assert.Equal(Enumerable.Range((int)since + 1, (int)(marker.Id - since)).Select(i => (long)i), stream.Seen.Select(e => e.Id));
            }
        }
        finally
        {
            foreach (var (_, stream) in streams)
            {
                await stream.DisposeAsync();
            }
        }
    }

    [Fact]
    public async Task A_reconnecting_stream_resumes_after_its_Last_Event_ID_whatever_since_says()
    {
        await using var api = await ControlApi.StartAsync();
        await using var live = await api.RawEventsAsync();
        await using var host = await api.HostAsync();
        await host.CommandAsync("AT+GMR");
        var ok = await live.LineAsync("to-host", "OK\\r\\n");

        // An EventSource reconnects to the same URL (since=0) with the id of the last event it had.
        await using var resumed = await api.RawEventsAsync(since: 0, lastEventId: ok.Id - 3);
        Assert.Equal(ok.Id - 2, (await resumed.NextAsync(_ => true, "the first event")).Id);
        Assert.Equal(ok.Id - 1, (await resumed.NextAsync(_ => true, "the second event")).Id);
        Assert.Equal(ok, await resumed.NextAsync(_ => true, "the third event"));

        // Without either: live only, from now.
        await using var fresh = await api.RawEventsAsync();
        await host.OkAsync("AT");
        Assert.Equal(ok.Id + 1, (await fresh.LineAsync("to-modem", "AT\\r\\n")).Id);
    }

    [Theory]
    [InlineData("/api/events?since=abc", null, "since: 'abc' is not an event's sequence number")]
    [InlineData("/api/events?since=-1", null, "since: '-1' is not an event's sequence number")]
    [InlineData("/api/events", "1.5", "Last-Event-ID: '1.5' is not an event's sequence number")]
    public async Task A_bad_starting_point_is_a_400_that_says_why(string path, string? lastEventId, string says)
    {
        await using var api = await ControlApi.StartAsync();
        using var request = new HttpRequestMessage(HttpMethod.Get, path);
        if (lastEventId is not null)
        {
            request.Headers.TryAddWithoutValidation("Last-Event-ID", lastEventId);
        }

        using var response = await api.Http.SendAsync(request);
        Assert.Equal(400, (int)response.StatusCode);
        Assert.StartsWith("{\"error\":\"" + says, await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_program_keeps_the_last_10000_events_and_says_that_older_ones_were_dropped()
    {
        await using var api = await ControlApi.StartAsync();
        await using var live = await api.RawEventsAsync();
        await using var host = await api.HostAsync();

        // 2,700 commands of 4 events each, in batches the modem answers whole.
        const int batch = 100;
        for (int b = 0; b < 27; b++)
        {
            await host.SendAsync(string.Concat(Enumerable.Repeat("AT\r\n", batch)));
            await host.ExpectBytesAsync(string.Concat(Enumerable.Repeat("AT\r\n\r\nOK\r\n", batch)), Limit);
        }

        await host.CommandAsync("AT+GMR");
        await live.LineAsync("to-modem", "AT+GMR\\r\\n");
        long last = (await live.LineAsync("to-host", "OK\\r\\n")).Id;
        Assert.True(last > EventHistory.Capacity + 100, $"only {last} events");

        await using var replay = await api.RawEventsAsync(since: 0);
        await replay.NextAsync(e => e.Id == last, "the last event");
        Assert.Equal(Enumerable.Range((int)(last - EventHistory.Capacity + 1), EventHistory.Capacity).Select(i => (long)i), replay.Seen.Select(e => e.Id));
        Assert.Contains($": {last - EventHistory.Capacity} events after 0 are no longer kept (the last 10000 are)\n", replay.Raw, StringComparison.Ordinal);

        string transcript = await api.Http.GetStringAsync("/api/transcript");
        Assert.Contains($"\n# Older lines were dropped: events 1 to {last - EventHistory.Capacity} are no longer kept; this starts at event {last - EventHistory.Capacity + 1}.\n", transcript, StringComparison.Ordinal);
        Assert.Equal(EventHistory.Capacity, transcript.Split('\n').Count(l => l.Length > 0 && !l.StartsWith('#')));
        Assert.EndsWith(" m>h OK\\r\\n\n", transcript, StringComparison.Ordinal);
    }

    // ------------------------------------------------------------------ EventHistory in memory

    [Fact]
    public async Task In_memory_the_ring_keeps_its_capacity_and_replays_what_comes_after_N()
    {
        var hub = new EventHub(TimeProvider.System);
        using var history = new EventHistory(hub, capacity: 5);
        for (int i = 1; i <= 12; i++)
        {
            hub.Publish(new ModemEvent { Type = EventTypes.State, Text = i.ToString(CultureInfo.InvariantCulture) });
        }

        await Poll.UntilAsync(() => history.Snapshot() is { Count: > 0 } s && s[^1].Sequence == 12, "the twelfth event kept", Limit);
        Assert.Equal([8L, 9, 10, 11, 12], history.Snapshot().Select(e => e.Sequence));
        Assert.Equal(["8", "9", "10", "11", "12"], history.Snapshot().Select(e => e.Text));

        using var cts = new CancellationTokenSource();
        var fromStart = history.Subscribe(0, cts.Token);
        Assert.Equal([8L, 9, 10, 11, 12], fromStart.Replay.Select(e => e.Sequence));
        Assert.Equal(8, fromStart.FirstRetained);
        Assert.Equal([11L, 12], history.Subscribe(10, cts.Token).Replay.Select(e => e.Sequence));
        Assert.Empty(history.Subscribe(12, cts.Token).Replay);
        var liveOnly = history.Subscribe(null, cts.Token);
        Assert.Empty(liveOnly.Replay);

        hub.Publish(new ModemEvent { Type = EventTypes.State, Text = "13" });
        Assert.Equal(13, (await fromStart.Live.ReadAsync().AsTask().WaitAsync(Limit)).Sequence);
        Assert.Equal(13, (await liveOnly.Live.ReadAsync().AsTask().WaitAsync(Limit)).Sequence);

        // A stream whose token fires is let go.
        await cts.CancelAsync();
        Assert.False(await fromStart.Live.WaitToReadAsync().AsTask().WaitAsync(Limit));
    }

    [Fact]
    public async Task In_memory_streams_joining_while_events_pour_in_get_each_event_after_their_N_exactly_once()
    {
        const int total = 9_000; // under a stream's 10,000 backlog: a slow reader loses nothing here
        var hub = new EventHub(TimeProvider.System);
        using var history = new EventHistory(hub, capacity: total);
        var publisher = Task.Run(() =>
        {
            for (int i = 0; i < total; i++)
            {
                hub.Publish(new ModemEvent { Type = EventTypes.State });
                if (i % 500 == 0)
                {
                    Thread.Yield();
                }
            }
        });

        var readers = new List<Task<(long Since, List<long> Ids)>>();
        var random = new Random(15);
        while (!publisher.IsCompleted || readers.Count < 10)
        {
            // Some ahead of the ring (the hub's own count), some behind it, some at 0.
            long since = readers.Count % 3 == 0 ? 0 : Math.Clamp(hub.LastSequence - random.Next(-50, 400), 0, total);
            readers.Add(ReadAsync(history, since, total));
            await Task.Delay(1);
        }

        await publisher;
        foreach (var reader in readers)
        {
            var (since, ids) = await reader.WaitAsync(Limit);
            Assert.Equal(Enumerable.Range((int)since + 1, total - (int)since).Select(i => (long)i), ids);
        }
    }

    private static async Task<(long Since, List<long> Ids)> ReadAsync(EventHistory history, long since, long last)
    {
        using var cts = new CancellationTokenSource();
        var subscription = history.Subscribe(since, cts.Token);
        var ids = subscription.Replay.Select(e => e.Sequence).ToList();
        while ((ids.Count == 0 ? since : ids[^1]) < last)
        {
            ids.Add((await subscription.Live.ReadAsync()).Sequence);
        }

        return (since, ids);
    }
}
