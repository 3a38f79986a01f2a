using System.Diagnostics;
using Xunit;

namespace AtMqtt.Client.Tests;

/// <summary>
/// samples/AtMqtt.Client.Demo as a user runs it, against the atmqtt program on TCP. The demo's topics are
/// fixed (demo/hello, demo/echo), so these tests share a class (they never run at the same time) and the
/// class has brokers of its own.
/// </summary>
public sealed class DemoTests(BrokersFixture brokers) : IClassFixture<BrokersFixture>
{
    /// <summary>As the README runs it: nothing else on the broker; the demo's own message comes back.</summary>
    [Theory]
    [InlineData(BrokerKind.InProcess)]
    [InlineData(BrokerKind.Mosquitto)]
    public async Task The_demo_alone_prints_its_own_echo_and_exits_0(BrokerKind broker)
    {
        await using var modem = await ModemForClient.StartAsync(ModemTransport.Tcp, AtDialect.Seed);
        await using var watcher = await brokers.ProbeAsync(broker);
        await watcher.SubscribeAsync("demo/echo", 1);

        var (code, stdout, stderr) = await RunDemoAsync(
            "--modem", $"tcp://{FreePort.Host}:{modem.TcpPort}", "--broker", $"{FreePort.Host}:{brokers.Port(broker)}", "--timeout", "30");
        Assert.True(code == 0, $"exit {code}\nstdout: {stdout}\nstderr: {stderr}");
        Assert.Equal("demo/echo: hello\n", stdout.Replace("\r\n", "\n", StringComparison.Ordinal));
        Assert.Equal("hello", (await watcher.NextAsync(TimeSpan.FromSeconds(30))).PayloadText);
    }

    [Theory]
    [InlineData(BrokerKind.InProcess)]
    [InlineData(BrokerKind.Mosquitto)]
    public async Task The_demo_waiting_for_an_echo_prints_it_and_exits_0(BrokerKind broker)
    {
        await using var modem = await ModemForClient.StartAsync(ModemTransport.Tcp, AtDialect.Seed);
        await using var echo = await brokers.ProbeAsync(broker);
        await echo.SubscribeAsync("demo/hello", 1);
        var answer = Task.Run(async () =>
        {
            var hello = await echo.NextAsync(TimeSpan.FromSeconds(30));
            await echo.PublishAsync("demo/echo", "echo of " + hello.PayloadText, 1);
        });

        var (code, stdout, stderr) = await RunDemoAsync(
            "--modem", $"tcp://{FreePort.Host}:{modem.TcpPort}", "--broker", $"{FreePort.Host}:{brokers.Port(broker)}", "--timeout", "30", "--wait-for-echo");
        await answer;
        Assert.True(code == 0, $"exit {code}\nstdout: {stdout}\nstderr: {stderr}");
        Assert.Equal("demo/echo: echo of hello\n", stdout.Replace("\r\n", "\n", StringComparison.Ordinal));
    }

    [Fact]
    public async Task The_demo_gives_up_after_the_timeout_with_a_non_zero_code()
    {
        await using var modem = await ModemForClient.StartAsync(ModemTransport.Tcp, AtDialect.EspAt);
        var watch = Stopwatch.StartNew();
        var (code, stdout, stderr) = await RunDemoAsync(
            "--modem", $"tcp://{FreePort.Host}:{modem.TcpPort}", "--broker", $"{FreePort.Host}:{brokers.Port(BrokerKind.InProcess)}", "--timeout", "2", "--wait-for-echo");
        Assert.NotEqual(0, code);
        Assert.Equal("", stdout);
        Assert.Contains("No message on demo/echo within 2 s", stderr, StringComparison.Ordinal);
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(15), $"took {watch.Elapsed}");
    }

    [Fact]
    public async Task The_demo_refuses_bad_arguments()
    {
        var (code, _, stderr) = await RunDemoAsync("--modem", "tcp://127.0.0.1:1");
        Assert.Equal(2, code);
        Assert.Contains("--broker", stderr, StringComparison.Ordinal);
    }

    private static async Task<(int Code, string Stdout, string Stderr)> RunDemoAsync(params string[] args)
    {
        string dll = Path.Combine(AppContext.BaseDirectory, "AtMqtt.Client.Demo.dll");
        Assert.True(File.Exists(dll), $"{dll} is missing");
        var psi = new ProcessStartInfo(DotnetHost())
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        psi.ArgumentList.Add(dll);
        foreach (string a in args)
        {
            psi.ArgumentList.Add(a);
        }

        using var process = Process.Start(psi)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        try
        {
            await process.WaitForExitAsync(cts.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"The demo did not exit: {await stderr}");
        }

        return (process.ExitCode, await stdout, await stderr);
    }

    private static string DotnetHost()
    {
        string? host = Environment.GetEnvironmentVariable("DOTNET_HOST_PATH");
        if (!string.IsNullOrEmpty(host) && File.Exists(host))
        {
            return host;
        }

        string? current = Environment.ProcessPath;
        return current is not null && Path.GetFileNameWithoutExtension(current).Equals("dotnet", StringComparison.OrdinalIgnoreCase)
            ? current
            : "dotnet";
    }
}
