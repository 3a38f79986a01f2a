using System.Globalization;
using System.Net;

namespace AtMqtt.Cli;

internal static class Endpoints
{
    /// <summary>Splits HOST:PORT ([v6]:PORT, a name or an address); the port must be at least <paramref name="minPort"/>.</summary>
    public static bool TrySplit(string text, int minPort, out string host, out int port)
    {
        host = "";
        port = 0;
        int colon = text.LastIndexOf(':');
        if (colon <= 0 || !int.TryParse(text.AsSpan(colon + 1), NumberStyles.None, CultureInfo.InvariantCulture, out port) || port < minPort || port > 65535)
        {
            return false;
        }

        host = text[..colon].Trim('[', ']');
        return host.Length > 0;
    }

    /// <summary>A listening address: HOST:PORT with an IP address or localhost (port 0 picks a free one).</summary>
    public static bool TryParse(string text, out IPEndPoint endPoint)
    {
        endPoint = null!;
        if (!TrySplit(text, 0, out string host, out int port))
        {
            return false;
        }

        IPAddress? address = host == "localhost" ? IPAddress.Loopback : IPAddress.TryParse(host, out var parsed) ? parsed : null;
        if (address is null)
        {
            return false;
        }

        endPoint = new IPEndPoint(address, port);
        return true;
    }

    /// <summary>
    /// An end point for logs and transcripts: an IPv4 peer of a dual-mode socket shows as
    /// <c>127.0.0.1:5000</c>, not <c>[::ffff:127.0.0.1]:5000</c>.
    /// </summary>
    public static string Show(EndPoint? endPoint) => endPoint switch
    {
        null => "(unknown)",
        IPEndPoint { Address.IsIPv4MappedToIPv6: true } ip => new IPEndPoint(ip.Address.MapToIPv4(), ip.Port).ToString(),
        _ => endPoint.ToString() ?? "(unknown)",
    };
}
