using System.Text.RegularExpressions;
using Xunit;

namespace AtMqtt.Modem.Tests.Cli;

/// <summary>
/// <c>--profile NAME</c> on the real program: listed in <c>--help</c> with its choices, a bad name or a
/// contradicting <c>--dialect</c> is a usage error (exit 2), and a chosen release answers as that release.
/// </summary>
public sealed class ProfileOptionTests
{
    private const string Choices = "bk7238, esp-at-2.2, esp-at-3.2, esp-at-4.1, esp-at-5.0, quectel-bg95, quectel-ec21, simcom-a7670";

    [Fact]
    public async Task Help_lists_the_profile_option_and_every_profile()
    {
        var (code, help, _) = await RunAsync(["--help"]);
        Assert.Equal(0, code);
        Assert.Matches(@"(?m)^  --profile <bk7238\|esp-at-2\.2\|esp-at-3\.2\|esp-at-4\.1\|esp-at-5\.0\|quectel-bg95\|quectel-ec21\|simcom-a7670>", help);
    }

    [Fact]
    public async Task An_unknown_profile_exits_2_naming_the_choices()
    {
        var (code, stdout, stderr) = await RunAsync(["--profile", "esp-at-2.1"]);
        Assert.True(code == 2, $"exit code {code}; stderr:\n{stderr}");
        Assert.Contains($"--profile: 'esp-at-2.1' is not one of {Choices}.", stderr, StringComparison.Ordinal);
        Assert.Equal("", stdout);
    }

    [Theory]
    [InlineData("seed", "esp-at-4.1", "esp-at")]
    [InlineData("esp-at", "bk7238", "seed")]
    public async Task A_dialect_that_contradicts_the_profile_exits_2(string dialect, string profile, string spoken)
    {
        var (code, stdout, stderr) = await RunAsync(["--dialect", dialect, "--profile", profile]);
        Assert.True(code == 2, $"exit code {code}; stderr:\n{stderr}");
        Assert.Contains($"--dialect {dialect} contradicts --profile {profile}, which speaks the {spoken} dialect; give one of them.", stderr, StringComparison.Ordinal);
        Assert.Equal("", stdout);
    }

    [Fact]
    public async Task Profile_esp_at_2_2_answers_as_that_release_and_agrees_with_dialect_esp_at()
    {
        await using var process = await ModemProcess.StartAsync("--dialect", "esp-at", "--profile", "esp-at-2.2");
        await using var host = process.CreateStdioHost();
        await host.ReadUntilAsync("ready\r\n", LiveModem.Timeout);

        string gmr = await host.CommandAsync("AT+GMR", LiveModem.Timeout);
        Assert.Matches(new Regex(@"\AAT\+GMR\r\nAT version:2\.2\.0\.0\(atmqtt - ESP32 - Jul  2 2021 06:44:05\)\r\nSDK version:v4\.2\.2-atmqtt\r\ncompile time\(atmqtt\):Jul  2 2021 11:54:43\r\nBin version:2\.2\.0\(atmqtt \d+\.\d+\.\d+\)\r\n\r\nOK\r\n\z"), gmr);
        Assert.Equal("AT+MQTTUSERCFG=0,1,\"c\",\"\",\"\",0,0,\"\"\r\n\r\nOK\r\n", await host.CommandAsync("AT+MQTTUSERCFG=0,1,\"c\",\"\",\"\",0,0,\"\"", LiveModem.Timeout));
        Assert.Equal("AT+MQTTCLIENTID=0,\"v2.2-client\"\r\n\r\nOK\r\n", await host.CommandAsync("AT+MQTTCLIENTID=0,\"v2.2-client\"", LiveModem.Timeout));
        Assert.Equal("AT+MQTTLONGCLIENTID=0,5\r\n\r\nERROR\r\n", await host.CommandAsync("AT+MQTTLONGCLIENTID=0,5", LiveModem.Timeout));

        process.Stdin.Close();
        Assert.Equal(0, await process.WaitForExitAsync(LiveModem.Timeout));
        Assert.Contains("(esp-at-2.2 profile, esp-at dialect)", process.StdErr, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("quectel-bg95", "\r\nRDY\r\n\r\n+CPIN: READY\r\n\r\n+QUSIM: 1\r\n\r\n+QIND: SMS DONE\r\n", "ATI\r\n\r\nQuectel\r\nBG95-M3\r\nRevision: BG95M3LAR02A03\r\n\r\nOK\r\n", "quectel")]
    [InlineData("quectel-ec21", "\r\nRDY\r\n\r\n+CPIN: READY\r\n\r\n+QUSIM: 1\r\n\r\n+QIND: SMS DONE\r\n\r\n+QIND: PB DONE\r\n", "ATI\r\n\r\nQuectel\r\nEC21\r\nRevision: EC21EFAR06A08M4G\r\n\r\nOK\r\n", "quectel")]
    [InlineData("simcom-a7670", "\r\n*ATREADY: 1\r\n\r\n+CPIN: READY\r\n\r\n+CGEV: EPS PDN ACT 1\r\n\r\nSMS DONE\r\n\r\nPB DONE\r\n", "AT+CGMR\r\n\r\n+CGMR: A011B07A7670M7_F\r\n\r\nOK\r\n", "simcom")]
    public async Task A_cellular_profile_boots_and_answers_as_its_module(string profile, string boot, string answer, string dialect)
    {
        await using var process = await ModemProcess.StartAsync("--profile", profile);
        await using var host = process.CreateStdioHost();
        await host.ReadUntilAsync(boot, LiveModem.Timeout);
        string line = answer[..answer.IndexOf('\r', StringComparison.Ordinal)];
        Assert.Equal(answer, await host.CommandAsync(line, LiveModem.Timeout));

        process.Stdin.Close();
        Assert.Equal(0, await process.WaitForExitAsync(LiveModem.Timeout));
        Assert.Contains($"({profile} profile, {dialect} dialect)", process.StdErr, StringComparison.Ordinal);
    }

    private static async Task<(int Code, string Stdout, string Stderr)> RunAsync(string[] args)
    {
        await using var modem = await ModemProcess.StartAsync(args);
        var stdout = new StreamReader(modem.Stdout).ReadToEndAsync();
        int code = await modem.WaitForExitAsync(LiveModem.Timeout);
        return (code, await stdout, modem.StdErr);
    }
}
