using System.Globalization;
using System.Reflection;
using System.Text.RegularExpressions;
using AtMqtt.Core;
using AtMqtt.Core.Dialects;
using AtMqtt.Core.Mqtt.Transport;
using AtMqtt.Core.Parsing;
using Xunit;
using static AtMqtt.Testing.InMemoryModem;

namespace AtMqtt.Core.Tests.Dialects;

/// <summary>
/// Every <c>ERR CODE</c> the engine can write (ErrorCode.cs, the MqttError values the commands use,
/// docs/error-codes.md), each produced by at least one input under AT+SYSLOG=1 and asserted byte for
/// byte: echo, any information line, <c>ERR CODE:0x........</c>, then <c>ERROR</c> (or <c>busy p...</c>).
/// </summary>
public sealed partial class ErrorCodeTests(TlsMosquittoFixture broker) : IClassFixture<TlsMosquittoFixture>
{
    private const string EspAt = "esp-at";
    private const string Seed = "seed";

    private static readonly string Long257 = "AT+MQTTPUB=0,\"t\",\"" + new string('x', 257 - "AT+MQTTPUB=0,\"t\",\"\",0,0".Length) + "\",0,0";

    /// <summary>dialect (or profile), set-up, input line, text between the echo and the ERR CODE line, code.</summary>
    public static TheoryData<string, string, string, string, uint> Cases { get; } = new()
    {
        // ---- generic (any command)
        { EspAt, "fresh", "at", "", 0x01030000 },
        { Seed, "fresh", "at+mqttconn?", "", 0x01030000 },
        { EspAt, "fresh", Long257, "", 0x01040000 },
        { EspAt, "fresh", "AT+MQTTCLEAN=0,1", "", 0x01060102 },
        { EspAt, "fresh", "AT+MQTTUSERCFG=0,1", "", 0x01060802 },
        { EspAt, "fresh", "AT+MQTTPUB=0,topic,1,2,3,0,0", "", 0x01060607 },
        { EspAt, "usercfg", "AT+MQTTALPN=0,2,\"a\"", "", 0x01060403 },
        { EspAt, "fresh", "AT+SYSLOG=2", "", 0x01070000 },
        { EspAt, "usercfg", "AT+MQTTALPN=0,1,\"\"", "", 0x01070002 },
        { EspAt, "fresh", "AT+SYSLOG=x", "", 0x01080000 },
        { EspAt, "fresh", "AT+MQTTCONN=0,\"127.0.0.1", "", 0x01080001 },
        { EspAt, "fresh", "AT+MQTTPUB=0,\"topic\",\"{\"timestamp\":\"20201121085253\"}\",0,0", "", 0x01080002 },
        { Seed, "fresh", "AT+MQTTPUB=0,test/abc,98765\"4321,1,0", "", 0x01080002 },
        { EspAt, "fresh", "AT+FAKE", "", 0x01090000 },
        { "esp-at-2.2", "usercfg", "AT+MQTTLONGCLIENTID=0,5", "", 0x01090000 },
        { "esp-at-3.2", "usercfg", "AT+MQTTCLIENTID=0,\"c\"", "", 0x01090000 },
        { EspAt, "pending", "AT", "", 0x010b0000 },
        { EspAt, "fresh", "AT+MQTTPUB?", "", 0x010c0000 },
        { EspAt, "fresh", "AT+MQTTCONN=?", "", 0x010c0000 },
        { EspAt, "wifi-ap", "AT+CWJAP=\"ap\",\"wrong\"", "+CWJAP:2\r\n", 0x010a0000 },

        // ---- MQTT (0x010a60xx)
        { EspAt, "fresh", "AT+MQTTCONNCFG=0,0,0,\"\",\"\"", "", 0x010a6001 },
        { EspAt, "fresh", "AT+MQTTCONN=0,\"127.0.0.1\",1883,0", "", 0x010a6001 },
        { EspAt, "fresh", "AT+MQTTSUB=0,\"t\",0", "", 0x010a6001 },
        { EspAt, "fresh", "AT+MQTTLONGPASSWORD=0,8", "", 0x010a6001 },
        { EspAt, "fresh", "AT+MQTTALPN=0,0", "", 0x010a6001 },
        { EspAt, "fresh", "AT+MQTTSNI=0,\"s\"", "", 0x010a6001 },
        { "esp-at-2.2", "fresh", "AT+MQTTPASSWORD=0,\"p\"", "", 0x010a6001 },
        { EspAt, "dropped", "AT+MQTTCONN=0,\"127.0.0.1\",{port},0", "", 0x010a6002 },
        { EspAt, "connected", "AT+MQTTUSERCFG=0,1,\"c\",\"\",\"\",0,0,\"\"", "", 0x010a6004 },
        { EspAt, "connected", "AT+MQTTCONNCFG=0,0,0,\"\",\"\"", "", 0x010a6004 },
        { EspAt, "connected", "AT+MQTTCONN=0,\"127.0.0.1\",{port},0", "", 0x010a6004 },
        { EspAt, "connected", "AT+MQTTLONGCLIENTID=0,8", "", 0x010a6004 },
        { EspAt, "connected", "AT+MQTTSNI=0,\"s\"", "", 0x010a6004 },
        { EspAt, "connected", "AT+MQTTSUB=0,\"t\",0,2999", "", 0x010a6008 },
        { EspAt, "usercfg", "AT+MQTTCONN=0,\"127.0.0.1\",{port},0,x", "", 0x010a6008 },
        { EspAt, "usercfg", "AT+MQTTALPN=0,x", "", 0x010a6008 },
        { "esp-at-4.1", "usercfg", "AT+MQTTSUB=0,\"t\",0,5000", "", 0x010a6008 },
        { Seed, "scheme-2", "AT+MQTTCONN=0,\"127.0.0.1\",{port},0", "+MQTTDISCONNECTED:0\r\n", 0x010a6009 },
        { EspAt, "scheme-4", "AT+MQTTCONN=0,\"127.0.0.1\",{port},0", "+MQTTDISCONNECTED:0\r\n", 0x010a6009 },
        { EspAt, "usercfg", "AT+MQTTCONN=0,\"127.0.0.1\",{closed},0", "+MQTTDISCONNECTED:0\r\n", 0x010a600b },
        { EspAt, "require-wifi", "AT+MQTTCONN=0,\"127.0.0.1\",{port},0", "+MQTTDISCONNECTED:0\r\n", 0x010a600b },
        { EspAt, "fake-publish-closes", "AT+MQTTPUB=0,\"t\",\"x\",1,0", "", 0x010a600c },
        { EspAt, "usercfg", "AT+MQTTSUB=0,\"t\",0", "", 0x010a600d },
        { EspAt, "full", "AT+MQTTSUB=0,\"u\",0", "", 0x010a600d },
        { EspAt, "fake-unsubscribe-closes", "AT+MQTTUNSUB=0,\"t\"", "", 0x010a600e },
        { EspAt, "fresh", "AT+MQTTCLEAN=x", "", 0x010a6010 },
        { EspAt, "fresh", "AT+MQTTCLEAN=", "", 0x010a6010 },
        { EspAt, "fresh", "AT+MQTTCLEAN=1", "", 0x010a6011 },
        { EspAt, "fresh", "AT+MQTTUSERCFG=0,x,\"c\",\"\",\"\",0,0,\"\"", "", 0x010a6012 },
        { EspAt, "fresh", "AT+MQTTUSERCFG=0,11,\"c\",\"\",\"\",0,0,\"\"", "", 0x010a6013 },
        { Seed, "fresh", "AT+MQTTUSERCFG=0,3,\"c\",\"\",\"\",0,0,\"\"", "", 0x010a6013 },
        { EspAt, "fresh", "AT+MQTTUSERCFG=0,1,,\"\",\"\",0,0,\"\"", "", 0x010a6014 },
        { EspAt, "fresh", "AT+MQTTUSERCFG=0,1,\"\",\"\",\"\",0,0,\"\"", "", 0x010a6015 },
        { "esp-at-2.2", "usercfg", "AT+MQTTCLIENTID=0,\"\"", "", 0x010a6015 },
        { EspAt, "usercfg", "AT+MQTTLONGCLIENTID=0,1025", "", 0x010a6016 },
        { EspAt, "fresh", "AT+MQTTUSERCFG=0,1,\"c\",,\"\",0,0,\"\"", "", 0x010a6017 },
        { "esp-at-2.2", "usercfg", "AT+MQTTUSERNAME=0,\"\"", "", 0x010a6018 },
        { EspAt, "fresh", "AT+MQTTUSERCFG=0,1,\"c\",\"" + new string('u', 65) + "\",\"\",0,0,\"\"", "", 0x010a6019 },
        { EspAt, "usercfg", "AT+MQTTLONGUSERNAME=0,0", "", 0x010a6019 },
        { EspAt, "fresh", "AT+MQTTUSERCFG=0,1,\"c\",\"\",,0,0,\"\"", "", 0x010a601a },
        { "esp-at-2.2", "usercfg", "AT+MQTTPASSWORD=0,\"\"", "", 0x010a601b },
        { EspAt, "fresh", "AT+MQTTUSERCFG=0,1,\"c\",\"\",\"" + new string('p', 65) + "\",0,0,\"\"", "", 0x010a601c },
        { EspAt, "usercfg", "AT+MQTTLONGPASSWORD=0,1025", "", 0x010a601c },
        { EspAt, "fresh", "AT+MQTTUSERCFG=0,1,\"c\",\"\",\"\",,0,\"\"", "", 0x010a601d },
        { Seed, "fresh", "AT+MQTTUSERCFG=0,1,\"c\",\"\",\"\",1,0,\"\"", "", 0x010a601e },
        { EspAt, "fresh", "AT+MQTTUSERCFG=0,1,\"c\",\"\",\"\",256,0,\"\"", "", 0x010a601e },
        { EspAt, "fresh", "AT+MQTTUSERCFG=0,1,\"c\",\"\",\"\",0,,\"\"", "", 0x010a601f },
        { Seed, "fresh", "AT+MQTTUSERCFG=0,1,\"c\",\"\",\"\",0,1,\"\"", "", 0x010a6020 },
        { EspAt, "fresh", "AT+MQTTUSERCFG=0,1,\"c\",\"\",\"\",0,256,\"\"", "", 0x010a6020 },
        { EspAt, "fresh", "AT+MQTTUSERCFG=0,1,\"c\",\"\",\"\",0,0,", "", 0x010a6027 },
        { EspAt, "fresh", "AT+MQTTUSERCFG=0,1,\"c\",\"\",\"\",0,0,\"" + new string('p', 33) + "\"", "", 0x010a6029 },
        { EspAt, "usercfg", "AT+MQTTCONNCFG=0,,0,\"\",\"\"", "", 0x010a602b },
        { EspAt, "usercfg", "AT+MQTTCONNCFG=0,7201,0,\"\",\"\"", "", 0x010a602d },
        { EspAt, "usercfg", "AT+MQTTCONNCFG=0,0,,\"\",\"\"", "", 0x010a602e },
        { EspAt, "usercfg", "AT+MQTTCONNCFG=0,0,2,\"\",\"\"", "", 0x010a602f },
        { EspAt, "usercfg", "AT+MQTTCONNCFG=0,0,0,,\"\"", "", 0x010a6030 },
        { EspAt, "usercfg", "AT+MQTTCONNCFG=0,0,0,\"a/+\",\"m\"", "", 0x010a6030 },
        { EspAt, "usercfg", "AT+MQTTCONNCFG=0,0,0,\"" + new string('t', 129) + "\",\"m\"", "", 0x010a6032 },
        { EspAt, "usercfg", "AT+MQTTCONNCFG=0,0,0,\"t\",", "", 0x010a6033 },
        { EspAt, "usercfg", "AT+MQTTCONNCFG=0,0,0,\"t\",\"" + new string('m', 129) + "\"", "", 0x010a6035 },
        { Seed, "usercfg", "AT+MQTTCONNCFG=0,0,0,\"t\",\"" + new string('m', 65) + "\"", "", 0x010a6035 },
        { EspAt, "usercfg", "AT+MQTTCONNCFG=0,0,0,\"t\",\"m\",x", "", 0x010a6036 },
        { EspAt, "usercfg", "AT+MQTTCONNCFG=0,0,0,\"t\",\"m\",3", "", 0x010a6037 },
        { EspAt, "usercfg", "AT+MQTTCONNCFG=0,0,0,\"t\",\"m\",0,x", "", 0x010a6038 },
        { EspAt, "usercfg", "AT+MQTTCONNCFG=0,0,0,\"t\",\"m\",0,2", "", 0x010a6039 },
        { EspAt, "usercfg", "AT+MQTTCONN=0,,1883,0", "", 0x010a603a },
        { EspAt, "usercfg", "AT+MQTTCONN=0,\"\",1883,0", "", 0x010a603b },
        { EspAt, "usercfg", "AT+MQTTSNI=0,\"\"", "", 0x010a603b },
        { EspAt, "usercfg", "AT+MQTTCONN=0,\"" + new string('h', 129) + "\",1883,0", "", 0x010a603c },
        { Seed, "usercfg", "AT+MQTTCONN=0,\"" + new string('h', 65) + "\",1883,0", "", 0x010a603c },
        { EspAt, "usercfg", "AT+MQTTCONN=0,\"h\",x,0", "", 0x010a603d },
        { Seed, "usercfg", "AT+MQTTCONN=0,\"h\",x,0", "", 0x010a603d },
        { Seed, "usercfg", "AT+MQTTCONN=0,\"h\",\"1883\",0", "", 0x010a603d },
        { EspAt, "usercfg", "AT+MQTTCONN=0,\"h\",\"x\",0", "", 0x010a603d },
        { EspAt, "usercfg", "AT+MQTTCONN=0,\"h\",0,0", "", 0x010a603e },
        { EspAt, "usercfg", "AT+MQTTCONN=0,\"h\",65536,0", "", 0x010a603e },
        { EspAt, "usercfg", "AT+MQTTCONN=0,\"h\",\"0\",0", "", 0x010a603e },
        { EspAt, "usercfg", "AT+MQTTCONN=0,\"h\",1883,", "", 0x010a603f },
        { EspAt, "usercfg", "AT+MQTTCONN=0,\"h\",1883,2", "", 0x010a6040 },
        { EspAt, "connected", "AT+MQTTPUB=0,,\"d\",0,0", "", 0x010a6041 },
        { EspAt, "connected", "AT+MQTTPUB=0,\"a/+\",\"d\",0,0", "", 0x010a6041 },
        { EspAt, "connected", "AT+MQTTSUB=0,\"a/#/b\",0", "", 0x010a6041 },
        { EspAt, "connected", "AT+MQTTPUB=0,\"\",\"d\",0,0", "", 0x010a6042 },
        { EspAt, "connected", "AT+MQTTPUB=0,\"" + new string('t', 129) + "\",\"d\",0,0", "", 0x010a6043 },
        { EspAt, "connected", "AT+MQTTPUB=0,\"t\",,0,0", "", 0x010a6044 },
        { EspAt, "connected", "AT+MQTTPUB=0,\"t\",\"\",0,0", "", 0x010a6045 },
        { EspAt, "connected", "AT+MQTTPUB=0,\"t\",\"d\",x,0", "", 0x010a6047 },
        { EspAt, "connected", "AT+MQTTPUB=0,\"t\",\"d\",3,0", "", 0x010a6048 },
        { EspAt, "connected", "AT+MQTTPUBRAW=0,\"t\",1,3", "", 0x010a6048 },
        { EspAt, "connected", "AT+MQTTPUB=0,\"t\",\"d\",0,x", "", 0x010a6049 },
        { EspAt, "connected", "AT+MQTTPUB=0,\"t\",\"d\",0,2", "", 0x010a604a },
        { EspAt, "connected", "AT+MQTTPUBRAW=0,\"t\",x", "", 0x010a604b },
        { EspAt, "connected", "AT+MQTTPUBRAW=0,\"t\",,1,0", "", 0x010a604b },
        { EspAt, "connected", "AT+MQTTPUBRAW=0,\"t\",0", "", 0x010a604c },
        { EspAt, "connected", "AT+MQTTPUBRAW=0,\"t\",65537", "", 0x010a604c },
        { Seed, "connected", "AT+MQTTPUBRAW=0,\"t\",513", "", 0x010a604c },
        { EspAt, "tls-sni", "AT+MQTTCONN=0,\"127.0.0.1\",{tls},0", "+MQTTDISCONNECTED:0\r\n", 0x010a6052 },
        { EspAt, "fresh", "AT+MQTTPUB=0,\"t\",\"d\",0,0", "", 0x010a6051 },
        { EspAt, "usercfg", "AT+MQTTPUBRAW=0,\"t\",4", "", 0x010a6051 },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task Input_produces_its_error_code(string dialect, string setup, string input, string before, uint code)
    {
        int closed = FreePort.Get();
        await using var fake = setup switch
        {
            "fake-publish-closes" => ScriptedBroker.Answering(publish: BrokerReply.Close),
            "fake-unsubscribe-closes" => ScriptedBroker.Answering(unsubscribe: BrokerReply.Close),
            _ => null,
        };
        await using var silent = setup == "pending" ? new ScriptedBroker() : null;
        var options = new ModemOptions
        {
            // A dialect, or a profile where only one release produces the code.
            Dialect = Dialect.FromName(dialect) ?? Dialect.EspAt(),
            Profile = Dialect.FromName(dialect) is null ? AtMqtt.Core.Profiles.Profile.FromName(dialect)! : null,
            DataTimeout = TimeSpan.FromSeconds(5),
            RequireWifi = setup == "require-wifi",
            Wifi = setup == "wifi-ap" ? ("ap", "secret") : null,
            MaxSubscriptions = setup == "full" ? 1 : 10,
            Credentials = setup == "tls-sni" ? broker.TrustingCa : TlsCredentials.None,
        };
        await using var m = await StartAsync(options);
        await m.SysLogOnAsync();
        string id = Unique.Id("err");
        int port = fake?.Port ?? broker.Port;
        int scheme = setup switch
        {
            "scheme-2" => 2,
            "tls-sni" => 3,
            "scheme-4" => 4,
            _ => 1,
        };
        if (setup is not ("fresh" or "wifi-ap"))
        {
            await m.CommandAsync($"AT+MQTTUSERCFG=0,{scheme},\"{id}\",\"\",\"\",0,0,\"\"", Ok);
        }

        if (setup == "tls-sni")
        {
            await m.CommandAsync("AT+MQTTSNI=0,\"broker.example.com\"", Ok);
        }

        if (setup is "connected" or "full" or "dropped" or "fake-publish-closes" or "fake-unsubscribe-closes")
        {
            string reply = await m.ExchangeAsync($"AT+MQTTCONN=0,\"127.0.0.1\",{port},0");
            Assert.EndsWith(Ok, reply, StringComparison.Ordinal);
        }

        if (setup is "full" or "fake-unsubscribe-closes")
        {
            await m.CommandAsync("AT+MQTTSUB=0,\"t\",0", Ok);
        }

        await using var thief = setup == "dropped" ? await MqttProbe.ConnectAsync(FreePort.Host, broker.Port, id) : null;
        if (thief is not null)
        {
            await m.ExpectAsync("+MQTTDISCONNECTED:0\r\n");
        }

        if (silent is not null)
        {
            string connect = $"AT+MQTTCONN=0,\"127.0.0.1\",{silent.Port},0,5000";
            await m.SendAsync(connect + "\r\n");
            await m.ExpectAsync(connect + "\r\n");
        }

        string line = input.Replace("{port}", port.ToString(CultureInfo.InvariantCulture), StringComparison.Ordinal)
            .Replace("{closed}", closed.ToString(CultureInfo.InvariantCulture), StringComparison.Ordinal)
            .Replace("{tls}", broker.TlsPort.ToString(CultureInfo.InvariantCulture), StringComparison.Ordinal);
        string echo = line.Length > 256 ? "" : line + "\r\n";
        string end = code == ErrorCode.Busy ? "\r\nbusy p...\r\n" : Error;
        await m.SendAsync(line + "\r\n");
        await m.ExpectAsync(echo + before + string.Create(CultureInfo.InvariantCulture, $"ERR CODE:0x{code:x8}\r\n") + end, TimeSpan.FromSeconds(10));
    }

    /// <summary>Every MQTT extension value the engine defines and uses is produced by some case above.</summary>
    [Fact]
    public void Every_mqtt_error_value_used_by_the_engine_has_a_case()
    {
        var covered = Cases.Select(row => (uint)row[4]).ToHashSet();
        var defined = typeof(MqttError).GetFields(BindingFlags.Public | BindingFlags.Static)
            .Where(f => f.IsLiteral && f.FieldType == typeof(ushort))
            .ToDictionary(f => f.Name, f => ErrorCode.Mqtt((ushort)f.GetRawConstantValue()!));

        // Defined for completeness, never written by any command (no input can produce it).
        string[] unused = [nameof(MqttError.UninitiatedOrAlreadyClean)];
        var missing = defined.Where(d => !unused.Contains(d.Key) && !covered.Contains(d.Value))
            .Select(d => $"{d.Key} 0x{d.Value:x8}").ToList();
        Assert.True(missing.Count == 0, "no case for: " + string.Join(", ", missing));
    }

    /// <summary>Every code docs/error-codes.md lists is produced by some case above.</summary>
    [Fact]
    public void Every_documented_code_has_a_case()
    {
        var covered = Cases.Select(row => ((uint)row[4]).ToString("x8", CultureInfo.InvariantCulture)).ToHashSet();
        var documented = DocumentedCodes();
        Assert.NotEmpty(documented);
        var missing = documented.Where(c => !covered.Any(k => Matches(c, k))).ToList();
        Assert.True(missing.Count == 0, "documented but produced by no case: " + string.Join(", ", missing));
    }

    /// <summary>Every code some input produces is listed in docs/error-codes.md.</summary>
    [Fact]
    public void Every_produced_code_is_documented()
    {
        var documented = DocumentedCodes();
        var undocumented = Cases.Select(row => ((uint)row[4]).ToString("x8", CultureInfo.InvariantCulture))
            .Distinct()
            .Where(k => !documented.Any(c => Matches(c, k)))
            .Select(k => "0x" + k)
            .ToList();
        Assert.True(undocumented.Count == 0, "produced but missing from docs/error-codes.md: " + string.Join(", ", undocumented));
    }

    /// <summary>The codes of docs/error-codes.md, lower case without 0x; patterns keep their letters (0106xxyy, 0108000i).</summary>
    private static List<string> DocumentedCodes()
    {
        string text = File.ReadAllText(Path.Combine(RepoRoot(), "docs", "error-codes.md"));
        return CodePattern().Matches(text).Select(m => m.Groups[1].Value.ToLowerInvariant()).Distinct().ToList();
    }

    /// <summary>A documented code or pattern (<c>0106xxyy</c>, <c>0107000i</c>) matches a concrete code.</summary>
    private static bool Matches(string documented, string concrete)
    {
        for (int i = 0; i < 8; i++)
        {
            char d = documented[i];
            bool wildcard = d is 'x' or 'y' or 'i';
            if (!wildcard && d != concrete[i])
            {
                return false;
            }
        }

        return true;
    }

    private static string RepoRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "AtMqtt.sln")))
            {
                return dir.FullName;
            }
        }

        throw new DirectoryNotFoundException("AtMqtt.sln not found above " + AppContext.BaseDirectory);
    }

    [GeneratedRegex(@"`0x([0-9a-fA-Fxyi]{8})`")]
    private static partial Regex CodePattern();
}
