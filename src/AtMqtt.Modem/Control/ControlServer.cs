using System.Buffers;
using System.Net;
using System.Text;
using System.Text.Json;
using System.Threading.Channels;
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

    private ControlServer(WebApplication app, Modem modem, ProgramInfo info)
    {
        _app = app;
        _modem = modem;
        _info = info;
    }

    /// <summary>The address it listens on (the real port when 0 was asked for).</summary>
    public string Address { get; private set; } = "";

    /// <summary>
    /// Starts listening on <paramref name="endPoint"/>. Throws <see cref="IOException"/> when the address
    /// cannot be used (in use, not this machine's).
    /// </summary>
    public static async Task<ControlServer> StartAsync(IPEndPoint endPoint, Modem modem, ProgramInfo info)
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
        var server = new ControlServer(app, modem, info);
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
    /// its type, <c>data:</c> its JSON), and a comment every <see cref="Heartbeat"/> while idle.
    /// </summary>
    private async Task EventsAsync(HttpContext context)
    {
        var aborted = context.RequestAborted;

        // Watching before the headers go out: a client that has them misses nothing after.
        var events = _modem.Events.Watch(aborted);
        var response = context.Response;
        response.ContentType = "text/event-stream";
        response.Headers.CacheControl = "no-cache";
        context.Features.Get<Microsoft.AspNetCore.Http.Features.IHttpResponseBodyFeature>()?.DisableBuffering();
        await response.WriteAsync(": atmqtt events\n\n", aborted).ConfigureAwait(false);
        await response.Body.FlushAsync(aborted).ConfigureAwait(false);
        try
        {
            await PumpAsync(events, response.BodyWriter, aborted).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (aborted.IsCancellationRequested)
        {
        }
    }

    private static async Task PumpAsync(ChannelReader<ModemEvent> events, System.IO.Pipelines.PipeWriter output, CancellationToken aborted)
    {
        using var writer = new Utf8JsonWriter(output, new JsonWriterOptions { Encoder = Relaxed });
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
