using System.Text.RegularExpressions;
using AtMqtt.Core.Dialects;
using Xunit;
using static AtMqtt.Testing.InMemoryModem;

namespace AtMqtt.Core.Tests.Dialects;

/// <summary>
/// The rows of docs/dialects.md that are the same in both dialects (basic, system, Wi-Fi, SNTP and
/// the MQTT commands whose answers do not differ), each run in both dialects and compared with the
/// exact bytes the page shows. Values that change from run to run (clock, MACs, versions) are
/// matched by pattern. The differing rows are covered by DocExampleTests, StateTests and LimitTests.
/// </summary>
public sealed class DialectTableTests
{
    /// <summary>What the host sends, and everything the modem writes back (echo included), or a pattern of it.</summary>
    private static readonly (string Send, string Expect, bool Pattern)[] SameInBoth =
    [
        ("AT", "AT\r\n\r\nOK\r\n", false),
        ("AT+GMR", @"^AT\+GMR\r\nAT version:\d+\.\d+\.\d+\(atmqtt - {dialect} dialect\)\r\nSDK version:MQTTnet \d+\.\d+\.\d+ on \.NET \d+\.\d+\.\d+\r\nBin version:\d+\.\d+\.\d+\(atmqtt\)\r\n\r\nOK\r\n$", true),
        ("AT+CMD?", @"^AT\+CMD\?\r\n\+CMD:0,""AT"",0,0,0,1\r\n(\+CMD:\d+,""AT[A-Z0-9+_]+"",[01],[01],[01],[01]\r\n)+\r\nOK\r\n$", true),
        ("AT+SYSLOG?", "AT+SYSLOG?\r\n+SYSLOG:0\r\n\r\nOK\r\n", false),
        ("AT+SYSLOG=1", "AT+SYSLOG=1\r\n\r\nOK\r\n", false),
        ("AT+SYSLOG?", "AT+SYSLOG?\r\n+SYSLOG:1\r\n\r\nOK\r\n", false),
        ("AT+MQTTPUB?", "AT+MQTTPUB?\r\nERR CODE:0x010c0000\r\n\r\nERROR\r\n", false),
        ("AT+MQTTCONN=?", "AT+MQTTCONN=?\r\nERR CODE:0x010c0000\r\n\r\nERROR\r\n", false),
        ("AT+FAKE", "AT+FAKE\r\nERR CODE:0x01090000\r\n\r\nERROR\r\n", false),
        ("AT+SYSLOG=0", "AT+SYSLOG=0\r\n\r\nOK\r\n", false),
        ("AT+SYSSTORE?", "AT+SYSSTORE?\r\n+SYSSTORE:1\r\n\r\nOK\r\n", false),
        ("AT+SYSSTORE=0", "AT+SYSSTORE=0\r\n\r\nOK\r\n", false),
        ("AT+SYSTIMESTAMP=1700000000", "AT+SYSTIMESTAMP=1700000000\r\n\r\nOK\r\n", false),
        ("AT+SYSTIMESTAMP?", @"^AT\+SYSTIMESTAMP\?\r\n\+SYSTIMESTAMP:170000000\d\r\n\r\nOK\r\n$", true),
        ("AT+UART_CUR?", "AT+UART_CUR?\r\n+UART_CUR:115200,8,1,0,0\r\n\r\nOK\r\n", false),
        ("AT+UART_DEF?", "AT+UART_DEF?\r\n+UART_DEF:115200,8,1,0,0\r\n\r\nOK\r\n", false),
        ("AT+UART_CUR=921600,8,1,0,1", "AT+UART_CUR=921600,8,1,0,1\r\n\r\nOK\r\n", false),
        ("AT+UART_CUR?", "AT+UART_CUR?\r\n+UART_CUR:921600,8,1,0,1\r\n\r\nOK\r\n", false),
        ("AT+CWINIT?", "AT+CWINIT?\r\n+CWINIT:1\r\n\r\nOK\r\n", false),
        ("AT+CWMODE?", "AT+CWMODE?\r\n+CWMODE:1\r\n\r\nOK\r\n", false),
        ("AT+CWMODE=1", "AT+CWMODE=1\r\n\r\nOK\r\n", false),
        ("AT+CWAUTOCONN?", "AT+CWAUTOCONN?\r\n+CWAUTOCONN:1\r\n\r\nOK\r\n", false),
        ("AT+CWCOUNTRY?", "AT+CWCOUNTRY?\r\n+CWCOUNTRY:0,\"CN\",1,13\r\n\r\nOK\r\n", false),
        ("AT+CWSTATE?", "AT+CWSTATE?\r\n+CWSTATE:0,\"\"\r\n\r\nOK\r\n", false),
        ("AT+CWJAP?", "AT+CWJAP?\r\nNo AP\r\n\r\nOK\r\n", false),
        ("AT+CWLAP", @"^AT\+CWLAP\r\n\+CWLAP:\(3,""atmqtt-sim"",-45,""([0-9a-f]{2}:){5}[0-9a-f]{2}"",6,0,0,4,4,7,0\)\r\n\r\nOK\r\n$", true),
        ("AT+CWJAP=\"lab\",\"pw\"", "AT+CWJAP=\"lab\",\"pw\"\r\nWIFI CONNECTED\r\nWIFI GOT IP\r\n\r\nOK\r\n", false),
        ("AT+CWJAP?", @"^AT\+CWJAP\?\r\n\+CWJAP:""lab"",""([0-9a-f]{2}:){5}[0-9a-f]{2}"",6,-45,0,1,3,0,1\r\n\r\nOK\r\n$", true),
        ("AT+CWSTATE?", "AT+CWSTATE?\r\n+CWSTATE:2,\"lab\"\r\n\r\nOK\r\n", false),
        ("AT+CIPSTAMAC?", @"^AT\+CIPSTAMAC\?\r\n\+CIPSTAMAC:""([0-9a-f]{2}:){5}[0-9a-f]{2}""\r\n\r\nOK\r\n$", true),
        ("AT+CWQAP", "AT+CWQAP\r\n\r\nOK\r\nWIFI DISCONNECT\r\n", false),
        ("AT+CWSTATE?", "AT+CWSTATE?\r\n+CWSTATE:4,\"lab\"\r\n\r\nOK\r\n", false),
        ("AT+CIPSNTPCFG?", "AT+CIPSNTPCFG?\r\n+CIPSNTPCFG:0,0,\"cn.ntp.org.cn\",\"ntp.sjtu.edu.cn\",\"us.pool.ntp.org\"\r\n\r\nOK\r\n", false),
        ("AT+CIPSNTPCFG=1,8,\"pool.ntp.org\"", "AT+CIPSNTPCFG=1,8,\"pool.ntp.org\"\r\n\r\nOK\r\n+TIME_UPDATED\r\n", false),
        ("AT+CIPSNTPCFG?", "AT+CIPSNTPCFG?\r\n+CIPSNTPCFG:1,8,\"pool.ntp.org\"\r\n\r\nOK\r\n", false),
        ("AT+CIPSNTPTIME?", @"^AT\+CIPSNTPTIME\?\r\n\+CIPSNTPTIME:(Mon|Tue|Wed|Thu|Fri|Sat|Sun) [A-Z][a-z]{2} [ 1-3]\d \d\d:\d\d:\d\d 20\d\d\r\n\r\nOK\r\n$", true),
        ("AT+MQTTRXQUEUE?", "AT+MQTTRXQUEUE?\r\n+MQTTRXQUEUE:0,0,1000,0,0\r\n\r\nOK\r\n", false),

        // MQTT commands whose answers are the same in both dialects (no broker needed for these).
        ("AT+MQTTUNSUB=0,\"t\"", "AT+MQTTUNSUB=0,\"t\"\r\nNO UNSUBSCRIBE\r\n\r\nOK\r\n", false),
        ("AT+MQTTUSERCFG=0,1,\"c\",\"u\",\"p\",0,0,\"\"", "AT+MQTTUSERCFG=0,1,\"c\",\"u\",\"p\",0,0,\"\"\r\n\r\nOK\r\n", false),
        ("AT+MQTTCONNCFG=0,60,0,\"w/t\",\"bye\",1,0", "AT+MQTTCONNCFG=0,60,0,\"w/t\",\"bye\",1,0\r\n\r\nOK\r\n", false),
        ("AT+MQTTLONGCLIENTID=0,3", "AT+MQTTLONGCLIENTID=0,3\r\n\r\nOK\r\n\r\n>", false),
        ("abc", "\r\nOK\r\n", false),
        ("AT+MQTTALPN=0,2,\"mqtt-ca.cn\",\"mqtt-ca.us\"", "AT+MQTTALPN=0,2,\"mqtt-ca.cn\",\"mqtt-ca.us\"\r\n\r\nOK\r\n", false),
        ("AT+MQTTSNI=0,\"broker.example.com\"", "AT+MQTTSNI=0,\"broker.example.com\"\r\n\r\nOK\r\n", false),
        ("AT+MQTTPUB=0,\"t\",\"d\",0,0", "AT+MQTTPUB=0,\"t\",\"d\",0,0\r\n\r\nERROR\r\n", false),
        ("AT+MQTTSUB=0,\"t\",0", "AT+MQTTSUB=0,\"t\",0\r\n\r\nERROR\r\n", false),
        ("AT+MQTTCLEAN=0", "AT+MQTTCLEAN=0\r\n\r\nOK\r\n", false),
        ("AT+MQTTCLEAN=0", "AT+MQTTCLEAN=0\r\n\r\nOK\r\n", false),

        // Echo, restart and factory reset.
        ("ATE0", "ATE0\r\n\r\nOK\r\n", false),
        ("AT", "\r\nOK\r\n", false),
        ("ATE1", "\r\nOK\r\n", false),
        ("AT", "AT\r\n\r\nOK\r\n", false),
        ("AT+RST", "AT+RST\r\n\r\nOK\r\nready\r\n", false),
        ("AT+SYSSTORE?", "AT+SYSSTORE?\r\n+SYSSTORE:0\r\n\r\nOK\r\n", false),
        ("AT+RESTORE", "AT+RESTORE\r\n\r\nOK\r\nready\r\n", false),
        ("AT+SYSSTORE?", "AT+SYSSTORE?\r\n+SYSSTORE:1\r\n\r\nOK\r\n", false),
    ];

    [Theory]
    [InlineData("seed")]
    [InlineData("esp-at")]
    public async Task Commands_that_answer_the_same_in_both_dialects(string dialect)
    {
        await using var m = await StartAsync(Dialect.FromName(dialect)!);
        foreach (var (send, expect, pattern) in SameInBoth)
        {
            await m.SendAsync(send == "abc" ? send : send + "\r\n");
            if (!pattern)
            {
                await m.ExpectAsync(expect);
                continue;
            }

            string got = send == "AT+CMD?" || send == "AT+GMR"
                ? await m.Host.ReadUntilAsync("\r\nOK\r\n")
                : await m.Host.ReadUntilAnyAsync(["\r\nOK\r\n", "\r\nERROR\r\n"]);
            string regex = expect.Replace("{dialect}", Regex.Escape(dialect), StringComparison.Ordinal);
            Assert.True(Regex.IsMatch(got, regex), $"{send}: \"{Show(got)}\" does not match {regex}");
        }

        await m.AssertSilentAsync(TimeSpan.FromMilliseconds(100));
    }

    [Theory]
    [InlineData("seed", "+MQTTCONN:0,disconnect,0,\"\",0,0")]
    [InlineData("esp-at", "+MQTTCONN:0,0,0,\"\",\"0\",\"\",0")]
    public async Task Conn_query_before_any_configuration(string dialect, string line)
    {
        await using var m = await StartAsync(Dialect.FromName(dialect)!);
        await m.CommandAsync("AT+MQTTCONN?", line + "\r\n" + Ok);
        await m.CommandAsync("AT+MQTTSUB?", Ok);
    }
}
