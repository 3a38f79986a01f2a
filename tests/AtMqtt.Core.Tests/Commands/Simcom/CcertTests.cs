using Xunit;
using static AtMqtt.Core.Tests.Commands.Simcom.SimcomHost;

namespace AtMqtt.Core.Tests.Commands.Simcom;

/// <summary>AT+CCERTDOWN, AT+CCERTLIST, AT+CCERTDELE (src/AtMqtt.Core/Commands/Simcom/Ccert.cs), byte for byte.</summary>
public class CcertTests
{
    [Fact]
    public async Task A_download_takes_exactly_its_length_after_the_prompt_and_is_listed()
    {
        await using var m = await StartAsync();
        byte[] all = [.. Enumerable.Range(0, 256).Select(i => (byte)i)];
        await m.SendAsync("AT+CCERTDOWN=\"ca.pem\",256\r\n");
        await m.ExpectAsync("AT+CCERTDOWN=\"ca.pem\",256\r\n\r\n>");
        await m.SendAsync(all);
        await m.ExpectAsync(Ok);
        Assert.Equal(all, Core.Commands.Simcom.Ccert.Store(m.Modem).Read("ca.pem"));

        // A CR LF after the data (TinyGSM's println) is an empty line; the same name is replaced.
        await m.SendAsync("AT+CCERTDOWN=\"client_key.der\",3\r\n");
        await m.ExpectAsync("AT+CCERTDOWN=\"client_key.der\",3\r\n\r\n>");
        await m.SendAsync("key\r\n");
        await m.ExpectAsync(Ok);
        await m.SendAsync("AT+CCERTDOWN=\"ca.pem\",2\r\n");
        await m.ExpectAsync("AT+CCERTDOWN=\"ca.pem\",2\r\n\r\n>");
        await m.SendAsync("CA");
        await m.ExpectAsync(Ok);

        await m.CommandAsync("AT+CCERTLIST", Info("+CCERTLIST: \"ca.pem\"", "+CCERTLIST: \"client_key.der\""));
        await m.CommandAsync("AT+CCERTDELE=\"ca.pem\"", Ok);
        await m.CommandAsync("AT+CCERTLIST", Info("+CCERTLIST: \"client_key.der\""));
        await m.CommandAsync("AT+CCERTDELE=\"client_key.der\"", Ok);
        await m.CommandAsync("AT+CCERTLIST", Ok);
        await m.CommandAsync("AT+CCERTDOWN=?", Info("+CCERTDOWN: (5-108),(1-10240)"));
    }

    [Theory]
    [InlineData("AT+CCERTDOWN=\"ca.txt\",10")]
    [InlineData("AT+CCERTDOWN=\".pem\",10")]
    [InlineData("AT+CCERTDOWN=\"ca.pem\",0")]
    [InlineData("AT+CCERTDOWN=\"ca.pem\",10241")]
    [InlineData("AT+CCERTDOWN=\"ca.pem\"")]
    [InlineData("AT+CCERTDELE=\"nothere.pem\"")]
    [InlineData("AT+CCERTDELE")]
    public async Task A_refused_command_is_plain_ERROR_and_stores_nothing(string line)
    {
        await using var m = await StartAsync();
        await m.CommandAsync(line, Error);
        await m.CommandAsync("AT+CCERTLIST", Ok);
    }

    [Fact]
    public async Task Data_that_stops_is_ERROR_after_the_data_timeout()
    {
        await using var m = await StartAsync(dataTimeout: TimeSpan.FromSeconds(1));
        await m.SendAsync("AT+CCERTDOWN=\"ca.pem\",10\r\n");
        await m.ExpectAsync("AT+CCERTDOWN=\"ca.pem\",10\r\n\r\n>");
        await m.SendAsync("12345");
        await m.ExpectAsync(Error, TimeSpan.FromSeconds(30));
        await m.CommandAsync("AT+CCERTLIST", Ok);
    }
}
