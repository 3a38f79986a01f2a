using System.Net;
using AtMqtt.Cli;
using Xunit;

namespace AtMqtt.Modem.Tests.Cli;

/// <summary>End points in logs and transcripts as people write them.</summary>
public sealed class EndpointsTests
{
    [Theory]
    [InlineData("::ffff:127.0.0.1", 5000, "127.0.0.1:5000")]
    [InlineData("127.0.0.1", 5000, "127.0.0.1:5000")]
    [InlineData("::1", 5000, "[::1]:5000")]
    public void AnIpv4MappedAddress_ShowsAsIpv4(string address, int port, string shown) =>
        Assert.Equal(shown, Endpoints.Show(new IPEndPoint(IPAddress.Parse(address), port)));
}
