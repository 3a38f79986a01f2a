using System.Security.Cryptography;
using AtMqtt.Core.Dialects;
using AtMqtt.Core.Mqtt.Transport;
using Xunit;

namespace AtMqtt.EndToEnd.Tests.Tls;

/// <summary>
/// The seed's scheme 2, MQTT over TLS-PSK, against mosquitto's <c>psk_hint</c>/<c>psk_file</c> listener:
/// the right key works both ways; a wrong key, an unknown identity, no key and a server that does not
/// speak PSK all fail quickly with <c>+MQTTDISCONNECTED:0</c> and <c>ERROR</c>, say why in the log,
/// never log the key, and leave the modem healthy.
/// </summary>
public sealed class PskTests(TlsMosquittoFixture broker) : IClassFixture<TlsMosquittoFixture>
{
    private const uint ClientStartFailed = 0x010a600b;
    private const uint TlsConfigError = 0x010a6009;

    [Theory]
    [InlineData("--psk")]
    [InlineData("--psk-file")]
    public async Task Right_key_from_the_command_line_connects_publishes_and_receives(string option)
    {
        string value = option == "--psk" ? $"{TlsMosquittoFixture.Identity}:{broker.KeyHex}" : broker.PskFile;
        await using var modem = await ModemUnderTest.ProcessAsync(option, value);
        await using var probe = await MqttProbe.ConnectAsync(FreePort.Host, broker.Port);

        await modem.UserCfgAsync(2, Unique.Id("psk"));
        await modem.ConnectAsync(2, broker.PskPort);
        await modem.ExpectAsync("AT+MQTTCONN?", $"+MQTTCONN:0,connected,2,\"{FreePort.Host}\",{broker.PskPort},0\r\n\r\nOK\r\n");
        await modem.RoundTripAsync(probe, Unique.Topic("psk"));
        await modem.OkAsync("AT+MQTTCLEAN=0");
    }

    /// <summary>--psk-file and ATMQTT_PSK keep the key out of /proc/PID/cmdline, which every user can read.</summary>
    [Theory]
    [InlineData("--psk-file")]
    [InlineData("ATMQTT_PSK")]
    public async Task Right_key_from_a_file_or_the_environment_connects_and_stays_out_of_the_process_list(string source)
    {
        await using var modem = source == "ATMQTT_PSK"
            ? await ModemUnderTest.ProcessAsync(new Dictionary<string, string?> { ["ATMQTT_PSK"] = $"{TlsMosquittoFixture.Identity}:{broker.KeyHex}" })
            : await ModemUnderTest.ProcessAsync(source, broker.PskFile);
        await using var probe = await MqttProbe.ConnectAsync(FreePort.Host, broker.Port);

        await modem.UserCfgAsync(2, Unique.Id("psk-hidden"));
        await modem.ConnectAsync(2, broker.PskPort);
        await modem.RoundTripAsync(probe, Unique.Topic("psk-hidden"));
        await modem.OkAsync("AT+MQTTCLEAN=0");
        AssertNoKey(modem.Process!.VisibleCommandLine(), broker.Key);
    }

    /// <summary>An option wins over ATMQTT_PSK: here the variable holds a wrong key, the option the right one.</summary>
    [Theory]
    [InlineData("--psk")]
    [InlineData("--psk-file")]
    public async Task An_option_takes_precedence_over_ATMQTT_PSK(string option)
    {
        string value = option == "--psk" ? $"{TlsMosquittoFixture.Identity}:{broker.KeyHex}" : broker.PskFile;
        var wrong = new Dictionary<string, string?> { ["ATMQTT_PSK"] = $"{TlsMosquittoFixture.Identity}:{Convert.ToHexString(RandomNumberGenerator.GetBytes(16))}" };
        await using var modem = await ModemUnderTest.ProcessAsync(wrong, option, value);

        await modem.UserCfgAsync(2, Unique.Id("psk-precedence"));
        await modem.ConnectAsync(2, broker.PskPort);
        await modem.OkAsync("AT+MQTTCLEAN=0");
    }

    [Fact]
    public async Task Wrong_key_fails_quickly_says_why_and_leaves_the_modem_healthy()
    {
        // mosquitto knows this identity with another key.
        var wrong = new PskKey(TlsMosquittoFixture.OtherIdentity, broker.Key);
        await using var modem = await ModemUnderTest.InProcessAsync(Dialect.Seed, new TlsCredentials { Psk = wrong });

        await modem.UserCfgAsync(2, Unique.Id("psk-wrong"));
        await modem.ConnectFailsAsync(broker.PskPort, errCode: null);
        await modem.OkAsync("AT+SYSLOG=1");
        await modem.ConnectFailsAsync(broker.PskPort, ClientStartFailed);

        string logs = await modem.LogContainsAsync("TLS-PSK handshake");
        Assert.Contains("wrong key?", logs, StringComparison.Ordinal);
        AssertNoKey(logs, broker.Key);
        await modem.AssertHealthyAsync(1, broker.Port);
    }

    [Fact]
    public async Task Unknown_identity_fails_quickly()
    {
        var stranger = new PskKey("nobody-knows-me", RandomNumberGenerator.GetBytes(16));
        await using var modem = await ModemUnderTest.InProcessAsync(Dialect.Seed, new TlsCredentials { Psk = stranger });
        await modem.OkAsync("AT+SYSLOG=1");
        await modem.UserCfgAsync(2, Unique.Id("psk-unknown"));
        await modem.ConnectFailsAsync(broker.PskPort, ClientStartFailed);
        string logs = await modem.LogContainsAsync("TLS-PSK handshake");
        AssertNoKey(logs, stranger.Key);

        // mosquitto does not know the identity: the reason names it, not an "internal error".
        string line = modem.LastLogLine("failed");
        Assert.True(line.Contains("identity", StringComparison.Ordinal) && !line.Contains("internal_error", StringComparison.Ordinal), $"the failure's log line does not say why: {line}");
        await modem.AssertHealthyAsync(1, broker.Port);
    }

    [Fact]
    public async Task No_key_configured_fails_at_once_with_a_tls_configuration_error()
    {
        await using var modem = await ModemUnderTest.InProcessAsync(Dialect.Seed);
        await modem.OkAsync("AT+SYSLOG=1");
        await modem.UserCfgAsync(2, Unique.Id("psk-none"));
        await modem.ConnectFailsAsync(broker.PskPort, TlsConfigError);
        await modem.LogContainsAsync("--psk IDENTITY:HEXKEY");
        await modem.AssertHealthyAsync(1, broker.Port);
    }

    [Fact]
    public async Task No_key_configured_in_the_program_fails_and_the_log_names_the_option()
    {
        await using var modem = await ModemUnderTest.ProcessAsync();
        await modem.OkAsync("AT+SYSLOG=1");
        await modem.UserCfgAsync(2, Unique.Id("psk-cli-none"));
        await modem.ConnectFailsAsync(broker.PskPort, TlsConfigError);
        await modem.LogContainsAsync("--psk");
    }

    /// <summary>A plain MQTT listener and an X.509 TLS listener: neither completes a PSK handshake.</summary>
    [Theory]
    [InlineData("plain")]
    [InlineData("x509")]
    public async Task A_server_that_is_not_psk_fails_quickly(string server)
    {
        var psk = new PskKey(TlsMosquittoFixture.Identity, broker.Key);
        await using var modem = await ModemUnderTest.InProcessAsync(Dialect.Seed, new TlsCredentials { Psk = psk });
        await modem.OkAsync("AT+SYSLOG=1");
        await modem.UserCfgAsync(2, Unique.Id("psk-notpsk"));
        await modem.ConnectFailsAsync(server == "plain" ? broker.Port : broker.TlsPort, ClientStartFailed);
        string logs = await modem.LogContainsAsync("TLS-PSK handshake");
        AssertNoKey(logs, broker.Key);

        // The reason is about the server ("not a PSK server", "closed the connection"), not an "internal error".
        string line = modem.LastLogLine("failed");
        Assert.True(line.Contains("server", StringComparison.Ordinal) && !line.Contains("internal_error", StringComparison.Ordinal), $"the failure's log line does not say why: {line}");
        await modem.AssertHealthyAsync(1, broker.Port);
    }

    /// <summary>After a failure the same modem connects (the right key, then plain TCP after CLEAN).</summary>
    [Fact]
    public async Task After_a_failure_the_right_key_still_connects()
    {
        var psk = new PskKey(TlsMosquittoFixture.Identity, broker.Key);
        await using var modem = await ModemUnderTest.InProcessAsync(Dialect.Seed, new TlsCredentials { Psk = psk });
        await modem.UserCfgAsync(2, Unique.Id("psk-again"));
        await modem.ConnectFailsAsync(broker.Port, errCode: null);
        await modem.ConnectAsync(2, broker.PskPort);
        await using var probe = await MqttProbe.ConnectAsync(FreePort.Host, broker.Port);
        await modem.RoundTripAsync(probe, Unique.Topic("psk-again"));
        await modem.OkAsync("AT+MQTTCLEAN=0");
    }

    /// <summary>
    /// AT+RST cuts a TLS-PSK link as a power loss would: <c>OK</c>, then <c>ready</c>, and the broker
    /// publishes the will. Repeated, because closing the TLS session on the cut socket races the cut.
    /// </summary>
    [Fact]
    public async Task Reset_cuts_a_psk_link_like_a_power_loss()
    {
        var psk = new PskKey(TlsMosquittoFixture.Identity, broker.Key);
        await using var modem = await ModemUnderTest.InProcessAsync(Dialect.Seed, new TlsCredentials { Psk = psk });
        await using var probe = await MqttProbe.ConnectAsync(FreePort.Host, broker.Port);
        string will = Unique.Topic("psk-will");
        await probe.SubscribeAsync(will, 1);
        for (int round = 1; round <= 5; round++)
        {
            await modem.UserCfgAsync(2, Unique.Id("psk-rst"));
            await modem.OkAsync($"AT+MQTTCONNCFG=0,60,0,\"{will}\",\"gone {round}\",1,0");
            await modem.ConnectAsync(2, broker.PskPort);
            await modem.ExpectExactlyAsync("AT+RST", "\r\nOK\r\nready\r\n");
            var message = await probe.NextAsync(ModemUnderTest.Timeout);
            Assert.Equal($"gone {round}", message.PayloadText);
            await modem.OkAsync("AT");
        }
    }

    /// <summary>With reconnect=1 a TLS-PSK link that dropped (broker restart) comes back with its subscription.</summary>
    [Fact]
    public async Task Reconnect_restores_a_psk_link_and_its_subscription()
    {
        var psk = new PskKey(TlsMosquittoFixture.Identity, broker.Key);
        await using var modem = await ModemUnderTest.InProcessAsync(Dialect.Seed, new TlsCredentials { Psk = psk });
        string topic = Unique.Topic("psk-reconnect");
        await modem.UserCfgAsync(2, Unique.Id("psk-reconnect"));
        await modem.ConnectAsync(2, broker.PskPort, reconnect: 1);
        await modem.OkAsync($"AT+MQTTSUB=0,\"{topic}\",1");

        await modem.AssertLinkComesBackAfterARestartAsync(broker.Broker, 2, broker.PskPort, topic);
        await modem.OkAsync("AT+MQTTCLEAN=0");
    }

    /// <summary>Disposing a modem whose TLS-PSK link is up closes it without throwing.</summary>
    [Fact]
    public async Task Disposing_a_modem_with_a_psk_link_up_does_not_throw()
    {
        var psk = new PskKey(TlsMosquittoFixture.Identity, broker.Key);
        for (int round = 1; round <= 10; round++)
        {
            var modem = await ModemUnderTest.InProcessAsync(Dialect.Seed, new TlsCredentials { Psk = psk });
            await modem.UserCfgAsync(2, Unique.Id("psk-dispose"));
            await modem.ConnectAsync(2, broker.PskPort);
            var failure = await Record.ExceptionAsync(async () => await modem.DisposeAsync());
            Assert.Null(failure);
        }
    }

    internal static void AssertNoKey(string logs, byte[] key)
    {
        foreach (string form in (string[])[Convert.ToHexStringLower(key), Convert.ToHexString(key), Convert.ToBase64String(key)])
        {
            Assert.False(logs.Contains(form, StringComparison.Ordinal), $"the key ({form}) appears in the log:\n{logs}");
        }
    }
}
