using System.Buffers;
using System.Net;
using System.Text;
using System.Text.Json;
using AtMqtt.Cli.Fleets;
using AtMqtt.Core.Instrument;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace AtMqtt.Cli.Control;

/// <summary>
/// <c>--control HOST:PORT</c>: the test instrument's HTTP API on a socket of its own (docs/control.md),
/// never on the host's channel. ASP.NET Core minimal APIs on Kestrel, JSON from
/// <see cref="ControlJson"/>. Started only when the option is given. Every modem of a <c>--count</c> fleet
/// has the same API under <c>/api/modems/{n}/</c>; the plain <c>/api/</c> paths are modem 0's.
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

    /// <summary>The largest body a fleet request may have (a set is a few ranges; a fault a few fields).</summary>
    private const int MaxFleetBody = 64 * 1024;

    private readonly WebApplication _app;
    private readonly Fleet _fleet;
    private readonly ProgramInfo _info;
    private readonly ModemMetrics? _metrics;

    private ControlServer(WebApplication app, Fleet fleet, ProgramInfo info, ModemMetrics? metrics)
    {
        _app = app;
        _fleet = fleet;
        _info = info;
        _metrics = metrics;
    }

    /// <summary>The address it listens on (the real port when 0 was asked for).</summary>
    public string Address { get; private set; } = "";

    /// <summary>
    /// Starts listening on <paramref name="endPoint"/>. Throws <see cref="IOException"/> when the address
    /// cannot be used (in use, not this machine's).
    /// </summary>
    public static async Task<ControlServer> StartAsync(IPEndPoint endPoint, Fleet fleet, ProgramInfo info, ModemMetrics? metrics = null)
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
        var server = new ControlServer(app, fleet, info, metrics);
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
        // Modem 0's paths, as before fleets, then each modem's under its index.
        MapModem(app.MapGroup("/api"));
        app.MapGet("/api/modems", () => Results.Json(Summary(), Json.FleetSummary));
        app.MapPost("/api/modems/faults", StartFleetFaultsAsync);
        app.MapDelete("/api/modems/faults", EndFleetFaults);
        MapModem(app.MapGroup("/api/modems/{n:int}"));
        if (_metrics is { } metrics)
        {
            app.MapGet("/metrics", metrics.WriteAsync);
        }

        WebPage.Map(app);
    }

    /// <summary>One modem's API: info, state, events, transcript, faults, the reset pin.</summary>
    private void MapModem(RouteGroupBuilder api)
    {
        api.MapGet("/info", (HttpContext c) => With(c, m => Results.Json(_info with { Channel = m.Channel }, Json.ProgramInfo)));
        api.MapGet("/state", (HttpContext c) => With(c, m => Results.Json(m.Modem.Snapshot(), Json.ModemState)));
        api.MapGet("/events", (HttpContext c) => Find(c) is { } m ? EventsAsync(c, m) : NoSuchModem(c).ExecuteAsync(c));
        api.MapGet("/transcript", (HttpContext c) => Find(c) is { } m ? TranscriptAsync(c, m) : NoSuchModem(c).ExecuteAsync(c));
        api.MapGet("/faults", (HttpContext c) => With(c, m => Results.Json(m.Modem.Faults.Active, Json.IReadOnlyListActiveFault)));
        api.MapGet("/faults/{id}", (HttpContext c, string id) => With(c, m => m.Modem.Faults.Active.FirstOrDefault(f => f.Id == id) is { } fault
            ? Results.Json(fault, Json.ActiveFault)
            : NotFound(id)));
        api.MapPost("/faults", (HttpRequest r) => Find(r.HttpContext) is { } m ? StartFaultAsync(r, m) : Task.FromResult(NoSuchModem(r.HttpContext)));
        api.MapDelete("/faults/{id}", (HttpContext c, string id) => With(c, m => m.Modem.Faults.End(id) ? Results.NoContent() : NotFound(id)));
        api.MapDelete("/faults", (HttpContext c) => With(c, m => Results.Json(new EndedBody(m.Modem.Faults.EndAll()), Json.EndedBody)));
        api.MapPost("/reset", async (HttpContext c) =>
        {
            if (Find(c) is not { } m)
            {
                return NoSuchModem(c);
            }

            await m.Modem.ResetPinAsync().ConfigureAwait(false);
            return Results.NoContent();
        });
    }

    /// <summary>The modem a request is about: <c>/api/modems/{n}/...</c>'s, else modem 0; null when the fleet has no modem n.</summary>
    private FleetModem? Find(HttpContext context) =>
        context.Request.RouteValues.TryGetValue("n", out object? value)
            ? int.TryParse(value?.ToString(), System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out int n) ? _fleet.Find(n) : null
            : _fleet.Modems[0];

    private IResult With(HttpContext context, Func<FleetModem, IResult> answer) => Find(context) is { } modem ? answer(modem) : NoSuchModem(context);

    private IResult NoSuchModem(HttpContext context) =>
        Results.Json(
            new ErrorBody($"no modem {context.Request.RouteValues["n"]}: this program runs {(_fleet.Count == 1 ? "modem 0 only" : $"modems 0 to {_fleet.Count - 1}")}"),
            Json.ErrorBody,
            statusCode: StatusCodes.Status404NotFound);

    /// <summary>GET /api/modems: a line per modem, and the links counted by phase.</summary>
    private FleetSummary Summary()
    {
        var phases = new SortedDictionary<string, int>(StringComparer.Ordinal);
        var modems = new ModemSummary[_fleet.Count];
        int attached = 0;
        foreach (var m in _fleet.Modems)
        {
            var links = m.Modem.Links;
            var linkPhases = new string[links.Count];
            for (int i = 0; i < links.Count; i++)
            {
                linkPhases[i] = links[i].PhaseName;
                phases[linkPhases[i]] = phases.GetValueOrDefault(linkPhases[i]) + 1;
            }

            bool host = m.Modem.HostAttached;
            attached += host ? 1 : 0;
            modems[m.Index] = new ModemSummary(m.Index, m.Channel, m.Modem.Profile.Name, linkPhases, host, m.Modem.Faults.Active.Count);
        }

        return new FleetSummary(_fleet.Count, attached, phases, modems);
    }

    /// <summary>
    /// POST /api/modems/faults: one fault started on a set of modems (<c>modems</c>: indexes and ranges) or on a
    /// seeded fraction of the fleet; the answer lists the modems hit and each one's fault. The fault is checked
    /// once, before any modem gets it: a bad one starts nowhere.
    /// </summary>
    private async Task<IResult> StartFleetFaultsAsync(HttpRequest request)
    {
        var context = request.HttpContext;
        if (request.ContentLength > MaxFleetBody)
        {
            return TooLarge();
        }

        if (context.Features.Get<Microsoft.AspNetCore.Http.Features.IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } limit)
        {
            limit.MaxRequestBodySize = MaxFleetBody;
        }

        FleetFaultRequest? body;
        try
        {
            body = await JsonSerializer.DeserializeAsync(request.Body, Json.FleetFaultRequest, context.RequestAborted).ConfigureAwait(false);
        }
        catch (JsonException ex)
        {
            return BadRequest(MalformedFleet(ex));
        }
        catch (Microsoft.AspNetCore.Http.BadHttpRequestException ex) when (ex.StatusCode == StatusCodes.Status413PayloadTooLarge)
        {
            return TooLarge();
        }

        if (body is null)
        {
            return BadRequest("malformed JSON: expected an object such as {\"modems\":\"0-9\",\"fault\":{\"kind\":\"wifi-drop\",\"seconds\":5}}");
        }

        if (body.Fault is null)
        {
            return BadRequest("fault: missing; the fault to start, as POST /api/faults takes it, such as {\"kind\":\"wifi-drop\",\"seconds\":5}");
        }

        int seed = 0;
        int[]? chosen;
        string? error;
        if (body.Modems is not null && body.Fraction is not null)
        {
            return BadRequest("give modems or fraction, not both");
        }
        else if (body.Modems is not null)
        {
            if (body.Seed is not null)
            {
                return BadRequest("seed: goes with fraction; modems names the modems itself");
            }

            chosen = ModemSet.Parse(body.Modems, _fleet.Count, out error);
        }
        else if (body.Fraction is double fraction)
        {
            // No seed: one is drawn and returned, so that the same modems can be hit again.
            seed = body.Seed ?? Random.Shared.Next();
            chosen = ModemSet.Pick(fraction, seed, _fleet.Count, out error);
        }
        else
        {
            return BadRequest("say which modems: \"modems\": \"0-99\" (indexes and ranges, * for all) or \"fraction\": 0.1 with a \"seed\"");
        }

        if (chosen is null)
        {
            return BadRequest(error!);
        }

        var started = new List<ActiveFault>(chosen.Length);
        try
        {
            foreach (int index in chosen)
            {
                started.Add(_fleet.Modems[index].Modem.Faults.Start(body.Fault));
            }
        }
        catch (FaultSpecException ex)
        {
            // Checked at the first modem; a later refusal (never seen) must not leave half the set broken either.
            for (int i = 0; i < started.Count; i++)
            {
                _fleet.Modems[chosen[i]].Modem.Faults.End(started[i].Id);
            }

            return BadRequest(ex.Message);
        }

        return Results.Json(new FleetFaultsBody(chosen, body.Fraction is null ? null : seed, started), Json.FleetFaultsBody, statusCode: StatusCodes.Status201Created);
    }

    /// <summary>DELETE /api/modems/faults[?modems=SET]: ends the faults of those modems (all of them without a set).</summary>
    private IResult EndFleetFaults(HttpContext context)
    {
        string? text = context.Request.Query["modems"];
        int[]? chosen = [.. Enumerable.Range(0, _fleet.Count)];
        if (!string.IsNullOrEmpty(text) && (chosen = ModemSet.Parse(text, _fleet.Count, out string? error)) is null)
        {
            return BadRequest(error!);
        }

        int ended = 0;
        foreach (int index in chosen)
        {
            ended += _fleet.Modems[index].Modem.Faults.EndAll();
        }

        return Results.Json(new EndedBody(ended), Json.EndedBody);
    }

    private static IResult TooLarge() =>
        Results.Json(new ErrorBody($"the request is over {MaxFleetBody / 1024} KB; a set of modems is a few ranges (0-99)"), Json.ErrorBody, statusCode: StatusCodes.Status413PayloadTooLarge);

    private static string MalformedFleet(JsonException ex)
    {
        var unmapped = System.Text.RegularExpressions.Regex.Match(ex.Message, "property '([^']*)' could not be mapped");
        return unmapped.Success && !(ex.Path?.StartsWith("$.fault", StringComparison.Ordinal) ?? false)
            ? $"unknown field '{unmapped.Groups[1].Value}'; a fleet fault has modems or fraction and seed, and fault"
            : Malformed(ex);
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

    private static async Task<IResult> StartFaultAsync(HttpRequest request, FleetModem modem)
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
            var fault = modem.Modem.Faults.Start(spec);
            return Results.Json(fault, Json.ActiveFault, statusCode: StatusCodes.Status201Created) is var json
                ? new Created(json, $"{request.Path.Value?.TrimEnd('/')}/{fault.Id}")
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
    private static async Task EventsAsync(HttpContext context, FleetModem modem)
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
        var subscription = modem.History!.Subscribe(after, aborted);
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
    private async Task TranscriptAsync(HttpContext context, FleetModem modem)
    {
        var events = modem.History!.Snapshot();
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
