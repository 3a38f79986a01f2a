using System.Net;
using System.Net.Sockets;
using System.Text.RegularExpressions;
using Xunit;

namespace AtMqtt.Modem.Tests.Cli;

/// <summary>
/// A bad value of every option: exit code 2 before anything starts, a message that names the option,
/// and no .NET type in it (System.CommandLine's own say <c>System.Nullable`1[System.Int32]</c>).
/// </summary>
public sealed partial class UsageErrorTests
{
    /// <summary>Stands for a file that exists and holds no PEM, no SSID:PASSWORD, no psk_file line.</summary>
    private const string NotPem = "{not-pem}";

    /// <summary>Every option of <c>--help</c> has at least one row here (<see cref="EveryOptionOfTheHelp_HasABadValueHere"/>).</summary>
    public static readonly TheoryData<string, string[]> BadValues = new()
    {
        { "--stdio", ["--stdio", "yes"] },
        { "--stdio", ["--stdio", "--tcp", "127.0.0.1:0"] },
        { "--tcp", ["--tcp", "nope"] },
        { "--tcp", ["--tcp", "127.0.0.1:65536"] },
        { "--tcp", ["--tcp", "10.11.12.13:3333"] },
        { "--tcp", ["--tcp"] },
        { "--control", ["--control", "nope"] },
        { "--control", ["--control", "127.0.0.1:65536"] },
        { "--control", ["--control", "10.11.12.13:3333"] },
        { "--control", ["--control"] },
        { "--allow-remote", ["--allow-remote", "please"] },
        { "--metrics-per-modem", ["--metrics-per-modem", "--tcp", "127.0.0.1:0"] },
        { "--metrics-per-modem", ["--metrics-per-modem", "yes"] },
        { "--embedded-broker", ["--embedded-broker", "70000"] },
        { "--embedded-broker", ["--embedded-broker", "-1"] },
        { "--embedded-broker", ["--embedded-broker", "mosquitto"] },
        { "--dialect", ["--dialect", "klingon"] },
        { "--profile", ["--profile", "esp-at-9.9"] },
        { "--profile", ["--dialect", "seed", "--profile", "esp-at-5.0"] },
        { "--quirk", ["--quirk", "lazy"] },
        { "--quirk", ["--quirk", "split-subrecv=12"] },
        { "--quirk", ["--quirk", "no-mqtt=1"] },
        { "--data-timeout", ["--data-timeout", "-1"] },
        { "--data-timeout", ["--data-timeout", "ten"] },
        { "--data-timeout", ["--data-timeout", "86401"] },
        { "--result-delay", ["--result-delay", "-1"] },
        { "--result-delay", ["--result-delay", "600001"] },
        { "--max-subscriptions", ["--max-subscriptions", "0"] },
        { "--rx-queue", ["--rx-queue", "0"] },
        { "--rx-queue", ["--rx-queue", "2147483648"] },
        { "--max-message-bytes", ["--max-message-bytes", "0"] },
        { "--max-message-bytes", ["--max-message-bytes", "268435452"] },
        { "--max-pubraw", ["--max-pubraw", "0"] },
        { "--wifi", ["--wifi", "no-colon"] },
        { "--wifi-file", ["--wifi-file", "/nonexistent/wifi"] },
        { "--wifi-file", ["--wifi-file", "/tmp"] },
        { "--wifi-file", ["--wifi-file", NotPem] },
        { "--wifi", ["--wifi", "a:b", "--wifi-file", NotPem] },
        { "--require-wifi", ["--require-wifi", "1"] },
        { "--psk", ["--psk", "identity:not-hex"] },
        { "--psk-file", ["--psk-file", "/nonexistent/psk"] },
        { "--psk-file", ["--psk-file", NotPem] },
        { "--psk", ["--psk", "id:00ff", "--psk-file", NotPem] },
        { "--ca", ["--ca", "/nonexistent/ca.pem"] },
        { "--ca", ["--ca", NotPem] },
        { "--client-cert", ["--client-cert", "/nonexistent/cert.pem"] },
        { "--client-key", ["--client-key", "/nonexistent/key.pem"] },
        { "--client-key", ["--client-key", NotPem] },
        { "--log-level", ["--log-level", "loud"] },
        { "--pty", ["--pty", "/nonexistent/folder/ttyAT"] },
        { "--pty", ["--pty", ""] },
        { "--serial", ["--serial", ""] },
        { "--serial", ["--serial", "/tmp"] },
        { "--baud", ["--baud", "fast"] },
        { "--baud", ["--baud", "79"] },
        { "--baud", ["--baud"] },
        { "--tcp-connect", ["--tcp-connect", "nope"] },
        { "--tcp-connect", ["--tcp-connect", "127.0.0.1:0"] },
        { "--transcript", ["--transcript", "/nonexistent/folder/t.txt"] },
        { "--monitor", ["--monitor", "yes"] },
        { "--monitor", ["--monitor=on"] },
        { "--log-level", ["--log-level"] },
        { "--strict", ["--strict=maybe"] },
        { "--strict", ["--strict", "yes"] },
        { "--scenario", ["--scenario", "/nonexistent/scenario.json"] },
        { "--scenario", ["--scenario", NotPem] },
        { "--scenario-exit", ["--scenario-exit"] },
        { "--count", ["--count", "0"] },
        { "--count", ["--count", "two"] },
        { "--count", ["--count", "100001"] },
        { "--count", ["--count", "2"] },
        { "--bogus", ["--bogus"] },
    };

    [Theory]
    [MemberData(nameof(BadValues))]
    public async Task ABadValue_ExitsWith2_NamingTheOption(string option, string[] args)
    {
        using var dir = new TempDirectory("options");
        string notPem = dir.PathOf("not-pem.txt");
        await File.WriteAllTextAsync(notPem, "neither a certificate nor a key\n");
        var (code, stdout, stderr) = await RunAsync([.. args.Select(a => a == NotPem ? notPem : a)]);

        Assert.True(code == 2, $"exit code {code}; stderr:\n{stderr}");
        Assert.Contains(option, stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("System.", stdout + stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("Exception", stdout + stderr, StringComparison.Ordinal);
        Assert.Equal("", stdout); // stdout is the modem's channel: never a message, never "ready"
    }

    [Fact]
    public async Task EveryOptionOfTheHelp_HasABadValueHere()
    {
        var (code, help, _) = await RunAsync(["--help"]);
        Assert.Equal(0, code);
        Assert.DoesNotContain("System.", help, StringComparison.Ordinal);

        var tested = BadValues.Select(row => (string)row[0]).ToHashSet(StringComparer.Ordinal);
        var options = HelpOptions(help);
        Assert.Contains("--embedded-broker", options);
        var untested = options.Where(o => !tested.Contains(o)).ToList();
        Assert.True(untested.Count == 0, "no bad value tested for " + string.Join(", ", untested));
    }

    [Fact]
    public async Task EveryOptionOfTheHelp_IsInTheReadme()
    {
        var (_, help, _) = await RunAsync(["--help"]);
        string readme = await File.ReadAllTextAsync(Path.Combine(RepoRoot(), "README.md"));

        var missing = HelpOptions(help).Where(o => !readme.Contains($"| `{o}", StringComparison.Ordinal)).ToList();
        Assert.True(missing.Count == 0, "not in the README's option table: " + string.Join(", ", missing));
    }

    /// <summary>A port in use is found at start, whoever holds it and however (here with SO_REUSEPORT, as .NET's ReuseAddress sets it on Linux).</summary>
    [Theory]
    [InlineData("--tcp")]
    [InlineData("--embedded-broker")]
    public async Task APortInUse_ExitsWith2_NamingThePort(string option)
    {
        using var holder = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        holder.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.ReuseAddress, true);
        holder.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        holder.Listen();
        int port = ((IPEndPoint)holder.LocalEndPoint!).Port;

        var (code, stdout, stderr) = await RunAsync(option == "--tcp" ? ["--tcp", $"127.0.0.1:{port}"] : ["--embedded-broker", port.ToString(System.Globalization.CultureInfo.InvariantCulture)]);

        Assert.True(code == 2, $"exit code {code}; stderr:\n{stderr}");
        Assert.Equal("", stdout);
        string line = Assert.Single(stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.StartsWith(option + ":", line, StringComparison.Ordinal);
        Assert.Contains(port.ToString(System.Globalization.CultureInfo.InvariantCulture), line, StringComparison.Ordinal);
        Assert.Contains("in use", line, StringComparison.Ordinal);
        if (option == "--embedded-broker")
        {
            // What to do instead: the broker that is there, or another port.
            Assert.Contains($"AT+MQTTCONN=0,\"127.0.0.1\",{port},0", line, StringComparison.Ordinal);
            Assert.Contains("--embedded-broker PORT", line, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task ASecondModem_OnTheSameTcpPort_ExitsWith2()
    {
        await using var first = await LiveModem.StartAsync();
        var (code, _, stderr) = await RunAsync(["--tcp", $"127.0.0.1:{first.TcpPort}"]);

        Assert.True(code == 2, $"exit code {code}; stderr:\n{stderr}");
        Assert.Contains($"127.0.0.1:{first.TcpPort} is in use", stderr, StringComparison.Ordinal);
        Assert.Single(TcpSockets.ListeningOf(first.Process.Pid), e => e.Port == first.TcpPort);
    }

    /// <summary>The options <c>--help</c> lists, but its own.</summary>
    private static List<string> HelpOptions(string help) =>
        [.. OptionInHelp().Matches(help).Select(m => m.Groups[1].Value).Where(o => o is not "--help" and not "--version").Distinct()];

    private static async Task<(int Code, string Stdout, string Stderr)> RunAsync(string[] args)
    {
        await using var modem = await ModemProcess.StartAsync(args);
        var stdout = new StreamReader(modem.Stdout).ReadToEndAsync();
        int code = await modem.WaitForExitAsync(LiveModem.Timeout);
        return (code, await stdout, modem.StdErr);
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

    [GeneratedRegex(@"^  (--[a-z-]+)", RegexOptions.Multiline)]
    private static partial Regex OptionInHelp();
}
