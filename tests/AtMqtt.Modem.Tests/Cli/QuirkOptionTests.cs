using AtMqtt.Core;
using AtMqtt.Core.Profiles;
using Xunit;

namespace AtMqtt.Modem.Tests.Cli;

/// <summary>
/// <c>--quirk NAME[=VALUE]</c> in the program: a bad one is a usage error naming the choices, <c>--help</c>
/// lists them, and <c>GET /api/info</c> and <c>/api/state</c> (and so the AtMqtt.Testing package) say which
/// are in effect.
/// </summary>
public sealed class QuirkOptionTests
{
    private static readonly string[] Names = ["split-subrecv", "urc-in-prompt", "busy-while-receiving", "no-mqtt", "subscribe-log-only", "conn-fail-state"];

    [Fact]
    public async Task An_unknown_quirk_exits_2_naming_every_choice()
    {
        var (code, stdout, stderr) = await RunAsync(["--quirk", "lazy"]);
        Assert.Equal(2, code);
        Assert.Equal("", stdout);
        Assert.Contains("--quirk: 'lazy' is not one of ", stderr, StringComparison.Ordinal);
        Assert.All(Names, n => Assert.Contains(n, stderr, StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("split-subrecv=63", "--quirk split-subrecv=63: BYTES must be a whole number from 64 to 1048576.")]
    [InlineData("subscribe-log-only=1", "--quirk subscribe-log-only takes no value.")]
    public async Task A_bad_quirk_value_exits_2_saying_why(string quirk, string message)
    {
        var (code, stdout, stderr) = await RunAsync(["--quirk", "no-mqtt", "--quirk", quirk]);
        Assert.Equal(2, code);
        Assert.Equal("", stdout);
        Assert.Contains(message, stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_help_lists_every_quirk()
    {
        var (code, help, _) = await RunAsync(["--help"]);
        Assert.Equal(0, code);
        Assert.Contains("--quirk", help, StringComparison.Ordinal);
        string flat = string.Join(' ', help.Split((char[])[' ', '\n', '\r'], StringSplitOptions.RemoveEmptyEntries));
        Assert.All(Names, n => Assert.Contains(n, flat, StringComparison.Ordinal));
        Assert.Equal(Names, Quirks.Known.Select(k => k.Name));
    }

    /// <summary>The package's AtMqttModemOptions.Quirks reach the program; info and state list them as --quirk writes them.</summary>
    [Fact]
    public async Task Info_and_state_list_the_quirks_in_effect()
    {
        await using var modem = await AtMqttModem.StartAsync(new AtMqttModemOptions { Quirks = ["conn-fail-state", "split-subrecv=256"], EmbeddedBroker = false });
        Assert.Equal(["split-subrecv=256", "conn-fail-state"], modem.Info.Quirks);
        Assert.Equal(["split-subrecv=256", "conn-fail-state"], (await modem.StateAsync()).Quirks);

        await using var plain = await AtMqttModem.StartAsync(new AtMqttModemOptions { EmbeddedBroker = false });
        Assert.Empty(plain.Info.Quirks);
    }

    /// <summary>The in-process modem of the package takes them as ModemOptions.Quirks or by name, and says the same.</summary>
    [Fact]
    public async Task The_in_process_modem_lists_its_quirks_too()
    {
        var quirks = Quirks.Parse(["no-mqtt", "urc-in-prompt"], Quirks.None, out _)!;
        await using (var modem = await AtMqttModem.StartInProcessAsync(new InProcessAtMqttModemOptions { Modem = new ModemOptions { Quirks = quirks }, EmbeddedBroker = false }))
        {
            Assert.Equal(["urc-in-prompt", "no-mqtt"], (await modem.StateAsync()).Quirks);
        }

        await using (var named = await AtMqttModem.StartInProcessAsync(new InProcessAtMqttModemOptions { Quirks = ["no-mqtt", "split-subrecv=300"], EmbeddedBroker = false }))
        {
            Assert.Equal(["split-subrecv=300", "no-mqtt"], (await named.StateAsync()).Quirks);
        }

        var bad = await Assert.ThrowsAsync<ArgumentException>(() => AtMqttModem.StartInProcessAsync(new InProcessAtMqttModemOptions { Quirks = ["lazy"], EmbeddedBroker = false }));
        Assert.Contains("'lazy' is not one of split-subrecv", bad.Message, StringComparison.Ordinal);
    }

    private static async Task<(int Code, string Stdout, string Stderr)> RunAsync(string[] args)
    {
        await using var modem = await ModemProcess.StartAsync(args);
        var stdout = new StreamReader(modem.Stdout).ReadToEndAsync();
        int code = await modem.WaitForExitAsync(LiveModem.Timeout);
        return (code, await stdout, modem.StdErr);
    }
}
