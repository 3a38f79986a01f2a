using System.Diagnostics;
using System.Net;
using AtMqtt.Testing;

namespace AtMqtt.Bench.Harness;

/// <summary>The broker every figure of a run is measured against: a private mosquitto, or <c>--broker</c>.</summary>
internal sealed class BrokerHandle : IAsyncDisposable
{
    private readonly MosquittoBroker? _owned;

    private BrokerHandle(IPEndPoint endPoint, string description, MosquittoBroker? owned)
    {
        EndPoint = endPoint;
        Description = description;
        _owned = owned;
    }

    public IPEndPoint EndPoint { get; }

    public string Host => EndPoint.Address.ToString();

    public int Port => EndPoint.Port;

    public string Description { get; }

    public static async Task<BrokerHandle> StartAsync(BenchArgs args)
    {
        if (args.Broker is { } external)
        {
            return new BrokerHandle(external, $"external broker at {external}", null);
        }

        // max_connections -1: the scale test opens 5000 connections; max_queued_messages 100000 (set by
        // MosquittoBroker) so that a flood measures us, not mosquitto dropping messages.
        // set_tcp_nodelay: mosquitto leaves Nagle on by default, and a QoS 1 stream of small messages
        // then stalls on the subscriber's delayed ACK (40 ms) now and then, for both subscribers alike:
        // that measures the kernel's timers, not the receive path.
        var broker = await MosquittoBroker.StartAsync(["max_connections -1", "set_tcp_nodelay true"]);
        return new BrokerHandle(new IPEndPoint(IPAddress.Loopback, broker.Port), $"mosquitto {MosquittoVersion()} on 127.0.0.1:{broker.Port} (started by the bench)", broker);
    }

    public async ValueTask DisposeAsync()
    {
        if (_owned is not null)
        {
            await _owned.DisposeAsync();
        }
    }

    private static string MosquittoVersion()
    {
        try
        {
            var psi = new ProcessStartInfo(File.Exists(MosquittoBroker.DefaultBinary) ? MosquittoBroker.DefaultBinary : "mosquitto", "-h")
            {
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                UseShellExecute = false,
            };
            using var p = Process.Start(psi)!;
            string text = p.StandardOutput.ReadToEnd() + p.StandardError.ReadToEnd();
            p.WaitForExit(5000);
            foreach (var line in text.Split('\n'))
            {
                int at = line.IndexOf("version ", StringComparison.Ordinal);
                if (at >= 0)
                {
                    return line[(at + 8)..].Trim();
                }
            }
        }
        catch (Exception ex) when (ex is System.ComponentModel.Win32Exception or InvalidOperationException)
        {
        }

        return "(version unknown)";
    }
}
