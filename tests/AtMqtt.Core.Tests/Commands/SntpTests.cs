using System.Globalization;
using AtMqtt.Core;
using Xunit;
using static AtMqtt.Testing.InMemoryModem;

namespace AtMqtt.Core.Tests.Commands;

public sealed class SntpTests
{
    private const string Ok = "\r\nOK\r\n";
    private const string TimeUpdated = "+TIME_UPDATED\r\n";
    private const string Defaults = "\"cn.ntp.org.cn\",\"ntp.sjtu.edu.cn\",\"us.pool.ntp.org\"";

    /// <summary>Longer than the simulated sync takes.</summary>
    private static readonly TimeSpan AfterSync = TimeSpan.FromMilliseconds(450);

    [Fact]
    public async Task ConfigDefaultsToDisabledWithEspAtServers()
    {
        await using var h = await StartAsync();
        await h.CommandAsync("AT+CIPSNTPCFG?", $"+CIPSNTPCFG:0,0,{Defaults}\r\n" + Ok);
    }

    [Fact]
    public async Task EnablingAnswersOkThenTimeUpdatedOnce()
    {
        await using var h = await StartAsync();
        await h.CommandAsync("AT+CIPSNTPCFG=1,8,\"pool.ntp.org\"", Ok);
        await h.AssertSilentAsync(TimeSpan.FromMilliseconds(50));
        await h.ExpectAsync(TimeUpdated);
        await h.AssertSilentAsync(AfterSync);
        Assert.True(h.Modem.Device.SntpSynced);

        await h.CommandAsync("AT+CIPSNTPCFG?", "+CIPSNTPCFG:1,8,\"pool.ntp.org\"\r\n" + Ok);
        await AssertTimeAsync(h, TimeSpan.FromHours(8));

        // Configuring again syncs again.
        await h.CommandAsync("AT+CIPSNTPCFG=1,-5,\"a\",\"b\",\"c\"", Ok);
        await h.ExpectAsync(TimeUpdated);
        await h.CommandAsync("AT+CIPSNTPCFG?", "+CIPSNTPCFG:1,-5,\"a\",\"b\",\"c\"\r\n" + Ok);
        await AssertTimeAsync(h, TimeSpan.FromHours(-5));
    }

    [Fact]
    public async Task TimeShows1970UntilSynced()
    {
        await using var h = await StartAsync();
        string before = await h.QueryAsync("AT+CIPSNTPTIME?");
        Assert.Matches(@"^\+CIPSNTPTIME:Thu Jan  1 00:00:0\d 1970\r\n\r\nOK\r\n$", before);

        await h.CommandAsync("AT+CIPSNTPCFG=0,8", Ok);
        string zoned = await h.QueryAsync("AT+CIPSNTPTIME?");
        Assert.Matches(@"^\+CIPSNTPTIME:Thu Jan  1 08:00:0\d 1970\r\n\r\nOK\r\n$", zoned);
        await h.AssertSilentAsync(AfterSync);
        Assert.False(h.Modem.Device.SntpSynced);

        await h.CommandAsync("AT+CIPSNTPCFG=1,8", Ok);
        await h.ExpectAsync(TimeUpdated);
        await h.CommandAsync("AT+CIPSNTPCFG?", $"+CIPSNTPCFG:1,8,{Defaults}\r\n" + Ok);
        await AssertTimeAsync(h, TimeSpan.FromHours(8));

        // The RTC keeps the time across AT+RST; the SNTP configuration is not kept.
        await h.CommandAsync("AT+RST", Ok + "ready\r\n");
        await h.CommandAsync("AT+CIPSNTPCFG?", $"+CIPSNTPCFG:0,0,{Defaults}\r\n" + Ok);
        await AssertTimeAsync(h, TimeSpan.Zero);
    }

    [Theory]
    [InlineData("530", 5, 330)]
    [InlineData("-500", -5, -300)]
    [InlineData("+8", 8, 480)]
    [InlineData("1245", 12, 765)]
    [InlineData("015", 0, 15)]
    [InlineData("-12", -12, -720)]
    [InlineData("14", 14, 840)]
    [InlineData("-1259", -12, -779)]
    [InlineData("1459", 14, 899)]
    [InlineData("0", 0, 0)]
    [InlineData("-13", 0, -13)]
    public async Task TimezoneAcceptsHoursAndUtcOffsets(string timezone, int shown, int minutes)
    {
        await using var h = await StartAsync();
        await h.CommandAsync("AT+SYSTIMESTAMP=1565853509", Ok);
        await h.CommandAsync($"AT+CIPSNTPCFG=0,{timezone},\"s\"", Ok);
        await h.CommandAsync("AT+CIPSNTPCFG?", string.Create(CultureInfo.InvariantCulture, $"+CIPSNTPCFG:0,{shown},\"s\"\r\n") + Ok);

        var utc = DateTimeOffset.FromUnixTimeSeconds(1565853509).UtcDateTime;
        string response = await h.QueryAsync("AT+CIPSNTPTIME?");
        string[] allowed = [.. Enumerable.Range(0, 3).Select(s => "+CIPSNTPTIME:" + Asctime(utc.AddSeconds(s).AddMinutes(minutes)) + "\r\n" + Ok)];
        Assert.Contains(response, allowed);
    }

    [Theory]
    [InlineData("AT+CIPSNTPCFG=2", 0x01070000u)]
    [InlineData("AT+CIPSNTPCFG=", 0x01080000u)]
    [InlineData("AT+CIPSNTPCFG=,8", 0x01080000u)]
    [InlineData("AT+CIPSNTPCFG=1,15", 0u)]
    [InlineData("AT+CIPSNTPCFG=1,60", 0x01070001u)]
    [InlineData("AT+CIPSNTPCFG=1,-1260", 0x01070001u)]
    [InlineData("AT+CIPSNTPCFG=1,1500", 0x01070001u)]
    [InlineData("AT+CIPSNTPCFG=1,-1300", 0x01070001u)]
    [InlineData("AT+CIPSNTPCFG=1,1460", 0x01070001u)]
    [InlineData("AT+CIPSNTPCFG=1,99999", 0x01070001u)]
    [InlineData("AT+CIPSNTPCFG=1,-99999999999", 0x01070001u)]
    [InlineData("AT+CIPSNTPCFG=1,abc", 0x01080001u)]
    [InlineData("AT+CIPSNTPCFG=1,-", 0x01080001u)]
    [InlineData("AT+CIPSNTPCFG=1,--5", 0x01080001u)]
    [InlineData("AT+CIPSNTPCFG=1,\"8\"", 0x01080001u)]
    [InlineData("AT+CIPSNTPCFG=1,8,\"\"", 0x01070002u)]
    [InlineData("AT+CIPSNTPCFG=1,8,\"a\",\"\"", 0x01070003u)]
    [InlineData("AT+CIPSNTPCFG=1,8,\"a\",\"b\",\"12345678901234567890123456789012345678901234567890123456789012345\"", 0x01070004u)]
    [InlineData("AT+CIPSNTPCFG=1,8,\"a\",\"b\",\"c\",\"d\"", 0x01060506u)]
    [InlineData("AT+CIPSNTPCFG=1,8,\"a", 0x01080002u)]
    [InlineData("AT+CIPSNTPCFG", 0x010c0000u)]
    public async Task ConfigRejectsBadParametersAndChangesNothing(string line, uint code)
    {
        await using var h = await StartAsync();
        await h.CommandAsync("AT+SYSLOG=1", Ok);
        if (code == 0)
        {
            // 15 is read as the UTC offset +00:15: whole hours 0.
            await h.CommandAsync(line, Ok);
            await h.ExpectAsync(TimeUpdated);
            await h.CommandAsync("AT+CIPSNTPCFG?", $"+CIPSNTPCFG:1,0,{Defaults}\r\n" + Ok);
            return;
        }

        await h.CommandAsync(line, Err(code));
        await h.CommandAsync("AT+CIPSNTPCFG?", $"+CIPSNTPCFG:0,0,{Defaults}\r\n" + Ok);
        Assert.False(h.Modem.Device.SntpPending);
    }

    [Fact]
    public async Task OmittedServersAreSkipped()
    {
        await using var h = await StartAsync();
        await h.CommandAsync("AT+CIPSNTPCFG=0,,,\"b\"", Ok);
        await h.CommandAsync("AT+CIPSNTPCFG?", "+CIPSNTPCFG:0,0,\"b\"\r\n" + Ok);
        await h.CommandAsync("AT+CIPSNTPCFG=0,3,time.google.com,,pool.ntp.org", Ok);
        await h.CommandAsync("AT+CIPSNTPCFG?", "+CIPSNTPCFG:0,3,\"time.google.com\",\"pool.ntp.org\"\r\n" + Ok);
    }

    [Fact]
    public async Task DisablingBeforeTheSyncCancelsIt()
    {
        await using var h = await StartAsync();
        await h.SendAsync("AT+CIPSNTPCFG=1\r\nAT+CIPSNTPCFG=0\r\n");
        await h.ExpectAsync("AT+CIPSNTPCFG=1\r\n" + Ok + "AT+CIPSNTPCFG=0\r\n" + Ok);
        await h.AssertSilentAsync(AfterSync);
        Assert.False(h.Modem.Device.SntpSynced);
    }

    [Fact]
    public async Task RestartAndRestoreCancelAPendingSync()
    {
        await using var h = await StartAsync();
        await h.SendAsync("AT+CIPSNTPCFG=1\r\nAT+RST\r\n");
        await h.ExpectAsync("AT+CIPSNTPCFG=1\r\n" + Ok + "AT+RST\r\n" + Ok + "ready\r\n");
        await h.AssertSilentAsync(AfterSync);

        await h.SendAsync("AT+CIPSNTPCFG=1\r\nAT+RESTORE\r\n");
        await h.ExpectAsync("AT+CIPSNTPCFG=1\r\n" + Ok + "AT+RESTORE\r\n" + Ok + "ready\r\n");
        await h.AssertSilentAsync(AfterSync);
        Assert.False(h.Modem.Device.SntpSynced);
    }

    [Fact]
    public async Task WithRequireWifiTheSyncWaitsForTheStation()
    {
        await using var h = await StartAsync(new ModemOptions { RequireWifi = true });
        await h.CommandAsync("AT+CIPSNTPCFG=1,1", Ok);
        await h.AssertSilentAsync(AfterSync);
        Assert.False(h.Modem.Device.SntpSynced);

        await h.CommandAsync("AT+CWJAP=\"net\",\"pw\"", "WIFI CONNECTED\r\nWIFI GOT IP\r\n" + Ok);
        await h.ExpectAsync(TimeUpdated);
        await AssertTimeAsync(h, TimeSpan.FromHours(1));

        // Joined already: a new configuration syncs at once.
        await h.CommandAsync("AT+CIPSNTPCFG=1,2", Ok);
        await h.ExpectAsync(TimeUpdated);
    }

    [Fact]
    public async Task SyncReplacesATimestampSetByHand()
    {
        await using var h = await StartAsync();
        await h.CommandAsync("AT+SYSTIMESTAMP=1565853509", Ok);
        await h.CommandAsync("AT+CIPSNTPCFG=1,0", Ok);
        await h.ExpectAsync(TimeUpdated);
        long now = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
        string response = await h.QueryAsync("AT+SYSTIMESTAMP?");
        long value = long.Parse(response["+SYSTIMESTAMP:".Length..response.IndexOf('\r', StringComparison.Ordinal)], CultureInfo.InvariantCulture);
        Assert.InRange(value, now - 1, now + 2);
    }

    [Fact]
    public async Task TimeUpdatedWaitsForAResponseInProgress()
    {
        await using var h = await StartAsync();
        await h.CommandAsync("ATE0", Ok);
        await h.SendAsync("AT+CIPSNTPCFG=1\r\n");
        await h.ExpectAsync(Ok);

        // Commands keep flowing while the sync is pending; the URC lands whole between two responses.
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(3);
        bool seen = false;
        while (!seen && DateTime.UtcNow < deadline)
        {
            await h.SendAsync("AT+CWSTATE?\r\n");
            string response = await h.ReadFinalAsync();
            if (response.StartsWith(TimeUpdated, StringComparison.Ordinal))
            {
                seen = true;
                response = response[TimeUpdated.Length..];
            }

            Assert.Equal("+CWSTATE:0,\"\"\r\n" + Ok, response);
        }

        Assert.True(seen);
    }

    [Fact]
    public void AsctimePadsTheDayLikeC()
    {
        Assert.Equal("Thu Jan  1 00:02:08 1970", Asctime(new DateTime(1970, 1, 1, 0, 2, 8, DateTimeKind.Utc)));
        Assert.Equal("Tue Oct 19 17:47:56 2021", Asctime(new DateTime(2021, 10, 19, 17, 47, 56, DateTimeKind.Utc)));
    }

    /// <summary>C's asctime, written independently of the modem's.</summary>
    private static string Asctime(DateTime t)
    {
        string[] days = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"];
        string[] months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
        return string.Create(CultureInfo.InvariantCulture,
            $"{days[(int)t.DayOfWeek]} {months[t.Month - 1]} {t.Day,2} {t.Hour:00}:{t.Minute:00}:{t.Second:00} {t.Year}");
    }

    private static async Task AssertTimeAsync(InMemoryModem h, TimeSpan zone)
    {
        var before = DateTime.UtcNow.Add(zone);
        string response = await h.QueryAsync("AT+CIPSNTPTIME?");
        var after = DateTime.UtcNow.Add(zone);
        var allowed = new List<string>();
        for (var t = before.AddSeconds(-1); t <= after.AddSeconds(1); t = t.AddSeconds(1))
        {
            allowed.Add("+CIPSNTPTIME:" + Asctime(t) + "\r\n" + Ok);
        }

        Assert.Contains(response, allowed);
    }
}
