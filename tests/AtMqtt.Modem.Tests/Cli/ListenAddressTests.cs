using System.Globalization;
using System.Net;
using System.Net.Sockets;
using Xunit;

namespace AtMqtt.Modem.Tests.Cli;

/// <summary>
/// What the program listens on, read from the kernel's socket tables (as <c>ss -ltnp</c> would show it):
/// the embedded broker on 127.0.0.1 and ::1 only, and nothing of the program beyond loopback by default.
/// </summary>
public sealed class ListenAddressTests
{
    [Fact]
    public async Task EmbeddedBroker_ListensOnLoopbackOnly()
    {
        if (!OperatingSystem.IsLinux())
        {
            return; // the socket tables come from /proc
        }

        int port = FreePort.Get();
        await using var process = await ModemProcess.StartAsync("--embedded-broker", Invariant(port));
        await process.WaitForStdErrAsync("Embedded MQTT broker listening", LiveModem.Timeout);

        var listening = TcpSockets.ListeningOf(process.Pid);
        Assert.All(listening, e => Assert.True(IPAddress.IsLoopback(e.Address), $"listens on {e}"));
        Assert.Equal(Expected((IPAddress.Loopback, port), (IPAddress.IPv6Loopback, port)), Sorted(listening));
    }

    [Fact]
    public async Task NothingListensBeyondLoopback_ByDefault()
    {
        if (!OperatingSystem.IsLinux())
        {
            return;
        }

        int brokerPort = FreePort.Get();
        await using var modem = await LiveModem.StartAsync("--embedded-broker", Invariant(brokerPort));
        await modem.ConnectLinkAsync(Unique.Id("listen"), brokerPort);

        var listening = TcpSockets.ListeningOf(modem.Process.Pid);
        Assert.All(listening, e => Assert.True(IPAddress.IsLoopback(e.Address), $"listens on {e}"));
        Assert.Equal(
            Expected((IPAddress.Loopback, modem.TcpPort), (IPAddress.Loopback, brokerPort), (IPAddress.IPv6Loopback, brokerPort)),
            Sorted(listening));
    }

    /// <summary>The end points as sorted text; IPv6 ones only where the machine has ::1.</summary>
    private static List<string> Expected(params (IPAddress Address, int Port)[] endPoints) =>
        [.. endPoints
            .Where(e => e.Address.AddressFamily != AddressFamily.InterNetworkV6 || TcpSockets.Ipv6LoopbackAvailable())
            .Select(e => new IPEndPoint(e.Address, e.Port).ToString())
            .Order(StringComparer.Ordinal)];

    private static List<string> Sorted(List<IPEndPoint> endPoints) =>
        [.. endPoints.Select(e => e.ToString()).Order(StringComparer.Ordinal)];

    private static string Invariant(int value) => value.ToString(CultureInfo.InvariantCulture);
}
