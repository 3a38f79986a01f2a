using System.Buffers;
using System.Net;
using System.Text;
using System.Text.Json;
using AtMqtt.Core;
using AtMqtt.Core.Instrument;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace AtMqtt.Cli.Control;

/// <summary>
/// <c>--control HOST:PORT</c>: the test instrument's HTTP API on a socket of its own (docs/control.md),
/// never on the host's channel. ASP.NET Core minimal APIs on Kestrel, JSON from
/// <see cref="ControlJson"/>. Started only when the option is given.
/// </summary>
internal sealed class ControlServer : IAsyncDisposable
{
    /// <summary>A comment line on an idle event stream, so that proxies and clients see it is alive.</summary>
    public static readonly TimeSpan Heartbeat = TimeSpan.FromSeconds(15);

    /// <summary>How long an event stream gathers events before it writes them.</summary>
    private static readonly TimeSpan Coalesce = TimeSpan.FromMilliseconds(10);

    // Apostrophes and non-ASCII text as they are (the default escapes them as \u0027...); CR, LF and
    // quotes are still escaped, so every event's JSON stays on its one data: line.
    private static readonly System.Text.Encodings.Web.JavaScriptEncoder Relaxed = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping;

    private static readonly ControlJson Json = new(new JsonSerializerOptions(JsonSerializerDefaults.Web)
    {
        Encoder = Relaxed,
        UnmappedMemberHandling = System.Text.Json.Serialization.JsonUnmappedMemberHandling.Disallow,
    });

    private readonly WebApplication _app;
    private readonly Modem _modem;
    private readonly ProgramInfo _info;
    private readonly EventHistory _history;
    private readonly ModemMetrics? _metrics;

    private ControlServer(WebApplication app, Modem modem, ProgramInfo info, EventHistory history, ModemMetrics? metrics)
    {
        _app = app;
        _modem = modem;
        _info = info;
        _history = history;
        _metrics = metrics;
    }

    /// <summary>The address it listens on (the real port when 0 was asked for).</summary>
    public string Address { get; private set; } = "";

    /// <summary>
    /// Starts listening on <paramref name="endPoint"/>. Throws <see cref="IOException"/> when the address
    /// cannot be used (in use, not this machine's).
    /// </summary>
    public static async Task<ControlServer> StartAsync(IPEndPoint endPoint, Modem modem, ProgramInfo info, EventHistory history, ModemMetrics? metrics = null)
    {
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { Args = [] });

        // Kestrel's and the host's own log lines (start-up banners, each request) are noise on the
        // modem's stderr; the program logs what matters itself.
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(options =>
        {
            options.Listen(endPoint, listen => listen.Protocols = HttpProtocols.Http1);
            options.AddServerHeader = false;
        });
        builder.Services.ConfigureHttpJsonOptions(options => options.SerializerOptions.TypeInfoResolverChain.Insert(0, ControlJson.Default));

        var app = builder.Build();
        var server = new ControlServer(app, modem, info, history, metrics);
        server.Map(app);
        await app.StartAsync().ConfigureAwait(false);
        server.Address = app.Services.GetRequiredService<Microsoft.AspNetCore.Hosting.Server.IServer>()
            .Features.Get<IServerAddressesFeature>()?.Addresses.FirstOrDefault() ?? $"http://{endPoint}";
        return server;
    }

    public async ValueTask DisposeAsync()
    {
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(5));
        try
        {
            await _app.StopAsync(cts.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
        }

        await _app.DisposeAsync().ConfigureAwait(false);
    }

    private void Map(WebApplication app)
    {
        app.MapGet("/api/info", () => Results.Json(_info, Json.ProgramInfo));
        app.MapGet("/api/state", () => Results.Json(_modem.Snapshot(), Json.ModemState));
        app.MapGet("/api/events", EventsAsync);
        app.MapGet("/api/transcript", TranscriptAsync);
        app.MapGet("/api/faults", () => Results.Json(_modem.Faults.Active, Json.IReadOnlyListActiveFault));
        app.MapGet("/api/faults/{id}", (string id) => _modem.Faults.Active.FirstOrDefault(f => f.Id == id) is { } fault
            ? Results.Json(fault, Json.ActiveFault)
            : NotFound(id));
        app.MapPost("/api/faults", StartFaultAsync);
        app.MapDelete("/api/faults/{id}", (string id) => _modem.Faults.End(id) ? Results.NoContent() : NotFound(id));
        app.MapDelete("/api/faults", () => Results.Json(new EndedBody(_modem.Faults.EndAll()), Json.EndedBody));
        app.MapPost("/api/reset", async () =>
        {
            await _modem.ResetPinAsync().ConfigureAwait(false);
            return Results.NoContent();
        });
        if (_metrics is { } metrics)
        {
            app.MapGet("/metrics", metrics.WriteAsync);
        }

        WebPage.Map(app);
    }

    /// <summary>What was wrong with the JSON, in the request's terms (not .NET's type names).</summary>
    private static string Malformed(JsonException ex)
    {
        string at = string.IsNullOrEmpty(ex.Path) || ex.Path == "$" ? "" : $" at {ex.Path}";
        var unmapped = System.Text.RegularExpressions.Regex.Match(ex.Message, "property '([^']*)' could not be mapped");
        if (unmapped.Success)
        {
            return $"unknown field '{unmapped.Groups[1].Value}'; a fault has kind, seconds, ms, packet, count, command, code, drop_rate, flip_rate, direction, seed, baud";
        }

        if (ex.Message.Contains("could not be converted", StringComparison.Ordinal))
        {
            return $"malformed JSON{at}: a value of the wrong type (numbers for seconds, ms, count, drop_rate, flip_rate, seed, baud; strings for the rest)";
        }

        int cut = ex.Message.IndexOf(" Path:", StringComparison.Ordinal);
        return $"malformed JSON{at}: {(cut > 0 ? ex.Message[..cut] : ex.Message)}";
    }

    private static IResult NotFound(string id) =>
        Results.Json(new ErrorBody($"no active fault has the id '{id}'"), Json.ErrorBody, statusCode: StatusCodes.Status404NotFound);

    private static IResult BadRequest(string message) =>
        Results.Json(new ErrorBody(message), Json.ErrorBody, statusCode: StatusCodes.Status400BadRequest);

    private async Task<IResult> StartFaultAsync(HttpRequest request)
    {
        FaultSpec? spec;
        try
        {
            spec = await JsonSerializer.DeserializeAsync(request.Body, Json.FaultSpec, request.HttpContext.RequestAborted).ConfigureAwait(false);
        }
        catch (JsonException ex)
        {
            return BadRequest(Malformed(ex));
        }

        if (spec is null)
        {
            return BadRequest("malformed JSON: expected an object such as {\"kind\":\"busy\",\"ms\":500}");
        }

        try
        {
            var fault = _modem.Faults.Start(spec);
            return Results.Json(fault, Json.ActiveFault, statusCode: StatusCodes.Status201Created) is var json
                ? new Created(json, $"/api/faults/{fault.Id}")
                : json;
        }
        catch (FaultSpecException ex)
        {
            return BadRequest(ex.Message);
        }
    }

    /// <summary>
    /// GET /api/events: Server-Sent Events, one per modem event (<c>id:</c> its sequence, <c>event:</c>
    /// its type, <c>data:</c> its JSON), and a comment every <see cref="Heartbeat"/> while idle. With
    /// <c>?since=N</c> or a <c>Last-Event-ID</c> header (an EventSource reconnecting; it wins over
    /// <c>since</c>, which the reconnect repeats), the retained events after N come first.
    /// </summary>
    private async Task EventsAsync(HttpContext context)
    {
        var aborted = context.RequestAborted;
        var request = context.Request;
        long? after = null;
        foreach (var (name, value) in new[] { ("Last-Event-ID", request.Headers["Last-Event-ID"].ToString()), ("since", request.Query["since"].ToString()) })
        {
            if (value.Length == 0)
            {
                continue;
            }

            if (!long.TryParse(value, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out long sequence))
            {
                await BadRequest($"{name}: '{Shorten(value)}' is not an event's sequence number (0 or more; 0 asks for every retained event)").ExecuteAsync(context).ConfigureAwait(false);
                return;
            }

            after = sequence;
            break;
        }

        // Subscribed before the headers go out: a client that has them misses nothing after.
        var subscription = _history.Subscribe(after, aborted);
        var response = context.Response;
        response.ContentType = "text/event-stream";
        response.Headers.CacheControl = "no-cache";
        context.Features.Get<Microsoft.AspNetCore.Http.Features.IHttpResponseBodyFeature>()?.DisableBuffering();
        await response.WriteAsync(": atmqtt events\n\n", aborted).ConfigureAwait(false);
        if (after is long since && subscription.FirstRetained > since + 1)
        {
            long lost = subscription.FirstRetained - since - 1;
            await response.WriteAsync(string.Create(System.Globalization.CultureInfo.InvariantCulture, $": {lost} events after {since} are no longer kept (the last {EventHistory.Capacity} are)\n\n"), aborted).ConfigureAwait(false);
        }

        await response.Body.FlushAsync(aborted).ConfigureAwait(false);
        try
        {
            await PumpAsync(subscription, response.BodyWriter, aborted).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (aborted.IsCancellationRequested)
        {
        }
    }

    private static string Shorten(string value) => value.Length <= 40 ? value : value[..40] + "...";

    /// <summary>
    /// GET /api/transcript: the retained traffic as a transcript (the <c>--transcript</c> format; lines
    /// redacted as there, the other events as <c>---</c> lines), as a file to save.
    /// </summary>
    private async Task TranscriptAsync(HttpContext context)
    {
        var events = _history.Snapshot();
        var response = context.Response;
        var now = DateTimeOffset.UtcNow;
        response.ContentType = "text/plain; charset=utf-8";
        response.Headers.CacheControl = "no-cache";
        response.Headers.ContentDisposition = string.Create(System.Globalization.CultureInfo.InvariantCulture, $"attachment; filename=\"atmqtt-{_info.ProcessId}-{now:yyyyMMdd-HHmmss}.transcript.txt\"");

        // Built whole, then sent: Kestrel refuses synchronous writes, and 10,000 lines are a few MB at most.
        using var writer = new StringWriter(System.Globalization.CultureInfo.InvariantCulture) { NewLine = "\n" };
        Transcript.TranscriptText.WriteHeader(writer, _info.Version);
        writer.WriteLine(string.Create(System.Globalization.CultureInfo.InvariantCulture, $"# From the control API's history (process {_info.ProcessId}), taken {now:yyyy-MM-dd HH:mm:ss}Z: the last {EventHistory.Capacity} events are kept."));
        if (events.Count > 0 && events[0].Sequence > 1)
        {
            writer.WriteLine(string.Create(System.Globalization.CultureInfo.InvariantCulture, $"# Older lines were dropped: events 1 to {events[0].Sequence - 1} are no longer kept; this starts at event {events[0].Sequence}."));
        }

        var date = default(DateOnly);
        foreach (var e in events)
        {
            var record = e.Type == EventTypes.Line
                ? new Transcript.TrafficRecord(e.Time, e.Direction == "to-modem" ? Transcript.Direction.HostToModem : Transcript.Direction.ModemToHost, e.Text ?? "")
                : new Transcript.TrafficRecord(e.Time, null, $"{e.Type}: {e.Text}");
            Transcript.TranscriptText.WriteRecord(writer, ref date, record);
        }

        await response.WriteAsync(writer.ToString(), context.RequestAborted).ConfigureAwait(false);
    }

    private static async Task PumpAsync(EventHistory.Subscription subscription, System.IO.Pipelines.PipeWriter output, CancellationToken aborted)
    {
        using var writer = new Utf8JsonWriter(output, new JsonWriterOptions { Encoder = Relaxed });
        var events = subscription.Live;
        for (int i = 0; i < subscription.Replay.Count; i++)
        {
            Write(output, writer, subscription.Replay[i]);
            if (i % 512 == 511)
            {
                await output.FlushAsync(aborted).ConfigureAwait(false);
            }
        }

        await output.FlushAsync(aborted).ConfigureAwait(false);
        while (true)
        {
            bool more;
            using (var idle = CancellationTokenSource.CreateLinkedTokenSource(aborted))
            {
                idle.CancelAfter(Heartbeat);
                try
                {
                    more = await events.WaitToReadAsync(idle.Token).ConfigureAwait(false);
                }
                catch (OperationCanceledException) when (!aborted.IsCancellationRequested)
                {
                    output.Write(": heartbeat\n\n"u8);
                    await output.FlushAsync(aborted).ConfigureAwait(false);
                    continue;
                }
            }

            if (!more)
            {
                return;
            }

            // One write of what a few milliseconds bring, not one per event.
            await Task.Delay(Coalesce, aborted).ConfigureAwait(false);
            while (events.TryRead(out var e))
            {
                Write(output, writer, e);
            }

            await output.FlushAsync(aborted).ConfigureAwait(false);
        }
    }

    private static void Write(System.IO.Pipelines.PipeWriter output, Utf8JsonWriter writer, ModemEvent e)
    {
        output.Write("id: "u8);
        output.Write(Encoding.ASCII.GetBytes(e.Sequence.ToString(System.Globalization.CultureInfo.InvariantCulture)));
        output.Write("\nevent: "u8);
        output.Write(Encoding.ASCII.GetBytes(e.Type));
        output.Write("\ndata: "u8);

        // One line of JSON: the serializer escapes CR and LF inside strings.
        writer.Reset(output);
        JsonSerializer.Serialize(writer, e, Json.ModemEvent);
        writer.Flush();
        output.Write("\n\n"u8);
    }

    /// <summary>201 with a Location header around a JSON body.</summary>
    private sealed class Created(IResult body, string location) : IResult
    {
        public Task ExecuteAsync(HttpContext httpContext)
        {
            httpContext.Response.Headers.Location = location;
            return body.ExecuteAsync(httpContext);
        }
    }
}
