using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using System.Threading.Channels;

namespace AtMqtt.Testing;

/// <summary>A control API answer as it came: status, body, and the headers a test looks at.</summary>
/// <param name="Status">The HTTP status code.</param>
/// <param name="Body">The body as text (empty for a 204).</param>
/// <param name="Location">The <c>Location</c> header (a fault's address after a 201), if any.</param>
/// <param name="MediaType">The body's media type, if any.</param>
public sealed record ControlResponse(int Status, string Body, Uri? Location, string? MediaType)
{
    /// <summary>The body parsed as JSON.</summary>
    public JsonElement Json => JsonDocument.Parse(Body).RootElement.Clone();
}

/// <summary>
/// A client of the program's control API (<c>atmqtt --control</c>, docs/control.md): typed calls for each
/// endpoint, and <see cref="SendAsync"/> for the raw exchange. <see cref="AtMqttModem"/> uses one; a test of a
/// program started some other way can make its own from the address the program logs
/// (<c>Control API on http://...</c>).
/// </summary>
public sealed class AtMqttControlClient : IDisposable
{
    private readonly HttpClient _http;

    /// <summary>A client of the control API at <paramref name="baseAddress"/> (<c>http://127.0.0.1:PORT</c>).</summary>
    public AtMqttControlClient(Uri baseAddress)
    {
        BaseAddress = baseAddress;
        _http = new HttpClient { BaseAddress = baseAddress, Timeout = TimeSpan.FromSeconds(30) };
    }

    /// <summary>The control API's address.</summary>
    public Uri BaseAddress { get; }

    /// <summary>The exchange as it is: any method and path, an optional JSON body; the answer whatever its status.</summary>
    public async Task<ControlResponse> SendAsync(HttpMethod method, string path, string? json = null, CancellationToken cancellationToken = default)
    {
        using var request = new HttpRequestMessage(method, path);
        if (json is not null)
        {
            request.Content = new StringContent(json, Encoding.UTF8);
            request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        }

        using var response = await _http.SendAsync(request, cancellationToken).ConfigureAwait(false);
        string body = await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false);
        return new ControlResponse((int)response.StatusCode, body, response.Headers.Location, response.Content.Headers.ContentType?.MediaType);
    }

    /// <summary><c>GET /api/info</c>: the program's channel, embedded broker, version and process id.</summary>
    public async Task<AtMqttInfo> InfoAsync(CancellationToken cancellationToken = default)
    {
        var response = await ExpectAsync(HttpMethod.Get, "/api/info", null, HttpStatusCode.OK, cancellationToken).ConfigureAwait(false);
        return Parse(response, ControlJson.Default.AtMqttInfo);
    }

    /// <summary><c>GET /api/state</c>: the modem's state now.</summary>
    public async Task<AtMqttState> StateAsync(CancellationToken cancellationToken = default)
    {
        var response = await ExpectAsync(HttpMethod.Get, "/api/state", null, HttpStatusCode.OK, cancellationToken).ConfigureAwait(false);
        return Parse(response, ControlJson.Default.AtMqttState);
    }

    /// <summary><c>POST /api/faults</c>: starts a fault; a refused request throws <see cref="AtMqttFaultException"/> with the modem's reason.</summary>
    public async Task<AtMqttFaultInfo> StartFaultAsync(FaultRequest fault, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(fault);
        string json = JsonSerializer.Serialize(fault, ControlJson.Default.FaultRequest);
        var response = await SendAsync(HttpMethod.Post, "/api/faults", json, cancellationToken).ConfigureAwait(false);
        if (response.Status == (int)HttpStatusCode.BadRequest)
        {
            throw new AtMqttFaultException($"{fault.Kind}: {ErrorOf(response)}");
        }

        Check(response, HttpStatusCode.Created, "POST /api/faults");
        return Parse(response, ControlJson.Default.AtMqttFaultInfo);
    }

    /// <summary><c>GET /api/faults</c>: the active faults.</summary>
    public async Task<IReadOnlyList<AtMqttFaultInfo>> FaultsAsync(CancellationToken cancellationToken = default)
    {
        var response = await ExpectAsync(HttpMethod.Get, "/api/faults", null, HttpStatusCode.OK, cancellationToken).ConfigureAwait(false);
        return Parse(response, ControlJson.Default.ListAtMqttFaultInfo);
    }

    /// <summary><c>DELETE /api/faults/{id}</c>: true if it ended now, false if no active fault has that id (it had ended already).</summary>
    public async Task<bool> EndFaultAsync(string id, CancellationToken cancellationToken = default)
    {
        var response = await SendAsync(HttpMethod.Delete, "/api/faults/" + Uri.EscapeDataString(id), null, cancellationToken).ConfigureAwait(false);
        if (response.Status == (int)HttpStatusCode.NotFound)
        {
            return false;
        }

        Check(response, HttpStatusCode.NoContent, $"DELETE /api/faults/{id}");
        return true;
    }

    /// <summary><c>DELETE /api/faults</c>: ends every active fault; returns how many.</summary>
    public async Task<int> EndAllFaultsAsync(CancellationToken cancellationToken = default)
    {
        var response = await ExpectAsync(HttpMethod.Delete, "/api/faults", null, HttpStatusCode.OK, cancellationToken).ConfigureAwait(false);
        return Parse(response, ControlJson.Default.ControlEnded).Ended;
    }

    /// <summary><c>POST /api/reset</c>: pulls the reset pin; returns once the host has been sent <c>ready</c>.</summary>
    public async Task ResetAsync(CancellationToken cancellationToken = default) =>
        await ExpectAsync(HttpMethod.Post, "/api/reset", null, HttpStatusCode.NoContent, cancellationToken).ConfigureAwait(false);

    /// <summary>
    /// Opens <c>GET /api/events</c>. Once this returns the stream has its headers, so it misses nothing that
    /// happens afterwards.
    /// </summary>
    public async Task<ControlEventStream> OpenEventsAsync(CancellationToken cancellationToken = default)
    {
        var response = await _http.GetAsync("/api/events", HttpCompletionOption.ResponseHeadersRead, cancellationToken).ConfigureAwait(false);
        try
        {
            response.EnsureSuccessStatusCode();
            if (response.Content.Headers.ContentType?.MediaType != "text/event-stream")
            {
                throw new InvalidOperationException($"GET /api/events answered {response.Content.Headers.ContentType}, not text/event-stream");
            }

            var body = await response.Content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false);
            return new ControlEventStream(response, body);
        }
        catch
        {
            response.Dispose();
            throw;
        }
    }

    /// <summary>Releases the HTTP client.</summary>
    public void Dispose() => _http.Dispose();

    private async Task<ControlResponse> ExpectAsync(HttpMethod method, string path, string? json, HttpStatusCode status, CancellationToken cancellationToken)
    {
        var response = await SendAsync(method, path, json, cancellationToken).ConfigureAwait(false);
        Check(response, status, $"{method} {path}");
        return response;
    }

    private static void Check(ControlResponse response, HttpStatusCode status, string what)
    {
        if (response.Status != (int)status)
        {
            throw new InvalidOperationException($"{what} answered {response.Status}, not {(int)status}: {ErrorOf(response)}");
        }
    }

    private static string ErrorOf(ControlResponse response)
    {
        try
        {
            if (JsonSerializer.Deserialize(response.Body, ControlJson.Default.ControlError) is { Error: { } error })
            {
                return error;
            }
        }
        catch (JsonException)
        {
        }

        return response.Body;
    }

    private static T Parse<T>(ControlResponse response, System.Text.Json.Serialization.Metadata.JsonTypeInfo<T> type) =>
        JsonSerializer.Deserialize(response.Body, type) ?? throw new InvalidOperationException($"the control API answered null: {response.Body}");
}

/// <summary>
/// An open <c>GET /api/events</c> stream, parsed in the background as Server-Sent Events. Events wait in
/// order until read; the raw text is kept too (<see cref="Raw"/>).
/// </summary>
public sealed class ControlEventStream : IAsyncDisposable
{
    private readonly HttpResponseMessage _response;
    private readonly Channel<AtMqttEvent> _events = Channel.CreateUnbounded<AtMqttEvent>(new UnboundedChannelOptions { SingleWriter = true });
    private readonly StringBuilder _raw = new();
    private readonly Task _reader;

    internal ControlEventStream(HttpResponseMessage response, Stream body)
    {
        _response = response;
        _reader = Task.Run(() => ReadAsync(body));
    }

    /// <summary>The events in the order they came; completes when the stream ends (the program exited, or this was disposed).</summary>
    public ChannelReader<AtMqttEvent> Events => _events.Reader;

    /// <summary>Everything received so far, as sent (<c>id:</c>, <c>event:</c>, <c>data:</c> lines and comments).</summary>
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

    /// <summary>
    /// The next event that matches <paramref name="match"/>, skipping (and consuming) those before it; a
    /// <see cref="TimeoutException"/> naming <paramref name="what"/> and the events seen if none comes in time.
    /// </summary>
    public async Task<AtMqttEvent> NextAsync(Func<AtMqttEvent, bool> match, string what, TimeSpan? timeout = null)
    {
        var limit = timeout ?? AtMqttModem.DefaultTimeout;
        var seen = new List<AtMqttEvent>();
        using var cts = new CancellationTokenSource(limit);
        try
        {
            while (true)
            {
                var e = await _events.Reader.ReadAsync(cts.Token).ConfigureAwait(false);
                if (match(e))
                {
                    return e;
                }

                seen.Add(e);
            }
        }
        catch (OperationCanceledException)
        {
            throw new TimeoutException($"No event {what} within {limit.TotalSeconds:0.#} s. Events seen:\n{string.Join("\n", seen)}");
        }
        catch (ChannelClosedException)
        {
            throw new InvalidOperationException($"The event stream ended before an event {what}. Events seen:\n{string.Join("\n", seen)}");
        }
    }

    /// <summary>Closes the stream.</summary>
    public async ValueTask DisposeAsync()
    {
        _response.Dispose();
        try
        {
            await _reader.WaitAsync(TimeSpan.FromSeconds(5)).ConfigureAwait(false);
        }
        catch (Exception)
        {
            // The read ends with an error once the response is disposed.
        }
    }

    private async Task ReadAsync(Stream body)
    {
        try
        {
            using var reader = new StreamReader(body, Encoding.UTF8);
            var data = new StringBuilder();
            while (await reader.ReadLineAsync().ConfigureAwait(false) is { } line)
            {
                lock (_raw)
                {
                    _raw.Append(line).Append('\n');
                }

                if (line.Length == 0)
                {
                    if (data.Length > 0 && JsonSerializer.Deserialize(data.ToString(), ControlJson.Default.AtMqttEvent) is { } e)
                    {
                        _events.Writer.TryWrite(e);
                    }

                    data.Clear();
                }
                else if (line.StartsWith("data: ", StringComparison.Ordinal))
                {
                    // The data line carries everything (its sequence is the id line's, its type the event line's).
                    data.Append(line, 6, line.Length - 6);
                }
            }

            _events.Writer.TryComplete();
        }
        catch (Exception ex) when (ex is IOException or ObjectDisposedException or HttpRequestException or OperationCanceledException)
        {
            // The program went away, or the stream was disposed.
            _events.Writer.TryComplete();
        }
        catch (Exception ex)
        {
            _events.Writer.TryComplete(ex);
        }
    }
}
