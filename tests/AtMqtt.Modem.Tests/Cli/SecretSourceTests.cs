using System.Security.Cryptography;
using Xunit;

namespace AtMqtt.Modem.Tests.Cli;

/// <summary>
/// Secrets kept out of the process list: the simulated access point from <c>--wifi-file</c> or
/// <c>ATMQTT_WIFI</c>, the TLS-PSK key from <c>--psk-file</c> or <c>ATMQTT_PSK</c>. They work as
/// <c>--wifi</c> does, an option wins over the environment, two options for one secret stop the
/// program, /proc/PID/cmdline never holds them, and the transcript hides them wherever they turn up.
/// </summary>
public sealed class SecretSourceTests : IDisposable
{
    private const string Joined = "WIFI CONNECTED\r\nWIFI GOT IP\r\n\r\nOK\r\n";
    private const string WrongPassword = "+CWJAP:2\r\n\r\nERROR\r\n";
    private const string NoSuchAp = "+CWJAP:3\r\n\r\nERROR\r\n";

    private readonly TempDirectory _temp = new("secrets");

    [Theory]
    [InlineData("--wifi-file")]
    [InlineData("ATMQTT_WIFI")]
    public async Task TheAccessPoint_FromAFileOrTheEnvironment_TakesItsOwnPasswordOnly(string source)
    {
        string password = "Wifi-" + Guid.NewGuid().ToString("N");
        var (args, environment) = Provide(source, $"home:{password}");
        await using var modem = await ModemProcess.StartAsync(args, environment);
        await using var host = await StdioHostAsync(modem);

        await host.OkAsync("AT+CWMODE=1");
        await host.ExpectAsync("AT+CWJAP=\"home\",\"not-the-password\"", WrongPassword);
        await host.ExpectAsync($"AT+CWJAP=\"home\",\"{password}\"", Joined);
        Assert.DoesNotContain(password, modem.VisibleCommandLine(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("--wifi")]
    [InlineData("--wifi-file")]
    public async Task AnOption_TakesPrecedenceOverAtmqttWifi(string option)
    {
        string password = "Wifi-" + Guid.NewGuid().ToString("N");
        var (args, _) = Provide(option, $"home:{password}");
        await using var modem = await ModemProcess.StartAsync(args, new Dictionary<string, string?> { ["ATMQTT_WIFI"] = "office:env-password" });
        await using var host = await StdioHostAsync(modem);

        await host.OkAsync("AT+CWMODE=1");
        await host.ExpectAsync("AT+CWJAP=\"office\",\"env-password\"", NoSuchAp);
        await host.ExpectAsync($"AT+CWJAP=\"home\",\"{password}\"", Joined);
    }

    /// <summary>
    /// Secrets from a file or the environment are hidden wherever they turn up, like <c>--wifi</c> and
    /// <c>--psk</c> values: here as payloads, where no protocol rule would hide them.
    /// </summary>
    [Theory]
    [InlineData("--wifi-file", "ATMQTT_PSK")]
    [InlineData("ATMQTT_WIFI", "--psk-file")]
    public async Task TheTranscript_HidesSecretsFromFilesAndTheEnvironment(string wifiSource, string pskSource)
    {
        string password = "Wifi-" + Guid.NewGuid().ToString("N");
        string pskHex = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(32));
        var (wifiArgs, wifiEnvironment) = Provide(wifiSource, $"home:{password}");
        var (pskArgs, pskEnvironment) = Provide(pskSource, $"dev1:{pskHex}");
        string transcript = Path.Combine(Dir, "session.transcript");
        var environment = wifiEnvironment.Concat(pskEnvironment).ToDictionary();

        await using var modem = await ModemProcess.StartAsync([.. wifiArgs, .. pskArgs, "--transcript", transcript], environment);
        await using (var host = await StdioHostAsync(modem))
        {
            await host.OkAsync("AT+CWMODE=1");
            await host.ExpectAsync($"AT+CWJAP=\"home\",\"{password}\"", Joined);
            foreach (string secret in new[] { password, pskHex, pskHex.ToUpperInvariant() })
            {
                // Not connected: ERROR, after an echo that carries the secret back.
                await host.ExpectAsync($"AT+MQTTPUB=0,\"t\",\"{secret}\",0,0", "\r\nERROR\r\n");
            }
        }

        // The stdio channel ends at EOF; the transcript is complete once the program has exited.
        Assert.Equal(0, await modem.WaitForExitAsync(LiveModem.Timeout));
        string text = await File.ReadAllTextAsync(transcript);
        Assert.Contains("AT+MQTTPUB=0,\"t\",\"***\",0,0", text, StringComparison.Ordinal);
        foreach (string secret in new[] { password, pskHex, pskHex.ToUpperInvariant() })
        {
            for (int i = 0; i + 12 <= secret.Length; i += 6)
            {
                Assert.DoesNotContain(secret.Substring(i, 12), text, StringComparison.Ordinal);
            }
        }
    }

    public static TheoryData<string[], string?, string> Refused => new()
    {
        { ["--wifi", "home:Secret-1", "--wifi-file", "{dir}/wifi"], null, "--wifi and --wifi-file: give one of them." },
        { ["--wifi-file", "{dir}/missing"], null, "--wifi-file: " },
        { ["--wifi-file", "{dir}/empty"], null, "--wifi-file: expected SSID:PASSWORD on the first line of " },
        { ["--wifi-file", "{dir}/no-colon"], null, "--wifi-file: expected SSID:PASSWORD on the first line of " },
        { [], "Secret-3-no-colon", "ATMQTT_WIFI: expected SSID:PASSWORD." },
        { [], ":Secret-4-no-ssid", "ATMQTT_WIFI: expected SSID:PASSWORD." },
    };

    /// <summary>A Wi-Fi secret that cannot work stops the program (exit 2), naming its source, never repeating it.</summary>
    [Theory]
    [MemberData(nameof(Refused))]
    public async Task AnUnusableWifiSecret_StopsTheProgram_WithoutRepeatingIt(string[] args, string? variable, string message)
    {
        File.WriteAllText(Path.Combine(Dir, "wifi"), "home:Secret-2\n");
        File.WriteAllText(Path.Combine(Dir, "empty"), "");
        File.WriteAllText(Path.Combine(Dir, "no-colon"), "Secret-5-no-colon\nhome:Secret-6\n");
        var environment = new Dictionary<string, string?> { ["ATMQTT_WIFI"] = variable };
        await using var modem = await ModemProcess.StartAsync([.. args.Select(a => a.Replace("{dir}", Dir, StringComparison.Ordinal))], environment);

        Assert.Equal(2, await modem.WaitForExitAsync(LiveModem.Timeout));
        Assert.Contains(message, modem.StdErr, StringComparison.Ordinal);
        Assert.DoesNotContain("Secret-", modem.StdErr, StringComparison.Ordinal);
    }

    public void Dispose() => _temp.Dispose();

    private string Dir => _temp.FullName;

    private static async Task<AtHost> StdioHostAsync(ModemProcess modem)
    {
        var host = modem.CreateStdioHost();
        await host.ExpectBytesAsync("ready\r\n");
        return host;
    }

    /// <summary>The arguments and environment that hand <paramref name="value"/> to the modem through <paramref name="source"/>.</summary>
    private (string[] Args, Dictionary<string, string?> Environment) Provide(string source, string value)
    {
        if (source.StartsWith("ATMQTT_", StringComparison.Ordinal))
        {
            return ([], new() { [source] = value });
        }

        if (source.EndsWith("-file", StringComparison.Ordinal))
        {
            string file = Path.Combine(Dir, source.TrimStart('-'));
            File.WriteAllText(file, value + "\n");
            return ([source, file], []);
        }

        return ([source, value], []);
    }
}
