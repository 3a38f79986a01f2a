using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace AtMqtt.Modem.Tests.Support;

/// <summary>The TCP sockets a process listens on, read from /proc (Linux), as <c>ss -ltnp</c> shows them.</summary>
public static class ListeningSockets
{
    private const string ListenState = "0A";

    /// <summary>Local end points of the LISTEN sockets whose descriptors <paramref name="pid"/> holds.</summary>
    public static List<IPEndPoint> Of(int pid)
    {
        var inodes = new HashSet<string>(StringComparer.Ordinal);
        foreach (string fd in Directory.EnumerateFileSystemEntries($"/proc/{pid}/fd"))
        {
            string? target;
            try
            {
                target = new FileInfo(fd).LinkTarget;
            }
            catch (IOException)
            {
                // Closed while we looked.
                continue;
            }

            if (target is not null && target.StartsWith("socket:[", StringComparison.Ordinal))
            {
                inodes.Add(target["socket:[".Length..^1]);
            }
        }

        var listening = new List<IPEndPoint>();
        foreach (string table in (string[])[$"/proc/{pid}/net/tcp", $"/proc/{pid}/net/tcp6"])
        {
            if (!File.Exists(table))
            {
                continue;
            }

            // "sl local_address rem_address st tx_queue:rx_queue tr:tm->when retrnsmt uid timeout inode ..."
            foreach (string line in File.ReadLines(table).Skip(1))
            {
                string[] f = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
                if (f.Length > 9 && f[3] == ListenState && inodes.Contains(f[9]))
                {
                    listening.Add(ParseEndPoint(f[1]));
                }
            }
        }

        return listening;
    }

    /// <summary>True if this machine can bind [::1] (IPv6 on, loopback configured).</summary>
    public static bool Ipv6LoopbackAvailable()
    {
        if (!Socket.OSSupportsIPv6)
        {
            return false;
        }

        try
        {
            using var probe = new Socket(AddressFamily.InterNetworkV6, SocketType.Stream, ProtocolType.Tcp);
            probe.Bind(new IPEndPoint(IPAddress.IPv6Loopback, 0));
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }

    /// <summary>
    /// "0100007F:0050" or 32 hex digits and a port: the kernel prints each 32-bit word of the
    /// address as a native integer, so the words are turned back into their bytes in native order.
    /// </summary>
    private static IPEndPoint ParseEndPoint(string text)
    {
        int colon = text.IndexOf(':', StringComparison.Ordinal);
        string hex = text[..colon];
        var bytes = new byte[hex.Length / 2];
        for (int word = 0; word < hex.Length / 8; word++)
        {
            uint value = uint.Parse(hex.AsSpan(word * 8, 8), NumberStyles.HexNumber, CultureInfo.InvariantCulture);
            BitConverter.TryWriteBytes(bytes.AsSpan(word * 4, 4), value);
        }

        int port = int.Parse(text.AsSpan(colon + 1), NumberStyles.HexNumber, CultureInfo.InvariantCulture);
        return new IPEndPoint(new IPAddress(bytes), port);
    }
}
