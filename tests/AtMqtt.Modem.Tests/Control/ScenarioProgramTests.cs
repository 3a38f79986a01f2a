using System.Globalization;
using Xunit;

namespace AtMqtt.Modem.Tests.Control;

/// <summary>
/// <c>--scenario</c> and <c>--scenario-exit</c> in the program: each example of docs/scenarios.md (the
/// files in docs/scenarios/, so docs and tests cannot drift) run by the real program against its embedded
/// broker, with the exit status; a file that cannot run is a usage error naming the step and field.
/// </summary>
public sealed class ScenarioProgramTests
{
    private static string Example(string name) => Path.Combine(RepoRoot(), "docs", "scenarios", name);

    private static async Task<(ModemUnderTest Modem, int BrokerPort)> StartAsync(string example, params string[] more)
    {
        int port = FreePort.Get();
        var m = await ModemUnderTest.ProcessAsync(["--embedded-broker", port.ToString(CultureInfo.InvariantCulture), "--scenario", Example(example), "--scenario-exit", .. more]);
        await m.Process!.WaitForStdErrAsync("Embedded MQTT broker listening", ModemUnderTest.Timeout);
        return (m, port);
    }

    private static async Task AssertExitsAsync(ModemUnderTest m, int status)
    {
        int code = await m.Process!.WaitForExitAsync(ModemUnderTest.Timeout);
        Assert.True(code == status, $"exit code {code}; stderr:\n{m.Process.StdErr}");
    }

    [Fact]
    public async Task Busy_after_a_message()
    {
        var (m, port) = await StartAsync("busy-after-a-message.json");
        await using var _ = m;
        try
        {
            await BusyAsync(m, port);
        }
        catch (Exception ex)
        {
            throw new Xunit.Sdk.XunitException(ex.Message + "\nstderr:\n" + m.Process!.StdErr);
        }
    }

    private static async Task BusyAsync(ModemUnderTest m, int port)
    {
        await m.UserCfgAsync(1, Unique.Id("sc"));
        await m.ConnectAsync(1, port);
        await m.OkAsync("AT+MQTTSUB=0,\"demo/in\",1");
        await m.Host.SendAsync("AT+MQTTPUB=0,\"demo/out\",\"up\",1,0\r\n");
        string got = await m.Host.ReadUntilAsync("+MQTTSUBRECV:0,\"demo/in\",5,hello\r\n", ModemUnderTest.Timeout);
        if (!got.Contains("\r\nOK\r\n", StringComparison.Ordinal))
        {
            await m.Host.ExpectBytesAsync("\r\nOK\r\n", ModemUnderTest.Timeout);
        }

        await m.ExpectAsync("AT", "busy p...\r\n");
        await m.OkAsync("AT");
        await m.Host.SendAsync("AT+MQTTCLEAN=0\r\n");
        await AssertExitsAsync(m, 0);
        Assert.Contains("scenario \"busy after the first message\": every step ran", m.Process!.StdErr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Second_publish_fails()
    {
        var (m, port) = await StartAsync("second-publish-fails.json");
        await using var _ = m;
        await using var probe = await MqttProbe.ConnectAsync(FreePort.Host, port);
        await probe.SubscribeAsync("demo/out", 1);
        await m.UserCfgAsync(1, Unique.Id("sc"));
        await m.ConnectAsync(1, port);
        await m.OkAsync("AT+MQTTPUB=0,\"demo/out\",\"one\",1,0");
        await m.ExpectAsync("AT+MQTTPUB=0,\"demo/out\",\"two\",1,0", "\r\nERROR\r\n");
        await m.OkAsync("AT+MQTTPUB=0,\"demo/out\",\"three\",1,0");
        Assert.Equal("one", (await probe.NextAsync(ModemUnderTest.Timeout)).PayloadText);
        Assert.Equal("three", (await probe.NextAsync(ModemUnderTest.Timeout)).PayloadText);
        await m.Host.SendAsync("AT+MQTTCLEAN=0\r\n");
        await AssertExitsAsync(m, 0);
    }

    [Fact]
    public async Task Reset_on_a_message()
    {
        var (m, port) = await StartAsync("reset-on-a-message.json");
        await using var _ = m;
        await using var probe = await MqttProbe.ConnectAsync(FreePort.Host, port);
        await probe.SubscribeAsync("demo/will", 1);
        await m.UserCfgAsync(1, Unique.Id("sc"));
        await m.OkAsync("AT+MQTTCONNCFG=0,60,0,\"demo/will\",\"gone\",1,0");
        await m.ConnectAsync(1, port);
        await m.OkAsync("AT+MQTTSUB=0,\"demo/cmd\",1");
        await m.Host.SendAsync("AT+MQTTPUB=0,\"demo/status\",\"up\",1,0\r\n");
        await m.Host.ReadUntilAsync("+MQTTSUBRECV:0,\"demo/cmd\",8,shutdown\r\n", ModemUnderTest.Timeout);
        await m.Host.ReadUntilAsync("ready\r\n", ModemUnderTest.Timeout);

        // The pin cut the link without DISCONNECT: the broker published the will.
        var will = await probe.NextAsync(ModemUnderTest.Timeout);
        Assert.Equal(("demo/will", "gone"), (will.Topic, will.PayloadText));

        // The last step: the host sets up again (its answer may not come: the program exits).
        await m.Host.SendAsync($"AT+MQTTUSERCFG=0,1,\"{Unique.Id("sc")}\",\"\",\"\",0,0,\"\"\r\n");
        await AssertExitsAsync(m, 0);
    }

    [Fact]
    public async Task Wifi_drop_and_back()
    {
        var (m, port) = await StartAsync("wifi-drop-and-back.json");
        await using var _ = m;
        await using var probe = await MqttProbe.ConnectAsync(FreePort.Host, port);
        await probe.SubscribeAsync("demo/out", 1);
        await m.UserCfgAsync(1, Unique.Id("sc"));
        await m.ConnectAsync(1, port, reconnect: 1);

        // The drop comes before the publish is done: it fails, and is not delivered.
        await m.Host.SendAsync("AT+MQTTPUB=0,\"demo/out\",\"lost\",1,0\r\n");
        string seen = await m.Host.ReadUntilAsync($"+MQTTCONNECTED:0,1,\"127.0.0.1\",{port},1\r\n", ModemUnderTest.Timeout);
        Assert.Contains("\r\nERROR\r\n", seen, StringComparison.Ordinal);
        Assert.Contains("WIFI DISCONNECT\r\n", seen, StringComparison.Ordinal);
        Assert.Contains("+MQTTDISCONNECTED:0\r\n", seen, StringComparison.Ordinal);
        Assert.Contains("WIFI CONNECTED\r\nWIFI GOT IP\r\n", seen, StringComparison.Ordinal);
        await AssertExitsAsync(m, 0);
        Assert.Contains("Scenario \"Wi-Fi drops at the first publish\" back: ", m.Process!.StdErr, StringComparison.Ordinal);
        await probe.AssertNoMessageAsync(TimeSpan.FromMilliseconds(300));
    }

    [Fact]
    public async Task A_step_that_never_runs_exits_4()
    {
        using var dir = new TempDirectory("scenario");
        string file = dir.PathOf("never.json");
        await File.WriteAllTextAsync(file, """{"name":"never","timeout":0.5,"steps":[{"command":"AT+GMR","reset":true}]}""");
        await using var m = await ModemUnderTest.ProcessAsync("--scenario", file, "--scenario-exit");
        await AssertExitsAsync(m, 4);
        Assert.Contains("scenario \"never\" failed: 0 of 1 steps ran", m.Process!.StdErr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Without_scenario_exit_the_program_keeps_running()
    {
        using var dir = new TempDirectory("scenario");
        string file = dir.PathOf("once.json");
        await File.WriteAllTextAsync(file, """{"name":"once","steps":[{"command":"AT+GMR","start":{"kind":"busy","ms":60000}}]}""");
        await using var m = await ModemUnderTest.ProcessAsync("--scenario", file);
        await m.Host.SendAsync("AT+GMR\r\n");
        await m.Host.ReadUntilAsync("AT+GMR\r\nbusy p...\r\n", ModemUnderTest.Timeout);
        await m.Process!.WaitForStdErrAsync("scenario \"once\": every step ran", ModemUnderTest.Timeout);
        await m.ExpectAsync("AT", "busy p...\r\n");
        Assert.False(m.Process.HasExited);
    }

    [Theory]
    [InlineData("""{"name":"x","steps":[{"after":1,"reset":true},{"command":"AT","count":0,"reset":true}]}""", "--scenario: bad.json: step 2: field \"count\": 0 is not 1 or more.")]
    [InlineData("""{"name":"x","steps":[{"start":{"kind":"busy","ms":-5}}]}""", "--scenario: bad.json: step 1: field \"start\": ")]
    [InlineData("""{"name":"x","steps":[{"reset":true,"colour":"red"}]}""", "--scenario: bad.json: step 1: field \"colour\": unknown field")]
    public async Task A_bad_file_is_a_usage_error_naming_the_step_and_field(string json, string message)
    {
        using var dir = new TempDirectory("scenario");
        string file = dir.PathOf("bad.json");
        await File.WriteAllTextAsync(file, json);
        await using var modem = await ModemProcess.StartAsync("--scenario", file);
        int code = await modem.WaitForExitAsync(ModemUnderTest.Timeout);
        Assert.True(code == 2, $"exit code {code}; stderr:\n{modem.StdErr}");
        Assert.StartsWith(message, modem.StdErr, StringComparison.Ordinal);
    }

    private static string RepoRoot()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "Directory.Packages.props")))
        {
            dir = dir.Parent;
        }

        return dir?.FullName ?? throw new InvalidOperationException("repository root not found");
    }
}
