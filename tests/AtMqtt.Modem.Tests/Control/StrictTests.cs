using Xunit;

namespace AtMqtt.Modem.Tests.Control;

/// <summary>
/// <c>--strict</c> and <c>--strict=fail</c> in the program (src/AtMqtt.Modem/Strict.cs): the summary on
/// stderr at exit, the exit status of <c>=fail</c> (3), the host's bytes unchanged, no secret shown.
/// </summary>
public sealed class StrictTests
{
    private const string PubLine = "AT+MQTTPUB=0,\"t\",\"x\",0,0";

    private static async Task<(int Code, string Stderr)> RunAsync(string[] args, Func<ModemUnderTest, Task> host)
    {
        await using var m = await ModemUnderTest.ProcessAsync(args);
        await host(m);

        // The end of stdin ends the program, which then writes its summary.
        await m.Host.DisposeAsync();
        int code = await m.Process!.WaitForExitAsync(ModemUnderTest.Timeout);
        return (code, m.Process.StdErr);
    }

    [Theory]
    [InlineData("--strict", 0)]
    [InlineData("--strict=fail", 3)]
    public async Task A_mistake_is_summed_up_at_exit(string option, int exitCode)
    {
        var (code, stderr) = await RunAsync([option], async m =>
        {
            // The host gets what it gets without --strict.
            await m.ExpectAsync(PubLine, "\r\nERROR\r\n");
            await m.ExpectAsync(PubLine, "\r\nERROR\r\n");
            await m.ExpectAsync("AT+MQTTCONNCFG=0,60,0,\"\",\"\"", "\r\nERROR\r\n");
            await m.OkAsync("AT");
        });

        Assert.True(code == exitCode, $"exit code {code}; stderr:\n{stderr}");
        Assert.Contains("Host checks (--strict): 3 findings.\n  pub-while-disconnected: 2\n  config-before-usercfg: 1\nFirst 3:\n", stderr, StringComparison.Ordinal);
        Assert.Contains(" pub-while-disconnected: The host sent AT+MQTTPUB while the link was not connected", stderr, StringComparison.Ordinal);
        Assert.Contains($"Line: {PubLine}\n", stderr, StringComparison.Ordinal);
        Assert.Contains("warn: AtMqtt.HostChecks[0] Host check config-before-usercfg:", stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_correct_host_exits_0_under_fail()
    {
        var (code, stderr) = await RunAsync(["--strict=fail"], async m =>
        {
            await m.UserCfgAsync(1, Unique.Id("ok"));
            await m.OkAsync("AT+MQTTCONNCFG=0,60,0,\"\",\"\"");
            await m.OkAsync("AT+MQTTCLEAN=0");
        });

        Assert.True(code == 0, $"exit code {code}; stderr:\n{stderr}");
        Assert.Contains("Host checks (--strict): no findings.\n", stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Without_strict_there_is_no_summary_and_no_warning()
    {
        var (code, stderr) = await RunAsync([], m => m.ExpectAsync(PubLine, "\r\nERROR\r\n"));
        Assert.Equal(0, code);
        Assert.DoesNotContain("Host check", stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task No_secret_reaches_the_log_or_the_summary()
    {
        const string password = "s3cret-pw-in-a-long-line";
        string line = $"AT+MQTTUSERCFG=0,1,\"id\",\"user\",\"{password}\",0,0,\"{new string('p', 300)}\"";
        var (code, stderr) = await RunAsync(["--strict=fail"], async m =>
        {
            await m.Host.SendAsync(line + "\r\n");
            await m.Host.ExpectBytesAsync("\r\nERROR\r\n", ModemUnderTest.Timeout);
            await m.OkAsync("AT");
        });

        Assert.Equal(3, code);
        Assert.Contains("line-too-long: 1", stderr, StringComparison.Ordinal);
        Assert.Contains("Line: AT+MQTTUSERCFG=0,1,\"id\",\"user\",<redacted>\n", stderr, StringComparison.Ordinal);
        Assert.DoesNotContain(password, stderr, StringComparison.Ordinal);
    }
}
