using AtMqtt.Core.Instrument;
using Microsoft.Extensions.Logging.Abstractions;
using Xunit;
using static AtMqtt.Testing.InMemoryModem;

namespace AtMqtt.Core.Tests.Instrument;

/// <summary>
/// Scenarios in the engine (src/AtMqtt.Core/Instrument/Scenario*.cs): a file that cannot run is refused
/// naming the step and the field; each trigger and action, run on an in-memory modem against a broker.
/// </summary>
public sealed class ScenarioTests(BrokerFixture broker) : IClassFixture<BrokerFixture>
{
    private int Port => broker.Port;

    private static readonly TimeSpan Limit = TimeSpan.FromSeconds(30);

    [Theory]
    [InlineData("{", "not valid JSON")]
    [InlineData("""{"steps":[{"reset":true}]}""", "field \"name\": the scenario needs a name")]
    [InlineData("""{"name":"x","steps":[]}""", "field \"steps\": the scenario needs at least one step")]
    [InlineData("""{"name":"x","stesp":[]}""", "field \"stesp\": unknown field")]
    [InlineData("""{"name":"x","steps":[{"reset":true},{"afer":1,"reset":true}]}""", "step 2: field \"afer\": unknown field")]
    [InlineData("""{"name":"x","steps":[{"after":"soon","reset":true}]}""", "step 1: field \"after\": wrong type of value")]
    [InlineData("""{"name":"x","steps":[{"after":-1,"reset":true}]}""", "step 1: field \"after\": -1 is not a number of seconds")]
    [InlineData("""{"name":"x","steps":[{"after":1,"command":"AT","reset":true}]}""", "step 1: give at most one trigger")]
    [InlineData("""{"name":"x","steps":[{"name":"nothing","after":1}]}""", "step 1 (\"nothing\"): give exactly one action")]
    [InlineData("""{"name":"x","steps":[{"reset":true,"end":"*"}]}""", "step 1: give exactly one action (start, end, reset or publish); it has 2")]
    [InlineData("""{"name":"x","steps":[{"command":"mqttpub","reset":true}]}""", "step 1: field \"command\": \"mqttpub\" is not a command name")]
    [InlineData("""{"name":"x","steps":[{"count":2,"reset":true}]}""", "step 1: field \"count\": only with \"command\"")]
    [InlineData("""{"name":"x","steps":[{"phase":"online","reset":true}]}""", "step 1: field \"phase\": \"online\" is not one of idle, connecting")]
    [InlineData("""{"name":"x","steps":[{"start":{"kind":"wifi-dorp"}}]}""", "step 1: field \"start\": ")]
    [InlineData("""{"name":"x","steps":[{"start":{"kind":"busy"}}]}""", "step 1: field \"start\": ")]
    [InlineData("""{"name":"x","steps":[{"end":"drop"}]}""", "step 1: field \"end\": no earlier step starts a fault \"as\": \"drop\"")]
    [InlineData("""{"name":"x","steps":[{"reset":true,"as":"r"}]}""", "step 1: field \"as\": only with \"start\"")]
    [InlineData("""{"name":"x","steps":[{"publish":{"topic":"a/#","payload":"p"}}]}""", "step 1: field \"publish.topic\"")]
    [InlineData("""{"name":"x","steps":[{"publish":{"topic":"a","payload":"p","qos":3}}]}""", "step 1: field \"publish.qos\": 3 is not 0, 1 or 2")]
    [InlineData("""{"name":"x","timeout":0,"steps":[{"reset":true}]}""", "field \"timeout\"")]
    [InlineData("""{"name":"x","broker":{"host":"127.0.0.1"},"steps":[{"reset":true}]}""", "field \"broker.port\"")]
    public void A_file_that_cannot_run_names_the_step_and_field(string json, string message)
    {
        var ex = Assert.Throws<ScenarioException>(() => ScenarioLoader.Parse(json, "s.json"));
        Assert.StartsWith("s.json: ", ex.Message, StringComparison.Ordinal);
        Assert.Contains(message, ex.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("System.", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_command_trigger_starts_a_fault_that_applies_to_that_command()
    {
        var topic = Unique.Topic("sc-pub");
        await using var probe = await broker.ProbeAsync();
        await probe.SubscribeAsync(topic, 1);
        await using var m = await InMemoryModem.StartAsync();
        await m.ConfigureAndConnectAsync(Port);
        var scenario = ScenarioLoader.Parse("""
            {"name":"second fails","steps":[{"command":"AT+MQTTPUB","count":2,"start":{"kind":"publish-fail","count":1}}]}
            """);
        var run = new ScenarioRunner(scenario, m.Modem, NullLogger.Instance).RunAsync(CancellationToken.None);

        // AT+MQTTPUBRAW is another command, not the second AT+MQTTPUB.
        await m.CommandAsync($"AT+MQTTPUB=0,\"{topic}\",\"one\",1,0", Ok);
        await m.CommandAsync($"AT+MQTTPUBRAW=0,\"{topic}\",3,1,0", "\r\nOK\r\n\r\n>");
        await m.SendAsync("raw");
        await m.ExpectAsync("\r\n+MQTTPUBRAW:OK\r\n");
        await m.CommandAsync($"AT+MQTTPUB=0,\"{topic}\",\"two\",1,0", Error);
        await m.CommandAsync($"AT+MQTTPUB=0,\"{topic}\",\"three\",1,0", Ok);
        Assert.True(await run.WaitAsync(Limit));

        Assert.Equal("one", (await probe.NextAsync()).PayloadText);
        Assert.Equal("raw", (await probe.NextAsync()).PayloadText);
        Assert.Equal("three", (await probe.NextAsync()).PayloadText);
        var progress = m.Modem.Snapshot().Scenario!;
        Assert.Equal(("second fails", ScenarioRunner.Done), (progress.Name, progress.Status));
        var step = Assert.Single(progress.Steps);
        Assert.Equal(ScenarioRunner.Done, step.Status);
        Assert.Equal("step 1: at AT+MQTTPUB #2: start publish-fail count=1", step.Description);
        Assert.StartsWith("fault ", step.Detail, StringComparison.Ordinal);
        await m.CommandAsync("AT+MQTTCLEAN=0", Ok);
    }

    [Fact]
    public async Task Phase_urc_and_command_triggers_with_publish_and_named_faults()
    {
        var topic = Unique.Topic("sc-urc");
        await using var m = await InMemoryModem.StartAsync();
        using var events = new EventWaiter(m.Modem.Events);
        string json = File.ReadAllText(Path.Combine(RepoRoot(), "docs", "scenarios", "busy-after-a-message.json")).Replace("demo/in", topic, StringComparison.Ordinal);
        var run = new ScenarioRunner(ScenarioLoader.Parse(json), m.Modem, NullLogger.Instance).RunAsync(CancellationToken.None);
        await events.NextAsync(e => e.Type == EventTypes.Scenario && e.Value == ScenarioRunner.Running, "scenario started");

        await m.ConfigureAndConnectAsync(Port);
        await m.CommandAsync($"AT+MQTTSUB=0,\"{topic}\",1", Ok);

        // The device's publish makes the scenario publish its greeting, which may come before the OK.
        await m.SendAsync($"AT+MQTTPUB=0,\"{topic}/out\",\"up\",1,0\r\n");
        string got = await m.ReadUntilAsync($"+MQTTSUBRECV:0,\"{topic}\",5,hello\r\n");
        if (!got.Contains(Ok, StringComparison.Ordinal))
        {
            await m.ExpectAsync(Ok);
        }

        // The URC started the busy fault; the second AT ends it before it is answered.
        await m.CommandAsync("AT", "busy p...\r\n");
        await m.CommandAsync("AT", Ok);
        Assert.Empty(m.Modem.Faults.Active);
        await m.CommandAsync("AT+MQTTCLEAN=0", Ok);
        Assert.True(await run.WaitAsync(Limit));

        var progress = m.Modem.Snapshot().Scenario!;
        Assert.Equal(ScenarioRunner.Done, progress.Status);
        Assert.All(progress.Steps, s => Assert.Equal(ScenarioRunner.Done, s.Status));
        Assert.Equal(["greeting", "busy", "recover", "finish"], progress.Steps.Select(s => s.Description.Split(':')[0]));
        var done = await events.NextAsync(e => e.Type == EventTypes.Scenario && e.Name == "busy after the first message" && e.Value == ScenarioRunner.Done, "scenario done");
        Assert.Equal("scenario \"busy after the first message\": every step ran", done.Text);
        Assert.Contains(events.Seen, e => e.Type == EventTypes.Scenario && e.Name == "greeting" && e.Value == ScenarioRunner.Done);
    }

    [Fact]
    public async Task After_and_reset_actions()
    {
        await using var m = await InMemoryModem.StartAsync();
        await m.ConfigureAndConnectAsync(Port);
        var scenario = ScenarioLoader.Parse("""
            {"name":"reset","steps":[{"after":0.05,"reset":true}]}
            """);
        Assert.True(await new ScenarioRunner(scenario, m.Modem, NullLogger.Instance).RunAsync(CancellationToken.None).WaitAsync(Limit));
        await m.ExpectAsync("ready\r\n");
        Assert.Equal("idle", m.Modem.Link.PhaseName);
        await m.AssertAliveAsync();
    }

    [Fact]
    public async Task A_trigger_that_never_comes_fails_at_the_timeout()
    {
        await using var m = await InMemoryModem.StartAsync();
        var scenario = ScenarioLoader.Parse("""
            {"name":"never","timeout":0.3,"steps":[{"reset":true},{"command":"AT+GMR","end":"*"}]}
            """);
        var runner = new ScenarioRunner(scenario, m.Modem, NullLogger.Instance);
        Assert.False(await runner.RunAsync(CancellationToken.None).WaitAsync(Limit));
        await m.ExpectAsync("ready\r\n");
        var progress = runner.Progress;
        Assert.Equal(ScenarioRunner.Failed, progress.Status);
        Assert.Equal([ScenarioRunner.Done, ScenarioRunner.Failed], progress.Steps.Select(s => s.Status));
        Assert.Equal("not done when the scenario's timeout (0.3 s) passed", progress.Steps[1].Detail);
    }

    [Fact]
    public async Task A_failing_action_ends_the_scenario()
    {
        await using var m = await InMemoryModem.StartAsync();
        var scenario = ScenarioLoader.Parse("""
            {"name":"no broker","steps":[{"publish":{"topic":"t","payload":"x"}},{"reset":true}]}
            """);
        var runner = new ScenarioRunner(scenario, m.Modem, NullLogger.Instance);
        Assert.False(await runner.RunAsync(CancellationToken.None).WaitAsync(Limit));
        Assert.Equal([ScenarioRunner.Failed, ScenarioRunner.Pending], runner.Progress.Steps.Select(s => s.Status));
        Assert.Contains("give \"broker\" in the scenario", runner.Progress.Steps[0].Detail, StringComparison.Ordinal);

        // Nothing was reset: the modem is as it was, and answers.
        await m.AssertAliveAsync();
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
