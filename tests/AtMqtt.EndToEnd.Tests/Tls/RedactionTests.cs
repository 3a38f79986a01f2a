using Xunit;

namespace AtMqtt.EndToEnd.Tests.Tls;

/// <summary>
/// The program at <c>--log-level Trace</c>, provisioned through its options, writes neither the PSK nor
/// the client's private key to stderr, on success or on failure.
/// </summary>
public sealed class RedactionTests(TlsMosquittoFixture tls) : IClassFixture<TlsMosquittoFixture>
{
    [Theory]
    [InlineData("--psk")]
    [InlineData("--psk-file")]
    public async Task Trace_logs_never_contain_the_psk(string option)
    {
        string value = option == "--psk" ? $"{TlsMosquittoFixture.Identity}:{tls.KeyHex}" : tls.PskFile;
        await using var modem = await ModemUnderTest.ProcessAsync(option, value, "--log-level", "Trace");

        // A handshake failure: a plain listener.
        await SucceedThenFailAsync(modem, 2, tls.PskPort, tls.Port);

        string logs = await modem.LogContainsAsync("TLS-PSK handshake");
        Assert.Contains("Connected to", logs, StringComparison.Ordinal);
        PskTests.AssertNoKey(logs, tls.Key);
    }

    [Fact]
    public async Task Trace_logs_never_contain_the_client_key()
    {
        await using var modem = await ModemUnderTest.ProcessAsync(
            "--dialect", "esp-at", "--ca", tls.CaFile, "--client-cert", tls.ClientCertFile, "--client-key", tls.ClientKeyFile, "--log-level", "Trace");

        // A verification failure: a certificate that does not name 127.0.0.1.
        await SucceedThenFailAsync(modem, 5, tls.MutualPort, tls.DnsOnlyPort);

        string logs = await modem.LogContainsAsync("does not name");
        Assert.False(logs.Contains(tls.Client.KeyPemBody, StringComparison.Ordinal), $"the private key appears in the log:\n{logs}");
        foreach (string line in tls.Client.KeyPem.Split('\n').Where(l => l.Length >= 16 && !l.StartsWith("-----", StringComparison.Ordinal)))
        {
            Assert.False(logs.Contains(line, StringComparison.Ordinal), $"a line of the private key ({line}) appears in the log:\n{logs}");
        }
    }

    /// <summary>A key that does not parse is refused by naming the option, not by repeating the key.</summary>
    [Fact]
    public async Task A_malformed_psk_option_is_refused_without_echoing_the_key()
    {
        const string secret = "not-hex-but-secret-9f3a";
        await using var process = await ModemProcess.StartAsync([$"--psk", $"{TlsMosquittoFixture.Identity}:{secret}"], null);
        Assert.Equal(2, await process.WaitForExitAsync(LiveModem.Timeout));
        Assert.Contains("--psk", process.StdErr, StringComparison.Ordinal);
        Assert.DoesNotContain(secret, process.StdErr, StringComparison.Ordinal);
    }

    /// <summary>The same for ATMQTT_PSK: the message names the variable, not the key.</summary>
    [Fact]
    public async Task A_malformed_ATMQTT_PSK_is_refused_without_echoing_the_key()
    {
        const string secret = "not-hex-but-secret-5c1e";
        var environment = new Dictionary<string, string?> { ["ATMQTT_PSK"] = $"{TlsMosquittoFixture.Identity}:{secret}" };
        await using var process = await ModemProcess.StartAsync([], environment);
        Assert.Equal(2, await process.WaitForExitAsync(LiveModem.Timeout));
        Assert.Contains("ATMQTT_PSK: the key is not hexadecimal.", process.StdErr, StringComparison.Ordinal);
        Assert.DoesNotContain(secret, process.StdErr, StringComparison.Ordinal);
    }

    /// <summary>Success and a publish, then a failed connection, each logged at Trace.</summary>
    private static async Task SucceedThenFailAsync(ModemUnderTest modem, int scheme, int port, int failingPort)
    {
        await modem.UserCfgAsync(scheme, Unique.Id("redact"));
        await modem.ConnectAsync(scheme, port);
        await modem.OkAsync($"AT+MQTTPUB=0,\"{Unique.Topic("redact")}\",\"x\",1,0");
        await modem.OkAsync("AT+MQTTCLEAN=0");
        await modem.UserCfgAsync(scheme, Unique.Id("redact-fail"));
        await modem.ConnectFailsAsync(failingPort, errCode: null);
    }
}
