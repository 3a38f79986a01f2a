using Xunit;
using static AtMqtt.Testing.InMemoryModem;

namespace AtMqtt.Core.Tests.Device;

/// <summary>Whatever the parameters, every command answers OK or ERROR and the modem stays healthy.</summary>
public sealed class RobustnessTests
{
    private static readonly string[] Names =
    [
        "AT+RESTORE", "AT+SYSSTORE", "AT+SYSTIMESTAMP", "AT+UART_CUR", "AT+UART_DEF",
        "AT+CWINIT", "AT+CWMODE", "AT+CWAUTOCONN", "AT+CWCOUNTRY", "AT+CWJAP", "AT+CWQAP",
        "AT+CWSTATE", "AT+CIPSTAMAC", "AT+CWLAP", "AT+CIPSNTPCFG", "AT+CIPSNTPTIME",
    ];

    private static readonly string[] Suffixes =
    [
        "", "?", "=?", "=", "=,", "=,,,,,,,,,,,,,,,,,,,,,,", "=\"", "=\"\"", "=\\", "=\"\\\"", "=-", "=+", "=-0",
        "=99999999999999999999", "=-99999999999999999999", "=0,0,0,0,0,0,0,0,0,0", "=\"a\",\"b\",\"c\",\"d\",\"e\",\"f\"",
        "=1,\"\u00e9\u00e8\",1,1", "=1,\"\u00ff\"", "= 1", "=1 ", "=0x10", "=1.5", "=\"1\",\"2\"", "=1,\"a\"b", "=\u0001",
    ];

    public static TheoryData<string> Lines()
    {
        var data = new TheoryData<string>();
        foreach (string name in Names)
        {
            if (name == "AT+RESTORE")
            {
                continue;
            }

            foreach (string suffix in Suffixes)
            {
                data.Add(name + suffix);
            }
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Lines))]
    public async Task AnyParametersGetAFinalResult(string line)
    {
        await using var h = await StartAsync();
        string response = await h.QueryAsync(line);
        Assert.True(response.EndsWith("\r\nOK\r\n", StringComparison.Ordinal) || response.EndsWith("\r\nERROR\r\n", StringComparison.Ordinal), response);
        await h.CommandAsync("AT", "\r\nOK\r\n");
    }
}
