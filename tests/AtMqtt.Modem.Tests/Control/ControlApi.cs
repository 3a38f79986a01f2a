using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using System.Threading.Channels;

namespace AtMqtt.Modem.Tests.Control;

/// <summary>One event read from GET /api/events: the SSE fields, and the data as JSON.</summary>
internal sealed record SseEvent(long Id, string Type, string Data)
{
    public JsonElement Json => JsonDocument.Parse(Data).RootElement;

    public string? Field(string name) => Json.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;
}

/// <summary>
/// The real program with <c>--tcp</c> on a free port and <c>--control 127.0.0.1:0</c>: the address it logs,
/// an HttpClient on it, and its host channel.
/// </summary>
internal sealed partial class ControlApi : IAsyncDisposable
{
    public static readonly TimeSpan Timeout = TimeSpan.FromSeconds(15);

    private ControlApi(ModemProcess process, int hostPort, Uri address)
    {
        Process = process;
        HostPort = hostPort;
        Http = new HttpClient { BaseAddress = address, Timeout = TimeSpan.FromSeconds(30) };
    }

    public ModemProcess Process { get; }

    public int HostPort { get; }

    public HttpClient Http { get; }

    public static async Task<ControlApi> StartAsync(params string[] extra)
    {
        int hostPort = FreePort.Get();
        var process = await ModemProcess.StartAndWaitForAsync("Listening for a host", ["--tcp", $"127.0.0.1:{hostPort}", "--control", "127.0.0.1:0", .. extra]);
        try
        {
            var match = AddressLog().Match(process.StdErr);
            if (!match.Success)
            {
                throw new InvalidOperationException("no control address in the log:\n" + process.StdErr);
            }

            return new ControlApi(process, hostPort, new Uri(match.Groups[1].Value));
        }
        catch
        {
            await process.DisposeAsync();
            throw;
        }
    }

    /// <summary>A host on the modem's channel, <c>ready</c> read.</summary>
    public async Task<AtHost> HostAsync()
    {
        var host = await AtHost.ConnectAsync(HostPort, Timeout);
        await host.ReadUntilAsync("ready\r\n", Timeout);
        return host;
    }

    public async Task<(int Status, string Body, HttpResponseMessage Response)> SendAsync(HttpMethod method, string path, string? json = null)
    {
        using var request = new HttpRequestMessage(method, path);
        if (json is not null)
        {
            request.Content = new StringContent(json, Encoding.UTF8);
            request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        }

        var response = await Http.SendAsync(request);
        return ((int)response.StatusCode, await response.Content.ReadAsStringAsync(), response);
    }

    public async Task<JsonElement> StateAsync()
    {
        var (status, body, _) = await SendAsync(HttpMethod.Get, "/api/state");
        Xunit.Assert.Equal(200, status);
        return JsonDocument.Parse(body).RootElement;
    }

    /// <summary>
    /// Opens GET /api/events (with <c>?since=</c> and a <c>Last-Event-ID</c> header when given); once this
    /// returns, the stream has its headers (and so misses nothing after).
    /// </summary>
    public async Task<EventStream> EventsAsync(long? since = null, long? lastEventId = null)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, since is long s ? $"/api/events?since={s}" : "/api/events");
        if (lastEventId is long last)
        {
            request.Headers.Add("Last-Event-ID", last.ToString(System.Globalization.CultureInfo.InvariantCulture));
        }

        var response = await Http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
        response.EnsureSuccessStatusCode();
        Xunit.Assert.Equal("text/event-stream", response.Content.Headers.ContentType?.MediaType);
        return new EventStream(response, await response.Content.ReadAsStreamAsync());
    }

    public async ValueTask DisposeAsync()
    {
        Http.Dispose();
        await Process.DisposeAsync();
    }

    [GeneratedRegex(@"Control API on (http://\S+)")]
    private static partial Regex AddressLog();
}

/// <summary>An open SSE stream, parsed in the background; the raw text is kept for greps.</summary>
internal sealed class EventStream : IAsyncDisposable
{
    private readonly HttpResponseMessage _response;
    private readonly Channel<SseEvent> _events = Channel.CreateUnbounded<SseEvent>();
    private readonly StringBuilder _raw = new();
    private readonly Task _reader;
    private readonly List<SseEvent> _seen = [];
    private long _lastId;

    public EventStream(HttpResponseMessage response, Stream body)
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
