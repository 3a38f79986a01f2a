using System.Net;
using System.Text.Json;
using Xunit;

namespace AtMqtt.Modem.Tests.Fleets;

/// <summary>One program with <c>--count 4 --tcp 127.0.0.1:0 --control</c> and a host on each modem, shared by the fleet API's tests.</summary>
public sealed class FleetFixture : IAsyncLifetime
{
    public const int Count = 4;

    public AtMqttModem Program { get; private set; } = null!;

    public List<AtHost> Hosts { get; } = [];

    public List<int> Ports { get; } = [];

    public async Task InitializeAsync()
    {
        Program = await AtMqttModem.StartAsync(new AtMqttModemOptions { EmbeddedBroker = false, Arguments = ["--count", $"{Count}"] });
        var modems = await Program.Control.SendAsync(HttpMethod.Get, "/api/modems");
        foreach (var modem in modems.Json.GetProperty("modems").EnumerateArray())
        {
            int port = IPEndPoint.Parse(modem.GetProperty("channel").GetProperty("address").GetString()!).Port;
            Ports.Add(port);
            var host = await AtHost.ConnectAsync(port);
            Hosts.Add(host);
            await host.ExpectBytesAsync("ready\r\n");
        }
    }

    public async Task DisposeAsync()
    {
        foreach (var host in Hosts)
        {
            await host.DisposeAsync();
        }

        await Program.DisposeAsync();
    }
}

/// <summary>
/// The control API of a fleet: the summary, one modem's state and faults by index, faults on a set and on a seeded
/// fraction (the modems listed, and only those, have their hosts see the fault's URCs), and the bad requests.
/// </summary>
public sealed class FleetControlApiTests(FleetFixture fleet) : IClassFixture<FleetFixture>
{
    private const string WifiDrop = """{"kind":"wifi-drop"}""";

    private AtMqttControlClient Control => fleet.Program.Control;

    [Fact]
    public async Task The_summary_and_each_modems_state_are_by_index()
    {
        var summary = await Control.SendAsync(HttpMethod.Get, "/api/modems");
        Assert.Equal(200, summary.Status);
        Assert.Equal("application/json", summary.MediaType);
        var json = summary.Json;
        Assert.Equal(FleetFixture.Count, json.GetProperty("count").GetInt32());
        Assert.Equal(FleetFixture.Count, json.GetProperty("hostsAttached").GetInt32());
        Assert.Equal(FleetFixture.Count, json.GetProperty("phases").GetProperty("idle").GetInt32());
        var modems = json.GetProperty("modems").EnumerateArray().ToList();
        Assert.Equal(FleetFixture.Count, modems.Count);
        for (int i = 0; i < modems.Count; i++)
        {
            Assert.Equal(i, modems[i].GetProperty("index").GetInt32());
            Assert.Equal("tcp", modems[i].GetProperty("channel").GetProperty("kind").GetString());
            Assert.Equal("bk7238", modems[i].GetProperty("profile").GetString());
            Assert.Equal(["idle"], modems[i].GetProperty("links").EnumerateArray().Select(e => e.GetString()));
            Assert.True(modems[i].GetProperty("hostAttached").GetBoolean());
        }

        // Modem 2's state is its own: its UART rate changed, no other's did.
        await fleet.Hosts[2].OkAsync("AT+UART_CUR=57600,8,1,0,0");
        Assert.Equal(57600, (await Control.SendAsync(HttpMethod.Get, "/api/modems/2/state")).Json.GetProperty("uartBaud").GetInt32());
        Assert.Equal(115200, (await Control.SendAsync(HttpMethod.Get, "/api/modems/1/state")).Json.GetProperty("uartBaud").GetInt32());
        Assert.Equal(115200, (await Control.SendAsync(HttpMethod.Get, "/api/state")).Json.GetProperty("uartBaud").GetInt32());
        await fleet.Hosts[2].OkAsync("AT+UART_CUR=115200,8,1,0,0");

        var info = await Control.SendAsync(HttpMethod.Get, "/api/modems/3/info");
        Assert.Equal($"127.0.0.1:{fleet.Ports[3]}", info.Json.GetProperty("channel").GetProperty("address").GetString());
        Assert.Equal($"127.0.0.1:{fleet.Ports[0]}", (await Control.SendAsync(HttpMethod.Get, "/api/info")).Json.GetProperty("channel").GetProperty("address").GetString());

        var missing = await Control.SendAsync(HttpMethod.Get, "/api/modems/4/state");
        Assert.Equal(404, missing.Status);
        Assert.Equal("""{"error":"no modem 4: this program runs modems 0 to 3"}""", missing.Body);
    }

    [Fact]
    public async Task Faults_hit_exactly_the_modems_addressed()
    {
        try
        {
            await HitAsync();
        }
        finally
        {
            // A failure here must not leave the shared fleet broken for the other tests.
            await Control.SendAsync(HttpMethod.Delete, "/api/modems/faults");
        }
    }

    private async Task HitAsync()
    {
        // One modem by index.
        var one = await Control.SendAsync(HttpMethod.Post, "/api/modems/1/faults", WifiDrop);
        Assert.Equal(201, one.Status);
        Assert.Equal("/api/modems/1/faults/f1", one.Location?.OriginalString);
        await ExpectHitAsync([1]);
        Assert.Single((await Control.SendAsync(HttpMethod.Get, "/api/modems/1/faults")).Json.EnumerateArray());
        Assert.Empty((await Control.SendAsync(HttpMethod.Get, "/api/faults")).Json.EnumerateArray());
        Assert.Equal(204, (await Control.SendAsync(HttpMethod.Delete, "/api/modems/1/faults/f1")).Status);
        await ExpectRejoinedAsync([1]);

        // A set: a list with a range.
        var set = await Control.SendAsync(HttpMethod.Post, "/api/modems/faults", $$"""{"modems":"0, 2-3","fault":{{WifiDrop}}}""");
        Assert.Equal(201, set.Status);
        Assert.Equal([0, 2, 3], set.Json.GetProperty("modems").EnumerateArray().Select(e => e.GetInt32()));
        Assert.Equal(JsonValueKind.Null, set.Json.GetProperty("seed").ValueKind);
        Assert.Equal(["wifi-drop", "wifi-drop", "wifi-drop"], set.Json.GetProperty("faults").EnumerateArray().Select(f => f.GetProperty("spec").GetProperty("kind").GetString()));
        await ExpectHitAsync([0, 2, 3]);

        // The plain paths are modem 0's.
        Assert.Equal("wifi-drop", Assert.Single((await Control.SendAsync(HttpMethod.Get, "/api/faults")).Json.EnumerateArray()).GetProperty("spec").GetProperty("kind").GetString());
        var ended = await Control.SendAsync(HttpMethod.Delete, "/api/modems/faults?modems=0-3");
        Assert.Equal("""{"ended":3}""", ended.Body);
        await ExpectRejoinedAsync([0, 2, 3]);

        // A seeded fraction: half of the fleet, the same half for the same seed.
        var picked = await Control.SendAsync(HttpMethod.Post, "/api/modems/faults", $$"""{"fraction":0.5,"seed":7,"fault":{{WifiDrop}}}""");
        Assert.Equal(201, picked.Status);
        Assert.Equal(7, picked.Json.GetProperty("seed").GetInt32());
        int[] hit = [.. picked.Json.GetProperty("modems").EnumerateArray().Select(e => e.GetInt32())];
        Assert.Equal(2, hit.Length);
        Assert.Equal(hit.Order(), hit);
        await ExpectHitAsync(hit);
        Assert.Equal("""{"ended":2}""", (await Control.SendAsync(HttpMethod.Delete, "/api/modems/faults")).Body);
        await ExpectRejoinedAsync(hit);

        var again = await Control.SendAsync(HttpMethod.Post, "/api/modems/faults", $$"""{"fraction":0.5,"seed":7,"fault":{{WifiDrop}}}""");
        Assert.Equal(hit, again.Json.GetProperty("modems").EnumerateArray().Select(e => e.GetInt32()));
        await ExpectHitAsync(hit);
        Assert.Equal("""{"ended":2}""", (await Control.SendAsync(HttpMethod.Delete, "/api/modems/faults")).Body);
        await ExpectRejoinedAsync(hit);
    }

    public static readonly TheoryData<string, int, string> BadSets = new()
    {
        { """{"modems":"0-4","fault":{"kind":"wifi-drop"}}""", 400, "modems: 4 is not a modem of this fleet, which has modems 0 to 3" },
        { """{"modems":"3-1","fault":{"kind":"wifi-drop"}}""", 400, "modems: the range 3-1 runs backwards; write 1-3" },
        { """{"modems":"1,,2","fault":{"kind":"wifi-drop"}}""", 400, "modems: '' is not a modem's index or a range of them; write indexes from 0 and ranges as 0-99, separated by commas, or * for all" },
        { """{"modems":"one","fault":{"kind":"wifi-drop"}}""", 400, "modems: 'one' is not a modem's index or a range of them; write indexes from 0 and ranges as 0-99, separated by commas, or * for all" },
        { """{"fraction":0.1,"seed":1,"fault":{"kind":"wifi-drop"}}""", 400, "fraction: 0.1 of 4 modems is none; ask for at least 0.25" },
        { """{"fraction":1.5,"seed":1,"fault":{"kind":"wifi-drop"}}""", 400, "fraction: 1.5 is outside (0, 1]; 0.1 is a tenth of the fleet" },
        { """{"modems":"0","fraction":0.5,"fault":{"kind":"wifi-drop"}}""", 400, "give modems or fraction, not both" },
        { """{"modems":"0","seed":3,"fault":{"kind":"wifi-drop"}}""", 400, "seed: goes with fraction; modems names the modems itself" },
        { """{"fault":{"kind":"wifi-drop"}}""", 400, "say which modems: \"modems\": \"0-99\" (indexes and ranges, * for all) or \"fraction\": 0.1 with a \"seed\"" },
        { """{"modems":"0-3"}""", 400, "fault: missing; the fault to start, as POST /api/faults takes it, such as {\"kind\":\"wifi-drop\",\"seconds\":5}" },
        { """{"modems":"0-3","fault":{"kind":"meteor"}}""", 400, "" },
        { """{"modems":"0-3","color":"red"}""", 400, "unknown field 'color'; a fleet fault has modems or fraction and seed, and fault" },
    };

    [Theory]
    [MemberData(nameof(BadSets))]
    public async Task A_bad_set_is_a_clear_error_and_starts_nothing(string body, int status, string error)
    {
        var response = await Control.SendAsync(HttpMethod.Post, "/api/modems/faults", body);
        Assert.Equal(status, response.Status);
        string said = response.Json.GetProperty("error").GetString()!;
        if (error.Length > 0)
        {
            Assert.Equal(error, said);
        }
        else
        {
            // The fault's own check, as POST /api/faults words it.
            Assert.Contains("meteor", said, StringComparison.Ordinal);
        }

        var summary = (await Control.SendAsync(HttpMethod.Get, "/api/modems")).Json;
        Assert.All(summary.GetProperty("modems").EnumerateArray(), m => Assert.Equal(0, m.GetProperty("faults").GetInt32()));
    }

    [Fact]
    public async Task An_oversized_request_is_refused()
    {
        string body = "{\"modems\":\"" + new string('0', 70 * 1024) + "\",\"fault\":" + WifiDrop + "}";
        var response = await Control.SendAsync(HttpMethod.Post, "/api/modems/faults", body);
        Assert.Equal(413, response.Status);
        Assert.Equal("the request is over 64 KB; a set of modems is a few ranges (0-99)", response.Json.GetProperty("error").GetString());

        var unknown = await Control.SendAsync(HttpMethod.Delete, "/api/modems/faults?modems=9");
        Assert.Equal(400, unknown.Status);
        Assert.Equal("modems: 9 is not a modem of this fleet, which has modems 0 to 3", unknown.Json.GetProperty("error").GetString());
    }

    /// <summary>The hosts of <paramref name="hit"/> read the drop's URC; every other host's next bytes are its AT's answer.</summary>
    private async Task ExpectHitAsync(IReadOnlyCollection<int> hit)
    {
        for (int i = 0; i < FleetFixture.Count; i++)
        {
            if (hit.Contains(i))
            {
                await fleet.Hosts[i].ExpectBytesAsync("WIFI DISCONNECT\r\n");
            }
            else
            {
                await fleet.Hosts[i].OkAsync("AT");
            }
        }
    }

    private async Task ExpectRejoinedAsync(IReadOnlyCollection<int> hit)
    {
        foreach (int i in hit)
        {
            await fleet.Hosts[i].ExpectBytesAsync("WIFI CONNECTED\r\nWIFI GOT IP\r\n");
        }
    }
}
