using System.Globalization;
using AtMqtt.Core;
using Xunit;
using static AtMqtt.Testing.InMemoryModem;

namespace AtMqtt.Core.Tests.Commands;

public sealed class SystemCommandsTests
{
    private const string Ok = "\r\nOK\r\n";
    private const string PlainError = "\r\nERROR\r\n";

    [Fact]
    public async Task SysStoreDefaultsToOneAndCanBeSwitched()
    {
        await using var h = await StartAsync();
        await h.CommandAsync("AT+SYSSTORE?", "+SYSSTORE:1\r\n" + Ok);
        await h.CommandAsync("AT+SYSSTORE=0", Ok);
        await h.CommandAsync("AT+SYSSTORE?", "+SYSSTORE:0\r\n" + Ok);
        await h.CommandAsync("AT+SYSSTORE=1", Ok);
        await h.CommandAsync("AT+SYSSTORE?", "+SYSSTORE:1\r\n" + Ok);
    }

    [Theory]
    [InlineData("AT+SYSSTORE=2", 0x01070000u)]
    [InlineData("AT+SYSSTORE=", 0x01080000u)]
    [InlineData("AT+SYSSTORE=\"1\"", 0x01080000u)]
    [InlineData("AT+SYSSTORE=-1", 0x01080000u)]
    [InlineData("AT+SYSSTORE=1,1", 0x01060102u)]
    [InlineData("AT+SYSSTORE", 0x010c0000u)]
    [InlineData("AT+SYSSTORE=\"1", 0x01080000u)]
    public async Task SysStoreRejectsBadParameters(string line, uint code)
    {
        await using var h = await StartAsync();
        await h.CommandAsync("AT+SYSLOG=1", Ok);
        await h.CommandAsync("AT+SYSSTORE=0", Ok);
        await h.CommandAsync(line, Err(code));
        await h.CommandAsync("AT+SYSSTORE?", "+SYSSTORE:0\r\n" + Ok);
    }

    [Fact]
    public async Task SysTimestampIsTheHostClock()
    {
        await using var h = await StartAsync();
        long before = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
        long value = await TimestampAsync(h);
        long after = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
        Assert.InRange(value, before, after);
    }

    [Fact]
    public async Task SysTimestampSetsAnOffsetThatKeepsRunning()
    {
        await using var h = await StartAsync();
        await h.CommandAsync("AT+SYSTIMESTAMP=1565853509", Ok);
        long value = await TimestampAsync(h);
        Assert.InRange(value, 1565853509, 1565853511);

        // The module clock is now valid: AT+CIPSNTPTIME? shows it (UTC, timezone 0).
        string time = await h.QueryAsync("AT+CIPSNTPTIME?");
        Assert.Matches(@"^\+CIPSNTPTIME:Thu Aug 15 07:18:(29|30|31) 2019\r\n\r\nOK\r\n$", time);
        await h.CommandAsync("AT+SYSTIMESTAMP=0", Ok);
        Assert.InRange(await TimestampAsync(h), 0, 2);
    }

    [Theory]
    [InlineData("AT+SYSTIMESTAMP=-1", 0x01080000u)]
    [InlineData("AT+SYSTIMESTAMP=abc", 0x01080000u)]
    [InlineData("AT+SYSTIMESTAMP=2147483648", 0x01080000u)]
    [InlineData("AT+SYSTIMESTAMP=\"1565853509\"", 0x01080000u)]
    [InlineData("AT+SYSTIMESTAMP=", 0x01080000u)]
    [InlineData("AT+SYSTIMESTAMP=1,2", 0x01060102u)]
    [InlineData("AT+SYSTIMESTAMP", 0x010c0000u)]
    public async Task SysTimestampRejectsBadParameters(string line, uint code)
    {
        await using var h = await StartAsync();
        await h.CommandAsync("AT+SYSLOG=1", Ok);
        await h.CommandAsync(line, Err(code));
        long now = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
        Assert.InRange(await TimestampAsync(h), now - 1, now + 2);
    }

    [Fact]
    public async Task UartDefaultsAre115200EightNOne()
    {
        await using var h = await StartAsync();
        await h.CommandAsync("AT+UART_CUR?", "+UART_CUR:115200,8,1,0,0\r\n" + Ok);
        await h.CommandAsync("AT+UART_DEF?", "+UART_DEF:115200,8,1,0,0\r\n" + Ok);
        Assert.Equal(115200, h.Modem.Device.Baud);
    }

    [Fact]
    public async Task UartCurIsLostOnRestartUartDefSurvivesIt()
    {
        await using var h = await StartAsync();
        await h.CommandAsync("AT+UART_CUR=921600,8,1,0,3", Ok);
        await h.CommandAsync("AT+UART_CUR?", "+UART_CUR:921600,8,1,0,3\r\n" + Ok);
        await h.CommandAsync("AT+UART_DEF?", "+UART_DEF:115200,8,1,0,0\r\n" + Ok);
        Assert.Equal(921600, h.Modem.Device.Baud);

        await h.CommandAsync("AT+RST", Ok + "ready\r\n");
        await h.CommandAsync("AT+UART_CUR?", "+UART_CUR:115200,8,1,0,0\r\n" + Ok);
        Assert.Equal(115200, h.Modem.Device.Baud);

        await h.CommandAsync("AT+UART_DEF=57600,7,2,1,1", Ok);
        await h.CommandAsync("AT+UART_CUR?", "+UART_CUR:57600,7,2,1,1\r\n" + Ok);
        Assert.Equal(57600, h.Modem.Device.Baud);
        await h.CommandAsync("AT+UART_CUR=80,5,3,2,2", Ok);
        await h.CommandAsync("AT+RST", Ok + "ready\r\n");
        await h.CommandAsync("AT+UART_DEF?", "+UART_DEF:57600,7,2,1,1\r\n" + Ok);
        await h.CommandAsync("AT+UART_CUR?", "+UART_CUR:57600,7,2,1,1\r\n" + Ok);
        Assert.Equal(57600, h.Modem.Device.Baud);
    }

    [Theory]
    [InlineData("=79,8,1,0,0", 0x01070000u)]
    [InlineData("=5000001,8,1,0,0", 0x01070000u)]
    [InlineData("=115200,4,1,0,0", 0x01070001u)]
    [InlineData("=115200,9,1,0,0", 0x01070001u)]
    [InlineData("=115200,8,0,0,0", 0x01070002u)]
    [InlineData("=115200,8,4,0,0", 0x01070002u)]
    [InlineData("=115200,8,1,3,0", 0x01070003u)]
    [InlineData("=115200,8,1,0,4", 0x01070004u)]
    [InlineData("=115200,8,1,0", 0x01060504u)]
    [InlineData("=115200,8,1,0,0,0", 0x01060506u)]
    [InlineData("=115200,,1,0,0", 0x01080001u)]
    [InlineData("=\"115200\",8,1,0,0", 0x01080000u)]
    [InlineData("=115200,8,1,0,x", 0x01080004u)]
    [InlineData("", 0x010c0000u)]
    public async Task UartRejectsBadParameters(string parameters, uint code)
    {
        await using var h = await StartAsync();
        await h.CommandAsync("AT+SYSLOG=1", Ok);
        foreach (string name in (string[])["AT+UART_CUR", "AT+UART_DEF"])
        {
            await h.CommandAsync(name + parameters, Err(code));
        }

        await h.CommandAsync("AT+UART_CUR?", "+UART_CUR:115200,8,1,0,0\r\n" + Ok);
        await h.CommandAsync("AT+UART_DEF?", "+UART_DEF:115200,8,1,0,0\r\n" + Ok);
    }

    [Fact]
    public async Task UartAcceptsTheEdgesOfItsRanges()
    {
        await using var h = await StartAsync();
        await h.CommandAsync("AT+UART_CUR=80,5,1,0,0", Ok);
        await h.CommandAsync("AT+UART_CUR=5000000,8,3,2,3", Ok);
        await h.CommandAsync("AT+UART_CUR?", "+UART_CUR:5000000,8,3,2,3\r\n" + Ok);
    }

    [Fact]
    public async Task RestoreAnswersOkThenRestartsWithFactorySettings()
    {
        await using var h = await StartAsync(new ModemOptions { Wifi = ("home", "secret") });
        await h.CommandAsync("AT+UART_DEF=57600,8,1,0,0", Ok);
        await h.CommandAsync("AT+CWAUTOCONN=0", Ok);
        await h.CommandAsync("AT+CWMODE=3", Ok);
        await h.CommandAsync("AT+CWJAP=\"home\",\"secret\"", "WIFI CONNECTED\r\nWIFI GOT IP\r\n" + Ok);
        await h.CommandAsync("AT+SYSTIMESTAMP=1565853509", Ok);
        await h.CommandAsync("AT+SYSSTORE=0", Ok);
        await h.CommandAsync("AT+SYSLOG=1", Ok);
        await h.CommandAsync("ATE0", Ok);
        Assert.True(h.Modem.Device.WifiConnected);

        // Echo is off: OK, then the restart's ready; nothing else.
        await h.SendAsync("AT+RESTORE\r\n");
        await h.ExpectAsync(Ok + "ready\r\n");
        await h.AssertSilentAsync(TimeSpan.FromMilliseconds(100));
        Assert.False(h.Modem.Device.WifiConnected);

        // Echo is on again after the restart.
        await h.CommandAsync("AT+SYSSTORE?", "+SYSSTORE:1\r\n" + Ok);
        await h.CommandAsync("AT+UART_DEF?", "+UART_DEF:115200,8,1,0,0\r\n" + Ok);
        await h.CommandAsync("AT+UART_CUR?", "+UART_CUR:115200,8,1,0,0\r\n" + Ok);
        await h.CommandAsync("AT+CWMODE?", "+CWMODE:1\r\n" + Ok);
        await h.CommandAsync("AT+CWAUTOCONN?", "+CWAUTOCONN:1\r\n" + Ok);
        await h.CommandAsync("AT+CWSTATE?", "+CWSTATE:0,\"\"\r\n" + Ok);
        await h.CommandAsync("AT+CWJAP?", "No AP\r\n" + Ok);
        await h.CommandAsync("AT+CWJAP", PlainError);
        await h.CommandAsync("AT+SYSLOG?", "+SYSLOG:0\r\n" + Ok);
        string time = await h.QueryAsync("AT+CIPSNTPTIME?");
        Assert.Matches(@"^\+CIPSNTPTIME:Thu Jan  1 00:00:0\d 1970\r\n\r\nOK\r\n$", time);
        long now = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
        Assert.InRange(await TimestampAsync(h), now - 1, now + 2);
    }

    [Fact]
    public async Task RestoreTakesNoParameters()
    {
        await using var h = await StartAsync();
        await h.CommandAsync("AT+SYSLOG=1", Ok);
        await h.CommandAsync("AT+RESTORE=1", Err(0x010c0000));
        await h.CommandAsync("AT+RESTORE?", Err(0x010c0000));
        await h.CommandAsync("AT", Ok);
    }

    private static async Task<long> TimestampAsync(InMemoryModem h)
    {
        string response = await h.QueryAsync("AT+SYSTIMESTAMP?");
        var match = System.Text.RegularExpressions.Regex.Match(response, @"^\+SYSTIMESTAMP:(\d+)\r\n\r\nOK\r\n$");
        Assert.True(match.Success, response);
        return long.Parse(match.Groups[1].Value, CultureInfo.InvariantCulture);
    }
}
