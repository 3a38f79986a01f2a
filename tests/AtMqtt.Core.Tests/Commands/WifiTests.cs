using System.Text.RegularExpressions;
using AtMqtt.Core;
using Xunit;
using static AtMqtt.Testing.InMemoryModem;

namespace AtMqtt.Core.Tests.Commands;

public sealed partial class WifiTests
{
    private const string Ok = "\r\nOK\r\n";
    private const string PlainError = "\r\nERROR\r\n";
    private const string Joined = "WIFI CONNECTED\r\nWIFI GOT IP\r\n" + Ok;
    private const uint ExecFail = 0x010a0000;

    private static readonly ModemOptions Home = new() { Wifi = ("home", "secret") };

    [GeneratedRegex(@"^\+CWLAP:\((\d),""([^""]*)"",-45,""([0-9a-f]{2}(?::[0-9a-f]{2}){5})"",6,0,0,(\d),(\d),7,0\)\r\n\r\nOK\r\n$")]
    private static partial Regex CwlapLine();

    [GeneratedRegex(@"^\+CIPSTAMAC:""([0-9a-f]{2}(?::[0-9a-f]{2}){5})""\r\n\r\nOK\r\n$")]
    private static partial Regex MacLine();

    // ---------------------------------------------------------------- AT+CWMODE

    [Fact]
    public async Task ModeDefaultsToStationAndCanBeSet()
    {
        await using var h = await StartAsync();
        await h.CommandAsync("AT+CWMODE?", "+CWMODE:1\r\n" + Ok);
        await h.CommandAsync("AT+CWMODE=3", Ok);
        await h.CommandAsync("AT+CWMODE?", "+CWMODE:3\r\n" + Ok);
        await h.CommandAsync("AT+CWMODE=0,0", Ok);
        await h.CommandAsync("AT+CWMODE?", "+CWMODE:0\r\n" + Ok);
        await h.CommandAsync("AT+CWMODE=2,1", Ok);
        await h.CommandAsync("AT+CWMODE?", "+CWMODE:2\r\n" + Ok);
    }

    [Theory]
    [InlineData("AT+CWMODE=4", 0x01070000u)]
    [InlineData("AT+CWMODE=1,2", 0x01070001u)]
    [InlineData("AT+CWMODE=1,0,0", 0x01060203u)]
    [InlineData("AT+CWMODE=", 0x01080000u)]
    [InlineData("AT+CWMODE=,1", 0x01080000u)]
    [InlineData("AT+CWMODE=\"1\"", 0x01080000u)]
    [InlineData("AT+CWMODE", 0x010c0000u)]
    public async Task ModeRejectsBadParameters(string line, uint code)
    {
        await using var h = await StartAsync();
        await h.CommandAsync("AT+SYSLOG=1", Ok);
        await h.CommandAsync("AT+CWMODE=3", Ok);
        await h.CommandAsync(line, Err(code));
        await h.CommandAsync("AT+CWMODE?", "+CWMODE:3\r\n" + Ok);
    }

    [Fact]
    public async Task LeavingStationModeDropsTheApAndComingBackRejoinsIt()
    {
        await using var h = await StartAsync(Home);
        await h.CommandAsync("AT+CWJAP=\"home\",\"secret\"", Joined);

        await h.CommandAsync("AT+CWMODE=2", Ok);
        await h.ExpectAsync("WIFI DISCONNECT\r\n");
        Assert.False(h.Modem.Device.WifiConnected);
        await h.CommandAsync("AT+CWJAP=\"home\",\"secret\"", PlainError);

        await h.CommandAsync("AT+CWMODE=1", Ok);
        await h.ExpectAsync("WIFI CONNECTED\r\nWIFI GOT IP\r\n");
        Assert.True(h.Modem.Device.WifiConnected);

        // Staying in station mode changes nothing; auto_connect 0 does not rejoin.
        await h.CommandAsync("AT+CWMODE=3", Ok);
        await h.AssertSilentAsync(TimeSpan.FromMilliseconds(100));
        await h.CommandAsync("AT+CWMODE=0", Ok);
        await h.ExpectAsync("WIFI DISCONNECT\r\n");
        await h.CommandAsync("AT+CWMODE=1,0", Ok);
        await h.AssertSilentAsync(TimeSpan.FromMilliseconds(100));
        await h.CommandAsync("AT+CWSTATE?", "+CWSTATE:4,\"home\"\r\n" + Ok);
    }

    // ---------------------------------------------------------------- AT+CWINIT

    [Fact]
    public async Task InitZeroDisablesWifiCommands()
    {
        await using var h = await StartAsync(Home);
        await h.CommandAsync("AT+CWINIT?", "+CWINIT:1\r\n" + Ok);
        await h.CommandAsync("AT+CWJAP=\"home\",\"secret\"", Joined);
        await h.CommandAsync("AT+SYSLOG=1", Ok);

        await h.CommandAsync("AT+CWINIT=0", Ok);
        await h.ExpectAsync("WIFI DISCONNECT\r\n");
        await h.CommandAsync("AT+CWINIT?", "+CWINIT:0\r\n" + Ok);
        foreach (string line in (string[])["AT+CWMODE?", "AT+CWMODE=1", "AT+CWJAP=\"home\",\"secret\"", "AT+CWJAP", "AT+CWJAP?", "AT+CWQAP", "AT+CWLAP", "AT+CIPSTAMAC?", "AT+CWCOUNTRY?", "AT+CWCOUNTRY=0,\"US\",1,11"])
        {
            await h.CommandAsync(line, Err(ExecFail));
        }

        await h.CommandAsync("AT+CWSTATE?", "+CWSTATE:4,\"home\"\r\n" + Ok);
        await h.CommandAsync("AT+CWINIT=1", Ok);
        await h.AssertSilentAsync(TimeSpan.FromMilliseconds(100));
        await h.CommandAsync("AT+CWJAP", Joined);
    }

    [Theory]
    [InlineData("AT+CWINIT=2", 0x01070000u)]
    [InlineData("AT+CWINIT=", 0x01080000u)]
    [InlineData("AT+CWINIT=1,1", 0x01060102u)]
    [InlineData("AT+CWINIT", 0x010c0000u)]
    public async Task InitRejectsBadParameters(string line, uint code)
    {
        await using var h = await StartAsync();
        await h.CommandAsync("AT+SYSLOG=1", Ok);
        await h.CommandAsync(line, Err(code));
        await h.CommandAsync("AT+CWINIT?", "+CWINIT:1\r\n" + Ok);
    }

    [Fact]
    public async Task InitReturnsToOneAfterRestart()
    {
        await using var h = await StartAsync();
        await h.CommandAsync("AT+CWINIT=0", Ok);
        await h.CommandAsync("AT+RST", Ok + "ready\r\n");
        await h.CommandAsync("AT+CWINIT?", "+CWINIT:1\r\n" + Ok);
    }

    // ---------------------------------------------------------------- AT+CWAUTOCONN

    [Theory]
    [InlineData("AT+CWAUTOCONN=2", 0x01070000u)]
    [InlineData("AT+CWAUTOCONN=", 0x01080000u)]
    [InlineData("AT+CWAUTOCONN=0,0", 0x01060102u)]
    public async Task AutoConnectDefaultsToOneAndValidates(string line, uint code)
    {
        await using var h = await StartAsync();
        await h.CommandAsync("AT+SYSLOG=1", Ok);
        await h.CommandAsync("AT+CWAUTOCONN?", "+CWAUTOCONN:1\r\n" + Ok);
        await h.CommandAsync(line, Err(code));
        await h.CommandAsync("AT+CWAUTOCONN=0", Ok);
        await h.CommandAsync("AT+CWAUTOCONN?", "+CWAUTOCONN:0\r\n" + Ok);
    }

    // ---------------------------------------------------------------- AT+CWCOUNTRY

    [Fact]
    public async Task CountryDefaultsToChinaAndIsLostOnRestart()
    {
        await using var h = await StartAsync();
        await h.CommandAsync("AT+CWCOUNTRY?", "+CWCOUNTRY:0,\"CN\",1,13\r\n" + Ok);
        await h.CommandAsync("AT+CWCOUNTRY=1,\"US\",1,11", Ok);
        await h.CommandAsync("AT+CWCOUNTRY?", "+CWCOUNTRY:1,\"US\",1,11\r\n" + Ok);
        await h.CommandAsync("AT+CWCOUNTRY=0,\"JP\",1,14", Ok);
        await h.CommandAsync("AT+CWCOUNTRY?", "+CWCOUNTRY:0,\"JP\",1,14\r\n" + Ok);
        await h.CommandAsync("AT+RST", Ok + "ready\r\n");
        await h.CommandAsync("AT+CWCOUNTRY?", "+CWCOUNTRY:0,\"CN\",1,13\r\n" + Ok);
    }

    [Theory]
    [InlineData("AT+CWCOUNTRY=2,\"US\",1,11", 0x01070000u)]
    [InlineData("AT+CWCOUNTRY=0,\"USAX\",1,11", 0x01070001u)]
    [InlineData("AT+CWCOUNTRY=0,\"U\",1,11", 0x01070001u)]
    [InlineData("AT+CWCOUNTRY=0,\"U-\",1,11", 0x01070001u)]
    [InlineData("AT+CWCOUNTRY=0,,1,11", 0x01080001u)]
    [InlineData("AT+CWCOUNTRY=0,\"US\",0,11", 0x01070002u)]
    [InlineData("AT+CWCOUNTRY=0,\"US\",15,1", 0x01070002u)]
    [InlineData("AT+CWCOUNTRY=0,\"US\",1,15", 0x01070003u)]
    [InlineData("AT+CWCOUNTRY=0,\"US\",5,11", 0x01070003u)]
    [InlineData("AT+CWCOUNTRY=0,\"US\",1", 0x01060403u)]
    [InlineData("AT+CWCOUNTRY=0,\"US\",1,11,1", 0x01060405u)]
    public async Task CountryRejectsBadParameters(string line, uint code)
    {
        await using var h = await StartAsync();
        await h.CommandAsync("AT+SYSLOG=1", Ok);
        await h.CommandAsync(line, Err(code));
        await h.CommandAsync("AT+CWCOUNTRY?", "+CWCOUNTRY:0,\"CN\",1,13\r\n" + Ok);
    }

    // ---------------------------------------------------------------- AT+CWJAP

    [Fact]
    public async Task JoinWithoutWifiOptionAcceptsAnyAp()
    {
        await using var h = await StartAsync();
        Assert.False(h.Modem.Device.WifiConnected);
        await h.CommandAsync("AT+CWJAP=\"anything\",\"whatever\"", Joined);
        Assert.True(h.Modem.Device.WifiConnected);
        await h.CommandAsync("AT+CWSTATE?", "+CWSTATE:2,\"anything\"\r\n" + Ok);

        // Joining again leaves the current AP first.
        await h.CommandAsync("AT+CWJAP=other,pw", "WIFI DISCONNECT\r\n" + Joined);
        await h.CommandAsync("AT+CWSTATE?", "+CWSTATE:2,\"other\"\r\n" + Ok);
    }

    [Fact]
    public async Task JoinReportsTheApItJoined()
    {
        await using var h = await StartAsync(Home);
        string bssid = Cwlap(await h.QueryAsync("AT+CWLAP")).Groups[3].Value;
        await h.CommandAsync("AT+CWJAP?", "No AP\r\n" + Ok);
        await h.CommandAsync("AT+CWJAP=\"home\",\"secret\"", Joined);
        await h.CommandAsync("AT+CWJAP?", $"+CWJAP:\"home\",\"{bssid}\",6,-45,0,1,3,0,1\r\n" + Ok);

        string upper = bssid.ToUpperInvariant();
        await h.CommandAsync($"AT+CWJAP=\"home\",\"secret\",\"{upper}\",1,0,100,1,600,3", "WIFI DISCONNECT\r\n" + Joined);
        await h.CommandAsync("AT+CWJAP?", $"+CWJAP:\"home\",\"{bssid}\",6,-45,1,0,100,1,3\r\n" + Ok);
    }

    [Fact]
    public async Task JoinWithWrongSsidOrPasswordFailsAsAModule()
    {
        await using var h = await StartAsync(Home);
        await h.CommandAsync("AT+CWJAP=\"nothome\",\"secret\"", "+CWJAP:3\r\n" + PlainError);
        Assert.False(h.Modem.Device.WifiConnected);
        await h.CommandAsync("AT+CWSTATE?", "+CWSTATE:4,\"nothome\"\r\n" + Ok);
        await h.CommandAsync("AT+CWJAP=\"home\",\"wrong\"", "+CWJAP:2\r\n" + PlainError);
        await h.CommandAsync("AT+CWJAP=\"home\",\"\"", "+CWJAP:2\r\n" + PlainError);
        await h.CommandAsync("AT+CWJAP=\"home\",\"secret\",\"02:00:00:00:00:01\"", "+CWJAP:3\r\n" + PlainError);
        Assert.False(h.Modem.Device.WifiConnected);

        await h.CommandAsync("AT+CWJAP=\"home\",\"secret\"", Joined);
        await h.CommandAsync("AT+SYSLOG=1", Ok);
        await h.CommandAsync("AT+CWJAP=\"home\",\"Secret\"", "WIFI DISCONNECT\r\n+CWJAP:2\r\n" + Err(ExecFail));
        Assert.False(h.Modem.Device.WifiConnected);
        await h.CommandAsync("AT+CWSTATE?", "+CWSTATE:4,\"home\"\r\n" + Ok);
        await h.CommandAsync("AT+CWJAP?", "No AP\r\n" + Ok);
    }

    [Fact]
    public async Task JoinWithOmittedSsidOrPasswordUsesTheLastConfiguration()
    {
        await using var h = await StartAsync(Home);
        await h.CommandAsync("AT+SYSLOG=1", Ok);
        await h.CommandAsync("AT+CWJAP=,", Err(ExecFail));
        await h.CommandAsync("AT+CWJAP", Err(ExecFail));
        await h.CommandAsync("AT+CWSTATE?", "+CWSTATE:0,\"\"\r\n" + Ok);

        await h.CommandAsync("AT+CWJAP=\"home\",\"secret\"", Joined);
        await h.CommandAsync("AT+CWQAP", Ok);
        await h.ExpectAsync("WIFI DISCONNECT\r\n");
        await h.CommandAsync("AT+CWJAP=,", Joined);
        await h.CommandAsync("AT+CWJAP=,\"wrong\"", "WIFI DISCONNECT\r\n+CWJAP:2\r\n" + Err(ExecFail));

        // The module keeps what it tried last: AT+CWJAP retries it.
        await h.CommandAsync("AT+CWJAP", "+CWJAP:2\r\n" + Err(ExecFail));
        await h.CommandAsync("AT+CWJAP=\"home\",", "+CWJAP:2\r\n" + Err(ExecFail));
        await h.CommandAsync("AT+CWJAP=,\"secret\"", Joined);
        await h.CommandAsync("AT+CWJAP", "WIFI DISCONNECT\r\n" + Joined);
    }

    [Theory]
    [InlineData("AT+CWJAP=\"a\"", 0x01060201u)]
    [InlineData("AT+CWJAP=\"a\",\"b\",,,,,,,,", 0x0106090au)]
    [InlineData("AT+CWJAP=\"\",\"b\"", 0x01070000u)]
    [InlineData("AT+CWJAP=\"123456789012345678901234567890123\",\"b\"", 0x01070000u)]
    [InlineData("AT+CWJAP=\"a\",\"12345678901234567890123456789012345678901234567890123456789012345\"", 0x01070001u)]
    [InlineData("AT+CWJAP=\"a\",\"b\",\"zz\"", 0x01070002u)]
    [InlineData("AT+CWJAP=\"a\",\"b\",\"02:00:00:00:00\"", 0x01070002u)]
    [InlineData("AT+CWJAP=\"a\",\"b\",\"02-00-00-00-00-01\"", 0x01070002u)]
    [InlineData("AT+CWJAP=\"a\",\"b\",,2", 0x01070003u)]
    [InlineData("AT+CWJAP=\"a\",\"b\",,,7201", 0x01070004u)]
    [InlineData("AT+CWJAP=\"a\",\"b\",,,,0", 0x01070005u)]
    [InlineData("AT+CWJAP=\"a\",\"b\",,,,101", 0x01070005u)]
    [InlineData("AT+CWJAP=\"a\",\"b\",,,,,2", 0x01070006u)]
    [InlineData("AT+CWJAP=\"a\",\"b\",,,,,,2", 0x01070007u)]
    [InlineData("AT+CWJAP=\"a\",\"b\",,,,,,601", 0x01070007u)]
    [InlineData("AT+CWJAP=\"a\",\"b\",,,,,,,4", 0x01070008u)]
    [InlineData("AT+CWJAP=\"a\",\"b\",,x", 0x01080003u)]
    [InlineData("AT+CWJAP=\"a", 0x01080000u)]
    [InlineData("AT+CWJAP=\"a\"x,\"b\"", 0x01080000u)]
    [InlineData("AT+CWJAP=\"a\",b\"c", 0x01080001u)]
    public async Task JoinRejectsBadParametersAndChangesNothing(string line, uint code)
    {
        await using var h = await StartAsync();
        await h.CommandAsync("AT+SYSLOG=1", Ok);
        await h.CommandAsync(line, Err(code));
        Assert.False(h.Modem.Device.WifiConnected);
        await h.CommandAsync("AT+CWSTATE?", "+CWSTATE:0,\"\"\r\n" + Ok);
        await h.CommandAsync("AT+CWJAP", Err(ExecFail));
    }

    [Fact]
    public async Task JoinNeedsStationMode()
    {
        await using var h = await StartAsync();
        await h.CommandAsync("AT+SYSLOG=1", Ok);
        foreach (string mode in (string[])["0", "2"])
        {
            await h.CommandAsync($"AT+CWMODE={mode}", Ok);
            await h.CommandAsync("AT+CWJAP=\"a\",\"b\"", Err(ExecFail));
            await h.CommandAsync("AT+CWJAP?", Err(ExecFail));
            await h.CommandAsync("AT+CWLAP", Err(ExecFail));
        }

        await h.CommandAsync("AT+CWMODE=3", Ok);
        await h.CommandAsync("AT+CWJAP=\"a\",\"b\"", Joined);
    }

    [Fact]
    public async Task JoinAcceptsEscapedSsidAndPassword()
    {
        await using var h = await StartAsync(new ModemOptions { Wifi = ("ab,c", "0123456789\"\\") });
        await h.CommandAsync(@"AT+CWJAP=""ab\,c"",""0123456789\""\\""", Joined);
        await h.CommandAsync("AT+CWSTATE?", "+CWSTATE:2,\"ab,c\"\r\n" + Ok);
    }

    // ---------------------------------------------------------------- AT+CWQAP, AT+CWSTATE?

    [Fact]
    public async Task QuitAnswersOkThenWifiDisconnect()
    {
        await using var h = await StartAsync(Home);
        await h.CommandAsync("AT+CWQAP", Ok);
        await h.AssertSilentAsync(TimeSpan.FromMilliseconds(150));
        await h.CommandAsync("AT+CWSTATE?", "+CWSTATE:0,\"\"\r\n" + Ok);

        await h.CommandAsync("AT+CWJAP=\"home\",\"secret\"", Joined);
        await h.CommandAsync("AT+CWQAP", Ok);
        await h.ExpectAsync("WIFI DISCONNECT\r\n");
        Assert.False(h.Modem.Device.WifiConnected);
        await h.CommandAsync("AT+CWSTATE?", "+CWSTATE:4,\"home\"\r\n" + Ok);
        await h.CommandAsync("AT+CWQAP", Ok);
        await h.AssertSilentAsync(TimeSpan.FromMilliseconds(150));
    }

    [Theory]
    [InlineData("AT+CWQAP=1")]
    [InlineData("AT+CWQAP?")]
    [InlineData("AT+CWSTATE")]
    [InlineData("AT+CWSTATE=1")]
    [InlineData("AT+CIPSTAMAC")]
    [InlineData("AT+CWLAP?")]
    [InlineData("AT+CIPSNTPTIME")]
    [InlineData("AT+CIPSNTPTIME=1")]
    public async Task UnsupportedFormsAreErrors(string line)
    {
        await using var h = await StartAsync();
        await h.CommandAsync("AT+SYSLOG=1", Ok);
        await h.CommandAsync(line, Err(0x010c0000));
    }

    // ---------------------------------------------------------------- AT+RST and the station

    [Fact]
    public async Task RestartKeepsTheStationJoinedWhenAutoConnectIsOn()
    {
        await using var h = await StartAsync(Home);
        await h.CommandAsync("AT+CWJAP=\"home\",\"secret\"", Joined);
        await h.CommandAsync("AT+RST", Ok + "ready\r\n");
        Assert.True(h.Modem.Device.WifiConnected);
        await h.CommandAsync("AT+CWSTATE?", "+CWSTATE:2,\"home\"\r\n" + Ok);

        await h.CommandAsync("AT+CWAUTOCONN=0", Ok);
        await h.CommandAsync("AT+RST", Ok + "ready\r\n");
        Assert.False(h.Modem.Device.WifiConnected);
        await h.CommandAsync("AT+CWSTATE?", "+CWSTATE:0,\"\"\r\n" + Ok);
        await h.CommandAsync("AT+CWJAP?", "No AP\r\n" + Ok);

        // The configuration survived in flash: AT+CWJAP rejoins it.
        await h.CommandAsync("AT+CWJAP", Joined);
    }

    [Fact]
    public async Task SysStoreZeroKeepsWifiSettingsOutOfFlash()
    {
        await using var h = await StartAsync(Home);
        await h.CommandAsync("AT+SYSSTORE=0", Ok);
        await h.CommandAsync("AT+CWMODE=3", Ok);
        await h.CommandAsync("AT+CWJAP=\"home\",\"secret\"", Joined);
        await h.CommandAsync("AT+RST", Ok + "ready\r\n");
        Assert.False(h.Modem.Device.WifiConnected);
        await h.CommandAsync("AT+CWMODE?", "+CWMODE:1\r\n" + Ok);
        await h.CommandAsync("AT+CWJAP", PlainError);
        await h.CommandAsync("AT+SYSSTORE?", "+SYSSTORE:0\r\n" + Ok);
    }

    // ---------------------------------------------------------------- AT+CIPSTAMAC?, AT+CWLAP

    [Fact]
    public async Task StationMacIsStableAndLocallyAdministered()
    {
        string first;
        await using (var h = await StartAsync())
        {
            first = MacLine().Match(await h.QueryAsync("AT+CIPSTAMAC?")).Groups[1].Value;
            Assert.NotEmpty(first);
            await h.CommandAsync("AT+CIPSTAMAC?", $"+CIPSTAMAC:\"{first}\"\r\n" + Ok);
            await h.CommandAsync("AT+RESTORE", Ok + "ready\r\n");
            await h.CommandAsync("AT+CIPSTAMAC?", $"+CIPSTAMAC:\"{first}\"\r\n" + Ok);
        }

        await using (var h = await StartAsync(Home))
        {
            await h.CommandAsync("AT+CIPSTAMAC?", $"+CIPSTAMAC:\"{first}\"\r\n" + Ok);
        }

        int octet = Convert.ToInt32(first[..2], 16);
        Assert.Equal(0x02, octet & 0x03);
    }

    [Fact]
    public async Task ListShowsTheSimulatedAp()
    {
        await using (var h = await StartAsync())
        {
            var m = Cwlap(await h.QueryAsync("AT+CWLAP"));
            Assert.Equal(("3", "atmqtt-sim", "4", "4"), (m.Groups[1].Value, m.Groups[2].Value, m.Groups[4].Value, m.Groups[5].Value));
            Assert.Equal(0x02, Convert.ToInt32(m.Groups[3].Value[..2], 16) & 0x03);
        }

        await using (var h = await StartAsync(Home))
        {
            var m = Cwlap(await h.QueryAsync("AT+CWLAP"));
            Assert.Equal(("3", "home"), (m.Groups[1].Value, m.Groups[2].Value));
            string bssid = m.Groups[3].Value;
            string line = $"+CWLAP:(3,\"home\",-45,\"{bssid}\",6,0,0,4,4,7,0)\r\n";
            await h.CommandAsync("AT+CWLAP=\"home\"", line + Ok);
            await h.CommandAsync($"AT+CWLAP=\"home\",\"{bssid}\",6,1,0,1500", line + Ok);
            await h.CommandAsync($"AT+CWLAP=,\"{bssid}\"", line + Ok);
            await h.CommandAsync("AT+CWLAP=\"other\"", Ok);
            await h.CommandAsync("AT+CWLAP=\"home\",,1", Ok);
            await h.CommandAsync("AT+CWLAP=\"home\",\"02:00:00:00:00:01\"", Ok);
        }

        await using (var h = await StartAsync(new ModemOptions { Wifi = ("cafe", "") }))
        {
            var m = Cwlap(await h.QueryAsync("AT+CWLAP"));
            Assert.Equal(("0", "cafe", "0", "0"), (m.Groups[1].Value, m.Groups[2].Value, m.Groups[4].Value, m.Groups[5].Value));
            await h.CommandAsync("AT+CWJAP=\"cafe\",\"\"", Joined);
        }
    }

    [Theory]
    [InlineData("AT+CWLAP=\"a\",\"zz\"", 0x01070001u)]
    [InlineData("AT+CWLAP=\"a\",,15", 0x01070002u)]
    [InlineData("AT+CWLAP=\"a\",,0", 0x01070002u)]
    [InlineData("AT+CWLAP=\"a\",,1,2", 0x01070003u)]
    [InlineData("AT+CWLAP=\"a\",,1,0,1501", 0x01070004u)]
    [InlineData("AT+CWLAP=\"a\",,1,0,0,1501", 0x01070005u)]
    [InlineData("AT+CWLAP=\"a\",,1,0,0,0,0", 0x01060607u)]
    [InlineData("AT+CWLAP=\"123456789012345678901234567890123\"", 0x01070000u)]
    public async Task ListRejectsBadParameters(string line, uint code)
    {
        await using var h = await StartAsync();
        await h.CommandAsync("AT+SYSLOG=1", Ok);
        await h.CommandAsync(line, Err(code));
    }

    // ---------------------------------------------------------------- --require-wifi

    [Fact]
    public async Task RequireWifiRefusesMqttConnUntilJoined()
    {
        await using var h = await StartAsync(new ModemOptions { RequireWifi = true });
        await h.CommandAsync("AT+MQTTUSERCFG=0,1,\"c\",\"\",\"\",0,0,\"\"", Ok);
        await h.CommandAsync("AT+MQTTCONN=0,\"127.0.0.1\",1,0", "+MQTTDISCONNECTED:0\r\n" + PlainError);
        await h.CommandAsync("AT+SYSLOG=1", Ok);
        await h.CommandAsync("AT+MQTTCONN=0,\"127.0.0.1\",1,0", "+MQTTDISCONNECTED:0\r\n" + Err(0x010a600b));
        Assert.False(h.Modem.Device.WifiConnected);

        // Joined, the modem does try the broker: nothing listens on port 1, so the attempt fails too.
        await h.CommandAsync("AT+CWJAP=\"net\",\"pw\"", Joined);
        string response = await h.QueryAsync("AT+MQTTCONN=0,\"127.0.0.1\",1,0");
        Assert.StartsWith("+MQTTDISCONNECTED:0\r\n", response, StringComparison.Ordinal);

        await h.CommandAsync("AT+CWQAP", Ok);
        await h.ExpectAsync("WIFI DISCONNECT\r\n");
        await h.CommandAsync("AT+MQTTCONN=0,\"127.0.0.1\",1,0", "+MQTTDISCONNECTED:0\r\n" + Err(0x010a600b));
    }

    private static Match Cwlap(string response)
    {
        var m = CwlapLine().Match(response);
        Assert.True(m.Success, response);
        return m;
    }
}
