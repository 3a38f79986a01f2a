using Xunit;
using static AtMqtt.Core.Tests.Commands.Cellular.CellularHost;

namespace AtMqtt.Core.Tests.Commands.Cellular;

public sealed class SmokeTests
{
    [Theory]
    [InlineData(Quectel)]
    [InlineData(Simcom)]
    public async Task Boots_and_answers_AT(string profile)
    {
        await using var h = await StartAsync(profile);
        await h.CommandAsync("AT", Ok);
        await h.CommandAsync("AT+CPIN?", Info("+CPIN: READY"));
    }
}
