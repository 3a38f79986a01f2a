using System.Globalization;
using System.Text.RegularExpressions;
using AtMqtt.Core.Dialects;
using AtMqtt.Core.Profiles;
using Xunit;
using static AtMqtt.Testing.InMemoryModem;

namespace AtMqtt.Core.Tests.Profiles;

/// <summary>
/// docs/profiles.md, row by row: per profile which MQTT commands exist, what AT+GMR and AT+CMD? print,
/// lwt_msg's limit and the optional &lt;timeout_ms&gt;, each as exact bytes. The v2.x credential commands'
/// own rules and their effect on a broker are in <see cref="MqttCredentialsTests"/>.
/// </summary>
public sealed class ProfileTests : IClassFixture<BrokerFixture>
{
    private const string Unknown = "ERR CODE:0x01090000\r\n\r\nERROR\r\n";
    private const string TooManyParameters = "ERR CODE:0x010a6008\r\n\r\nERROR\r\n";

    private readonly InProcessBroker _broker;

    public ProfileTests(BrokerFixture fixture)
    {
        _broker = fixture.Broker;
    }

    public static TheoryData<string> EspAtProfiles => new() { "esp-at-2.2", "esp-at-3.2", "esp-at-4.1", "esp-at-5.0" };

    /// <summary>A modem of <paramref name="profile"/>, version 9.8.7, AT+SYSLOG=1.</summary>
    internal static async Task<InMemoryModem> StartAsync(string profile)
    {
        var m = await InMemoryModem.StartAsync(new ModemOptions
        {
            Profile = Profile.FromName(profile) ?? throw new ArgumentException(profile),
            DataTimeout = TimeSpan.FromSeconds(5),
            Version = "9.8.7",
        });
        await m.SysLogOnAsync();
        return m;
    }

    [Fact]
    public void The_profiles_are_the_five_releases_and_the_dialects_follow_from_them()
    {
        Assert.Equal(new[] { "bk7238", "esp-at-2.2", "esp-at-3.2", "esp-at-4.1", "esp-at-5.0" }, Profile.Names);
        Assert.Equal(new[] { "seed", "esp-at", "esp-at", "esp-at", "esp-at" }, Profile.Names.Select(n => Profile.FromName(n)!.Dialect.Name));
        Assert.Null(Profile.FromName("esp-at-9.9"));

        // --dialect stands for a profile: seed for bk7238, esp-at for esp-at-5.0 with all of 5.0's commands.
        Assert.Equal("bk7238", Profile.ForDialect(Dialect.Seed).Name);
        var espAt = Profile.ForDialect(Dialect.EspAt(4096));
        Assert.Equal("esp-at-5.0", espAt.Name);
        Assert.Equal(4096, espAt.Dialect.PubRawMaxBytes);
        Assert.Equal(Profile.FromName("esp-at-5.0")!.Commands.All.Select(c => c.Name), espAt.Commands.All.Select(c => c.Name));
    }

    public static TheoryData<string, string> GmrLines => new()
    {
        {
            "esp-at-2.2",
            "AT version:2.2.0.0(atmqtt - ESP32 - Jul  2 2021 06:44:05)\r\nSDK version:v4.2.2-atmqtt\r\n" +
            "compile time(atmqtt):Jul  2 2021 11:54:43\r\nBin version:2.2.0(atmqtt 9.8.7)\r\n"
        },
        {
            "esp-at-3.2",
            "AT version:3.2.0.0(atmqtt - ESP32 - Jul 28 2023 07:05:28)\r\nSDK version:v5.0.2-atmqtt\r\n" +
            "compile time(atmqtt):Jul 28 2023 09:47:28\r\nBin version:v3.2.0.0(atmqtt 9.8.7)\r\n"
        },
        {
            "esp-at-4.1",
            "AT version:4.1.1.0(atmqtt - ESP32 - Jul 31 2025 08:37:48)\r\nSDK version:v5.4.1-atmqtt\r\n" +
            "compile time(atmqtt):Jul 31 2025 08:37:48\r\nBin version:v4.1.1.0(atmqtt 9.8.7)\r\n"
        },
        {
            "esp-at-5.0",
            "AT version:5.0.0.0(atmqtt - ESP32 - Oct 17 2025 08:55:06)\r\nSDK version:v5.5.1-atmqtt\r\n" +
            "compile time(atmqtt):Oct 17 2025 19:46:13\r\nBin version:v5.0.0.0(atmqtt 9.8.7)\r\n"
        },
    };

    [Fact]
    public void A_profiles_command_table_is_built_once_and_shared_by_its_modems()
    {
        // A fleet of modems of one profile (issue 18) must not build a table each.
        foreach (string name in Profile.Names)
        {
            Assert.Same(Profile.FromName(name)!.Commands, Profile.FromName(name)!.Commands);
        }

        Assert.Same(Profile.ForDialect(Dialect.Seed).Commands, Profile.FromName("bk7238")!.Commands);
    }

    [Theory]
    [MemberData(nameof(GmrLines))]
    public async Task AT_GMR_prints_the_release_lines_then_a_blank_line_and_OK(string profile, string lines)
    {
        await using var m = await StartAsync(profile);
        await m.CommandAsync("AT+GMR", lines + Ok);
    }

    [Theory]
    [MemberData(nameof(GmrLines))]
    public void AT_GMR_reads_as_a_host_driver_reads_the_real_module(string profile, string lines)
    {
        // lwesp (lwespi_parse_at_sdk_version) reads the numbers after "AT version:" and finds the chip by
        // "- ESP32 -"; drivers that log the firmware cut each field at its prefix, up to the line's end.
        string first = lines[..lines.IndexOf('\r', StringComparison.Ordinal)];
        var version = Regex.Match(first, @"^AT version:(\d+)\.(\d+)\.(\d+)\.(\d+)\(");
        Assert.True(version.Success, first);
        string release = profile["esp-at-".Length..];
        Assert.Equal(release, $"{version.Groups[1].Value}.{version.Groups[2].Value}");
        Assert.Contains("- ESP32 -", first, StringComparison.Ordinal);
        Assert.Matches(@"\r\nSDK version:v\d+\.\d+(\.\d+)?-", lines);
        Assert.Matches(@"\r\ncompile time\([^)]*\):[A-Z][a-z]{2} [ 123]\d \d{4} \d\d:\d\d:\d\d\r\n", lines);
        Assert.Matches(@"\r\nBin version:v?" + Regex.Escape(release) + @"\.\d+(\.\d+)?\([^)]*\)\r\n$", lines);
    }

    [Theory]
    [InlineData("seed")]
    [InlineData("esp-at")]
    public async Task A_dialect_without_a_profile_keeps_AtMqtts_own_GMR(string dialect)
    {
        await using var m = await InMemoryModem.StartAsync(new ModemOptions { Dialect = Dialect.FromName(dialect)!, Version = "9.8.7" });
        string text = await m.ExchangeAsync("AT+GMR");
        Assert.Matches(new Regex($@"\AAT\+GMR\r\nAT version:9\.8\.7\(atmqtt - {Regex.Escape(dialect)} dialect\)\r\nSDK version:MQTTnet [^\r\n]+\r\nBin version:9\.8\.7\(atmqtt\)\r\n\r\nOK\r\n\z"), text);
    }

    [Fact]
    public async Task The_bk7238_profile_is_the_seed_dialect_unchanged()
    {
        await using var byProfile = await InMemoryModem.StartAsync(new ModemOptions { Profile = Profile.FromName("bk7238"), Version = "9.8.7" });
        await using var byDialect = await InMemoryModem.StartAsync(new ModemOptions { Dialect = Dialect.Seed, Version = "9.8.7" });
        foreach (string line in new[] { "AT+GMR", "AT+CMD?", "AT+MQTTCONN?", "AT+MQTTUSERCFG=0,1,\"c\",\"\",\"\",0,0,\"\"", "AT+MQTTCONN=0,\"h\",1,0,3000,1" })
        {
            Assert.Equal(await byDialect.ExchangeAsync(line), await byProfile.ExchangeAsync(line));
        }
    }

    /// <summary>Per profile: the MQTT commands AT+CMD? lists, in its order (then AtMqtt's own AT+MQTTRXQUEUE).</summary>
    public static TheoryData<string, string[]> MqttCommands => new()
    {
        {
            "esp-at-2.2",
            ["AT+MQTTUSERCFG", "AT+MQTTCLIENTID", "AT+MQTTUSERNAME", "AT+MQTTPASSWORD", "AT+MQTTCONNCFG", "AT+MQTTCONN",
                "AT+MQTTPUB", "AT+MQTTPUBRAW", "AT+MQTTSUB", "AT+MQTTUNSUB", "AT+MQTTCLEAN", "AT+MQTTRXQUEUE"]
        },
        {
            "esp-at-3.2",
            ["AT+MQTTUSERCFG", "AT+MQTTLONGCLIENTID", "AT+MQTTLONGUSERNAME", "AT+MQTTLONGPASSWORD", "AT+MQTTCONNCFG", "AT+MQTTALPN",
                "AT+MQTTCONN", "AT+MQTTPUB", "AT+MQTTPUBRAW", "AT+MQTTSUB", "AT+MQTTUNSUB", "AT+MQTTCLEAN", "AT+MQTTRXQUEUE"]
        },
        {
            "esp-at-4.1",
            ["AT+MQTTUSERCFG", "AT+MQTTLONGCLIENTID", "AT+MQTTLONGUSERNAME", "AT+MQTTLONGPASSWORD", "AT+MQTTCONNCFG", "AT+MQTTALPN",
                "AT+MQTTSNI", "AT+MQTTCONN", "AT+MQTTPUB", "AT+MQTTPUBRAW", "AT+MQTTSUB", "AT+MQTTUNSUB", "AT+MQTTCLEAN", "AT+MQTTRXQUEUE"]
        },
        {
            "esp-at-5.0",
            ["AT+MQTTUSERCFG", "AT+MQTTLONGCLIENTID", "AT+MQTTLONGUSERNAME", "AT+MQTTLONGPASSWORD", "AT+MQTTCONNCFG", "AT+MQTTALPN",
                "AT+MQTTSNI", "AT+MQTTCONN", "AT+MQTTPUB", "AT+MQTTPUBRAW", "AT+MQTTSUB", "AT+MQTTUNSUB", "AT+MQTTCLEAN", "AT+MQTTRXQUEUE"]
        },
    };

    [Theory]
    [MemberData(nameof(MqttCommands))]
    public async Task AT_CMD_lists_the_profiles_commands_numbered_from_0(string profile, string[] mqtt)
    {
        await using var m = await StartAsync(profile);
        await m.SendAsync("AT+CMD?\r\n");
        string text = await m.ReadUntilAsync("\r\n\r\nOK\r\n");
        Assert.StartsWith("AT+CMD?\r\n+CMD:0,\"AT\",0,0,0,1\r\n", text, StringComparison.Ordinal);

        var lines = text.Split("\r\n")[1..^3];
        var parsed = lines.Select(l => Regex.Match(l, @"^\+CMD:(\d+),""([A-Z0-9+_]+)"",([01]),([01]),([01]),([01])$")).ToList();
        Assert.All(parsed, (p, i) => Assert.True(p.Success, lines[i]));
        Assert.Equal(Enumerable.Range(0, lines.Length), parsed.Select(p => int.Parse(p.Groups[1].Value, CultureInfo.InvariantCulture)));
        Assert.Equal(mqtt, parsed.Select(p => p.Groups[2].Value).Where(n => n.StartsWith("AT+MQTT", StringComparison.Ordinal)));
        Assert.Equal(m.Modem.Commands.All.Count, lines.Length);

        // Real modules' flags: no test forms; the v2.x credential commands and LONG* are set only.
        Assert.Contains("+CMD:4,\"AT+GMR\",0,0,0,1", lines);
        Assert.Contains("+CMD:5,\"AT+CMD\",0,1,0,0", lines);
        Assert.Contains("+CMD:7,\"AT+MQTTUSERCFG\",0,0,1,0", lines);
        Assert.Contains($"+CMD:8,\"{mqtt[1]}\",0,0,1,0", lines);
        Assert.Contains(lines, l => Regex.IsMatch(l, @"^\+CMD:\d+,""AT\+MQTTCONN"",0,1,1,0$"));
        Assert.Contains(lines, l => Regex.IsMatch(l, @"^\+CMD:\d+,""AT\+MQTTSUB"",0,1,1,0$"));
    }

    /// <summary>Each profile's answer to a command family it has (after USERCFG) or does not have (unknown command).</summary>
    public static TheoryData<string, string, bool> Families => new()
    {
        { "esp-at-2.2", "AT+MQTTCLIENTID=0,\"c\"", true },
        { "esp-at-3.2", "AT+MQTTCLIENTID=0,\"c\"", false },
        { "esp-at-4.1", "AT+MQTTCLIENTID=0,\"c\"", false },
        { "esp-at-5.0", "AT+MQTTCLIENTID=0,\"c\"", false },
        { "bk7238", "AT+MQTTCLIENTID=0,\"c\"", false },
        { "esp-at-2.2", "AT+MQTTUSERNAME=0,\"u\"", true },
        { "esp-at-4.1", "AT+MQTTUSERNAME=0,\"u\"", false },
        { "esp-at-2.2", "AT+MQTTPASSWORD=0,\"p\"", true },
        { "esp-at-5.0", "AT+MQTTPASSWORD=0,\"p\"", false },
        { "esp-at-2.2", "AT+MQTTLONGCLIENTID=0,1", false },
        { "esp-at-2.2", "AT+MQTTLONGUSERNAME=0,1", false },
        { "esp-at-2.2", "AT+MQTTLONGPASSWORD=0,1", false },
        { "esp-at-3.2", "AT+MQTTLONGPASSWORD=0,1", true },
        { "esp-at-4.1", "AT+MQTTLONGPASSWORD=0,1", true },
        { "esp-at-5.0", "AT+MQTTLONGPASSWORD=0,1", true },
        { "bk7238", "AT+MQTTLONGPASSWORD=0,1", true },
        { "esp-at-2.2", "AT+MQTTALPN=0,1,\"mqtt\"", false },
        { "esp-at-3.2", "AT+MQTTALPN=0,1,\"mqtt\"", true },
        { "esp-at-4.1", "AT+MQTTALPN=0,1,\"mqtt\"", true },
        { "esp-at-5.0", "AT+MQTTALPN=0,1,\"mqtt\"", true },
        { "esp-at-2.2", "AT+MQTTSNI=0,\"broker.example\"", false },
        { "esp-at-3.2", "AT+MQTTSNI=0,\"broker.example\"", false },
        { "esp-at-4.1", "AT+MQTTSNI=0,\"broker.example\"", true },
        { "esp-at-5.0", "AT+MQTTSNI=0,\"broker.example\"", true },
        { "bk7238", "AT+MQTTSNI=0,\"broker.example\"", true },
    };

    [Theory]
    [MemberData(nameof(Families))]
    public async Task A_command_family_exists_only_in_the_releases_that_have_it(string profile, string line, bool exists)
    {
        await using var m = await StartAsync(profile);
        await m.UserConfigAsync("families");
        string answer = !exists ? Unknown
            : line.StartsWith("AT+MQTTLONG", StringComparison.Ordinal) ? "\r\nOK\r\n\r\n>"
            : Ok;
        await m.CommandAsync(line, answer);
        if (answer.EndsWith('>'))
        {
            await m.SendAsync("x");
            await m.ExpectAsync(Ok);
        }

        await m.AssertAliveAsync();
    }

    [Theory]
    [InlineData("esp-at-2.2", 64)]
    [InlineData("esp-at-3.2", 64)]
    [InlineData("esp-at-4.1", 128)]
    [InlineData("esp-at-5.0", 128)]
    [InlineData("bk7238", 64)]
    public async Task Lwt_msg_takes_up_to_the_releases_limit(string profile, int limit)
    {
        await using var m = await StartAsync(profile);
        await m.UserConfigAsync("lwt");
        foreach (int length in new[] { 64, 65, 128, 129 })
        {
            string answer = length <= limit ? Ok : Err(0x010a6035);
            await m.CommandAsync($"AT+MQTTCONNCFG=0,60,0,\"will/t\",\"{new string('w', length)}\",0,0", answer);
        }
    }

    /// <summary>CONN/PUB/PUBRAW/SUB/UNSUB with their optional trailing timeout_ms, in the order a host sends them.</summary>
    private static string[] WithTimeout(int port, string topic) =>
    [
        $"AT+MQTTCONN=0,\"127.0.0.1\",{port},0,5000",
        $"AT+MQTTSUB=0,\"{topic}\",1,5000",
        $"AT+MQTTPUB=0,\"{topic}\",\"d\",1,0,5000",
        $"AT+MQTTPUBRAW=0,\"{topic}\",1,1,0,5000",
        $"AT+MQTTUNSUB=0,\"{topic}\",5000",
    ];

    [Theory]
    [InlineData("esp-at-2.2")]
    [InlineData("esp-at-3.2")]
    [InlineData("esp-at-4.1")]
    public async Task Timeout_ms_is_a_parameter_too_many_before_5_0(string profile)
    {
        await using var m = await StartAsync(profile);
        await m.UserConfigAsync(Unique.Id("t41"));
        string topic = Unique.Topic("timeout");
        var lines = WithTimeout(_broker.Port, topic);

        // Refused before anything else is looked at, connected or not.
        await m.CommandAsync(lines[0], TooManyParameters);
        await m.CommandAsync($"AT+MQTTCONN=0,\"127.0.0.1\",{_broker.Port},0", $"+MQTTCONNECTED:0,1,\"127.0.0.1\",\"{_broker.Port}\",\"\",0\r\n" + Ok);
        foreach (string line in lines[1..])
        {
            await m.CommandAsync(line, TooManyParameters);
        }

        // Without it, the same commands work.
        await m.CommandAsync($"AT+MQTTSUB=0,\"{topic}\",1", Ok);
        await m.CommandAsync($"AT+MQTTPUB=0,\"{topic}\",\"d\",1,0", Ok);
        await m.ExpectAsync($"+MQTTSUBRECV:0,\"{topic}\",1,d\r\n");
        await m.CommandAsync($"AT+MQTTPUBRAW=0,\"{topic}\",1,1,0", "\r\nOK\r\n\r\n>");
        await m.SendAsync("r");
        await m.ExpectAsync("\r\n+MQTTPUB:OK\r\n");
        await m.ExpectAsync($"+MQTTSUBRECV:0,\"{topic}\",1,r\r\n");
        await m.CommandAsync($"AT+MQTTUNSUB=0,\"{topic}\"", Ok);
        await m.CommandAsync("AT+MQTTCLEAN=0", Ok);
    }

    [Fact]
    public async Task Timeout_ms_is_taken_by_5_0()
    {
        await using var m = await StartAsync("esp-at-5.0");
        await m.UserConfigAsync(Unique.Id("t50"));
        string topic = Unique.Topic("timeout");
        var lines = WithTimeout(_broker.Port, topic);

        await m.CommandAsync(lines[0], $"+MQTTCONNECTED:0,1,\"127.0.0.1\",\"{_broker.Port}\",\"\",0\r\n" + Ok);
        await m.CommandAsync(lines[1], Ok);
        await m.CommandAsync(lines[2], Ok);
        await m.ExpectAsync($"+MQTTSUBRECV:0,\"{topic}\",1,d\r\n");
        await m.CommandAsync(lines[3], "\r\nOK\r\n\r\n>");
        await m.SendAsync("r");
        await m.ExpectAsync("\r\n+MQTTPUB:OK\r\n");
        await m.ExpectAsync($"+MQTTSUBRECV:0,\"{topic}\",1,r\r\n");
        await m.CommandAsync(lines[4], Ok);

        // Out of its range it is the same error as a count too many is before 5.0.
        await m.CommandAsync($"AT+MQTTUNSUB=0,\"{topic}\",2999", TooManyParameters);
        await m.CommandAsync("AT+MQTTCLEAN=0", Ok);
    }
}
