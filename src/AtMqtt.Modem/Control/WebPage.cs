using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace AtMqtt.Cli.Control;

/// <summary>
/// <c>GET /</c>: the control port's web page (Control/Web/: plain HTML, CSS and JavaScript, embedded in
/// the program as manifest resources, so it works offline and in the Native AOT binary). It only uses
/// the control API, from the same origin: the Content-Security-Policy allows nothing else, and no
/// inline script.
/// </summary>
internal static class WebPage
{
    /// <summary>Everything from this origin only; no inline script or style, no framing, no form posts.</summary>
    public const string ContentSecurityPolicy = "default-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

    private static readonly (string Path, string Resource, string ContentType)[] Files =
    [
        ("/", "index.html", "text/html; charset=utf-8"),
        ("/index.html", "index.html", "text/html; charset=utf-8"),
        ("/app.js", "app.js", "text/javascript; charset=utf-8"),
        ("/app.css", "app.css", "text/css; charset=utf-8"),
        ("/favicon.svg", "favicon.svg", "image/svg+xml"),
    ];

    public static void Map(IEndpointRouteBuilder app)
    {
        foreach (var (path, resource, contentType) in Files)
        {
            byte[] body = Load(resource);
            app.MapGet(path, (HttpContext context) =>
            {
                var headers = context.Response.Headers;
                headers.CacheControl = "no-cache";
                headers.ContentSecurityPolicy = ContentSecurityPolicy;
                headers.XContentTypeOptions = "nosniff";
                headers["Referrer-Policy"] = "no-referrer";
                return Results.Bytes(body, contentType);
            });
        }
    }

    /// <summary>A file of Control/Web/, from the program's manifest resources (the csproj names them <c>web/FILE</c>).</summary>
    public static byte[] Load(string file)
    {
        using var stream = typeof(WebPage).Assembly.GetManifestResourceStream("web/" + file)
            ?? throw new InvalidOperationException($"the web page's {file} is not embedded in the program");
        using var copy = new MemoryStream();
        stream.CopyTo(copy);
        return copy.ToArray();
    }
}
