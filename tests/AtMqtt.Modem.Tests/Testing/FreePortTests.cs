using System.Net;
using System.Net.Sockets;
using Xunit;

namespace AtMqtt.Modem.Tests.Testing;

public class FreePortTests
{
    [Fact]
    public async Task Get_ReturnsPortThatCanBeBoundOnLoopback()
    {
        var port = FreePort.Get();
        Assert.InRange(port, 1, 65535);

        using var listener = new TcpListener(IPAddress.Loopback, port);
        listener.Start();
        Assert.True(await FreePort.IsAcceptingAsync(port, TimeSpan.FromSeconds(2)));
        listener.Stop();
    }
}
