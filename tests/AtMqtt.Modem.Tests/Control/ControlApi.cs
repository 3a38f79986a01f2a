using System.Text;
using System.Text.Json;
using System.Threading.Channels;

namespace AtMqtt.Modem.Tests.Control;

/// <summary>One event read from GET /api/events: the SSE fields, and the data as JSON.</summary>
internal sealed record SseEvent(long Id, string Type, string Data)
{
    public JsonElement Json => JsonDocument.Parse(Data).RootElement;

    public string? Field(string name) => Json.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;
}


/// <summary>
/// The real program with <c>--tcp</c> and <c>--control</c> on free ports, started by the package's
/// <see cref="AtMqttModem"/> (no embedded broker: these tests use mosquitto), and the raw exchange with its
/// control API through the package's <see cref="AtMqttControlClient"/>: the tests read the HTTP answers
/// themselves, status, headers and JSON, so that they prove the API, not the client's reading of it.
/// </summary>
internal sealed class ControlApi : IAsyncDisposable
{
    public static readonly TimeSpan Timeout = AtMqttModem.DefaultTimeout;

    private HttpClient? _http;

    private ControlApi(AtMqttModem modem) => Modem = modem;

    public AtMqttModem Modem { get; }

    public ModemProcess Process => Modem.Process;

    public AtMqttControlClient Control => Modem.Control;

    public static async Task<ControlApi> StartAsync(params string[] extra) =>
        new(await AtMqttModem.StartAsync(new AtMqttModemOptions { EmbeddedBroker = false, Arguments = extra }));

    /// <summary>A host on the modem's channel, <c>ready</c> read.</summary>
    public Task<AtHost> HostAsync() => Modem.AttachAtHostAsync(Timeout);

    public async Task<(int Status, string Body, ControlResponse Response)> SendAsync(HttpMethod method, string path, string? json = null)
    {
        var response = await Control.SendAsync(method, path, json);
        return (response.Status, response.Body, response);
    }

    public async Task<System.Text.Json.JsonElement> StateAsync()
    {
        var response = await Control.SendAsync(HttpMethod.Get, "/api/state");
        Xunit.Assert.Equal(200, response.Status);
        Xunit.Assert.Equal("application/json", response.MediaType);
        return response.Json;
    }

    /// <summary>Opens GET /api/events; once this returns, the stream has its headers (and so misses nothing after).</summary>
    public Task<ControlEventStream> EventsAsync() => Control.OpenEventsAsync();

    /// <summary>A plain HttpClient on the control API, for requests the package's client does not make.</summary>
    public HttpClient Http => _http ??= new HttpClient { BaseAddress = Control.BaseAddress, Timeout = TimeSpan.FromSeconds(30) };

    /// <summary>The TCP port the host connects to.</summary>
    public int HostPort => Modem.TcpEndPoint!.Port;

    /// <summary>
    /// Opens GET /api/events raw, SSE fields as sent (with <c>?since=</c> and a <c>Last-Event-ID</c> header when given); once this
    /// returns, the stream has its headers (and so misses nothing after).
    /// </summary>
    public async Task<RawEventStream> RawEventsAsync(long? since = null, long? lastEventId = null)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, since is long s ? $"/api/events?since={s}" : "/api/events");
        if (lastEventId is long last)
        {
            request.Headers.Add("Last-Event-ID", last.ToString(System.Globalization.CultureInfo.InvariantCulture));
        }

        var response = await Http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
        response.EnsureSuccessStatusCode();
        Xunit.Assert.Equal("text/event-stream", response.Content.Headers.ContentType?.MediaType);
        return new RawEventStream(response, await response.Content.ReadAsStreamAsync());
    }

    public async ValueTask DisposeAsync()
    {
        _http?.Dispose();
        await Modem.DisposeAsync();
    }
}

/// <summary>The events the control tests wait for, matched on the wire's fields (a line's text as escaped there).</summary>
internal static class EventStreamWaits
{
    public static Task<AtMqttEvent> LineAsync(this ControlEventStream events, string direction, string text) =>
        events.NextAsync(e => e.Type == "line" && e.Direction == direction && e.Text == text, $"line {direction} {text}");

    public static Task<AtMqttEvent> StateAsync(this ControlEventStream events, string name, string value) =>
        events.NextAsync(e => e.Type == "state" && e.Name == name && e.Value == value, $"state {name}={value}");
}

/// <summary>An open SSE stream, parsed in the background; the raw text is kept for greps.</summary>
internal sealed class RawEventStream : IAsyncDisposable
{
    private readonly HttpResponseMessage _response;
    private readonly Channel<SseEvent> _events = Channel.CreateUnbounded<SseEvent>();
    private readonly StringBuilder _raw = new();
    private readonly Task _reader;
    private readonly List<SseEvent> _seen = [];
    private long _lastId;

    public RawEventStream(HttpResponseMessage response, Stream body)
    {
        _response = response;
        _reader = Task.Run(() => ReadAsync(body));
    }

    /// <summary>Everything received so far, as sent.</summary>
    public string Raw
    {
        get
        {
            lock (_raw)
            {
                return _raw.ToString();
            }
        }
    }

    /// <summary>The id of the last event received so far (read or not); 0 before the first.</summary>
    public long LastId => Interlocked.Read(ref _lastId);

    /// <summary>The events read so far (by <see cref="NextAsync"/>), in order.</summary>
    public IReadOnlyList<SseEvent> Seen => _seen;

    /// <summary>The next event that matches (after those read already); fails after 15 s.</summary>
    public async Task<SseEvent> NextAsync(Func<SseEvent, bool> match, string what)
    {
        using var cts = new CancellationTokenSource(ControlApi.Timeout);
        try
        {
            while (true)
            {
                var e = await _events.Reader.ReadAsync(cts.Token);
                _seen.Add(e);
                if (match(e))
                {
                    return e;
                }
            }
        }
        catch (OperationCanceledException)
        {
            throw new Xunit.Sdk.XunitException($"no event {what} in {ControlApi.Timeout.TotalSeconds} s; saw:\n{string.Join("\n", _seen.Select(e => e.Data))}");
        }
    }

    public Task<SseEvent> LineAsync(string direction, string text) =>
        NextAsync(e => e.Type == "line" && e.Field("direction") == direction && e.Field("text") == text, $"line {direction} {text}");

    public Task<SseEvent> StateAsync(string name, string value) =>
        NextAsync(e => e.Type == "state" && e.Field("name") == name && e.Field("value") == value, $"state {name}={value}");

    public async ValueTask DisposeAsync()
    {
        _response.Dispose();
        try
        {
            await _reader.WaitAsync(TimeSpan.FromSeconds(5));
        }
        catch (Exception)
        {
            // The stream ends with an error once the response is disposed.
        }
    }

    private async Task ReadAsync(Stream body)
    {
        using var reader = new StreamReader(body, Encoding.UTF8);
        long id = 0;
        string type = "message";
        var data = new StringBuilder();
        while (await reader.ReadLineAsync() is { } line)
        {
            lock (_raw)
            {
                _raw.Append(line).Append('\n');
            }

            if (line.Length == 0)
            {
                if (data.Length > 0)
                {
                    _events.Writer.TryWrite(new SseEvent(id, type, data.ToString()));
                    Interlocked.Exchange(ref _lastId, id);
                }

                data.Clear();
                type = "message";
                continue;
            }

            if (line.StartsWith("id: ", StringComparison.Ordinal))
            {
                id = long.Parse(line[4..], System.Globalization.CultureInfo.InvariantCulture);
            }
            else if (line.StartsWith("event: ", StringComparison.Ordinal))
            {
                type = line[7..];
            }
            else if (line.StartsWith("data: ", StringComparison.Ordinal))
            {
                data.Append(line[6..]);
            }
        }

        _events.Writer.TryComplete();
    }
}
