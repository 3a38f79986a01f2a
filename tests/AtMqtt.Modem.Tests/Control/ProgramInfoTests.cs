using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;
using Xunit;

namespace AtMqtt.Modem.Tests.Control;

/// <summary>
/// GET /api/info: a harness that started the program with port 0 everywhere learns from it where the
/// host connects and where the embedded broker listens, and both are really there.
/// </summary>
public sealed partial class ProgramInfoTests
{
    [Fact]
    public async Task Info_gives_the_tcp_port_and_the_embedded_broker_port_that_were_picked()
    {
        await using var modem = await ModemProcess.StartAndWaitForAsync(
            "Listening for a host", "--tcp", "127.0.0.1:0", "--embedded-broker", "0", "--control", "127.0.0.1:0", "--baud", "921600");
        var info = await InfoAsync(modem);
        Assert.Equal("seed", info.GetProperty("dialect").GetString());
        Assert.Matches(@"^\d+\.\d+\.\d+$", info.GetProperty("version").GetString());
        Assert.Equal(modem.Pid, info.GetProperty("processId").GetInt32());
        var channel = info.GetProperty("channel");
        Assert.Equal("tcp", channel.GetProperty("kind").GetString());
        Assert.Equal(921600, channel.GetProperty("baud").GetInt32());
        Assert.Equal(JsonValueKind.Null, channel.GetProperty("path").ValueKind);
        string address = channel.GetProperty("address").GetString()!;
        Assert.StartsWith("127.0.0.1:", address, StringComparison.Ordinal);
        int hostPort = int.Parse(address["127.0.0.1:".Length..], CultureInfo.InvariantCulture);
        Assert.Contains($"Listening for a host on {address}", modem.StdErr, StringComparison.Ordinal);

        var broker = info.GetProperty("embeddedBroker");
        Assert.Equal("127.0.0.1", broker.GetProperty("host").GetString());
        int brokerPort = broker.GetProperty("port").GetInt32();
        Assert.InRange(brokerPort, 1, 65535);
        Assert.Contains($"Embedded MQTT broker listening on 127.0.0.1:{brokerPort}", modem.StdErr, StringComparison.Ordinal);

        // Both are real: a host gets ready on the port, and the modem publishes through the broker.
        string topic = Unique.Topic("info");
        await using var probe = await MqttProbe.ConnectAsync(FreePort.Host, brokerPort);
        await probe.SubscribeAsync(topic, 1);
        await using var host = await AtHost.ConnectAsync(hostPort, ControlApi.Timeout);
        await host.ReadUntilAsync("ready\r\n", ControlApi.Timeout);
        await host.ConnectLinkAsync(Unique.Id("info"), brokerPort);
        await host.OkAsync($"AT+MQTTPUB=0,\"{topic}\",\"found\",1,0");
        Assert.Equal("found", (await probe.NextAsync(ControlApi.Timeout)).PayloadText);
        await host.OkAsync("AT+MQTTCLEAN=0");
    }

    [Fact]
    public async Task Info_gives_the_pty_link_as_an_absolute_path_and_no_broker_without_one()
    {
        using var dir = new TempDirectory("info-pty");
        string link = dir.PathOf("ttyAT");
        await using var modem = await ModemProcess.StartAndWaitForAsync("waiting for a host to open it", "--pty", link, "--control", "127.0.0.1:0");
        var info = await InfoAsync(modem);
        var channel = info.GetProperty("channel");
        Assert.Equal("pty", channel.GetProperty("kind").GetString());
        Assert.Equal(Path.GetFullPath(link), channel.GetProperty("path").GetString());
        Assert.Equal(JsonValueKind.Null, channel.GetProperty("address").ValueKind);
        Assert.Equal(JsonValueKind.Null, channel.GetProperty("baud").ValueKind);
        Assert.Equal(JsonValueKind.Null, info.GetProperty("embeddedBroker").ValueKind);
    }

    [Theory]
    [InlineData("", "bk7238", "seed")]
    [InlineData("--dialect esp-at", "esp-at-5.0", "esp-at")]
    [InlineData("--profile esp-at-2.2", "esp-at-2.2", "esp-at")]
    [InlineData("--profile esp-at-4.1", "esp-at-4.1", "esp-at")]
    [InlineData("--profile quectel-bg95", "quectel-bg95", "quectel")]
    [InlineData("--profile simcom-a7670", "simcom-a7670", "simcom")]
    public async Task Info_and_state_name_the_profile_and_its_dialect(string options, string profile, string dialect)
    {
        string[] args = options.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        using var dir = new TempDirectory("info-profile");
        await using var modem = await ModemProcess.StartAndWaitForAsync(
            "waiting for a host to open it", [.. args, "--pty", dir.PathOf("ttyAT"), "--control", "127.0.0.1:0"]);
        var info = await InfoAsync(modem);
        Assert.Equal(profile, info.GetProperty("profile").GetString());
        Assert.Equal(dialect, info.GetProperty("dialect").GetString());
        Assert.Equal(0, info.GetProperty("quirks").GetArrayLength());

        using var control = new AtMqttControlClient(new Uri(AddressLog().Match(modem.StdErr).Groups[1].Value));
        var state = await control.StateAsync();
        Assert.Equal(profile, state.Profile);
        Assert.Equal(dialect, state.Dialect);
        Assert.Empty(state.Quirks);
    }

    /// <summary>The raw answer (status, media type, JSON), read with the package's control client; its typed reading agrees.</summary>
    private static async Task<JsonElement> InfoAsync(ModemProcess modem)
    {
        var match = AddressLog().Match(modem.StdErr);
        Assert.True(match.Success, "no control address in the log:\n" + modem.StdErr);
        using var control = new AtMqttControlClient(new Uri(match.Groups[1].Value));
        var response = await control.SendAsync(HttpMethod.Get, "/api/info");
        Assert.Equal(200, response.Status);
        Assert.Equal("application/json", response.MediaType);
        var json = response.Json;

        var info = await control.InfoAsync();
        Assert.Equal(json.GetProperty("channel").GetProperty("kind").GetString(), info.Channel.Kind);
        Assert.Equal(json.GetProperty("processId").GetInt32(), info.ProcessId);
        return json;
    }

    [GeneratedRegex(@"Control API on (http://\S+)")]
    private static partial Regex AddressLog();
}
