using System.Text.Json;
using AtMqtt.Testing;
using Xunit;

namespace AtMqtt.Modem.Tests.Control;

/// <summary>
/// The mobile network's faults through the control API of the real program: POST /api/faults starts
/// registration-lost and pdp-deactivated on a cellular profile, the host sees the module's URCs, DELETE
/// ends them; a Wi-Fi profile refuses them with a 400 that says why.
/// </summary>
public sealed class CellularFaultApiTests
{
    private const string Bg95Boot = "\r\nRDY\r\n\r\n+CPIN: READY\r\n\r\n+QUSIM: 1\r\n\r\n+QIND: SMS DONE\r\n";
    private const string A7670Boot = "\r\n*ATREADY: 1\r\n\r\n+CPIN: READY\r\n\r\n+CGEV: EPS PDN ACT 1\r\n\r\nSMS DONE\r\n\r\nPB DONE\r\n";

    [Fact]
    public async Task Registration_lost_and_pdp_deactivated_reach_a_bg95_host_as_its_urcs()
    {
        await using var api = await ControlApi.StartAsync("--profile", "quectel-bg95");
        await using var host = new AtHost(await api.Modem.OpenHostStreamAsync());
        await host.ExpectBytesAsync(Bg95Boot, ControlApi.Timeout);
        Assert.Equal("AT+CEREG=1\r\n\r\nOK\r\n", await host.CommandAsync("AT+CEREG=1", ControlApi.Timeout));
        Assert.Equal("AT+QIACT=1\r\n\r\nOK\r\n", await host.CommandAsync("AT+QIACT=1", ControlApi.Timeout));

        var (status, body, _) = await api.SendAsync(HttpMethod.Post, "/api/faults", """{"kind":"registration-lost"}""");
        Assert.Equal(201, status);
        string id = JsonDocument.Parse(body).RootElement.GetProperty("id").GetString()!;
        await host.ExpectBytesAsync("\r\n+CEREG: 2\r\n", ControlApi.Timeout);
        Assert.Equal("AT+CEREG?\r\n\r\n+CEREG: 1,2\r\n\r\nOK\r\n", await host.CommandAsync("AT+CEREG?", ControlApi.Timeout));
        (status, _, _) = await api.SendAsync(HttpMethod.Delete, $"/api/faults/{id}");
        Assert.Equal(204, status);
        await host.ExpectBytesAsync("\r\n+CEREG: 1\r\n", ControlApi.Timeout);

        (status, body, _) = await api.SendAsync(HttpMethod.Post, "/api/faults", """{"kind":"pdp-deactivated","seconds":600}""");
        Assert.Equal(201, status);
        await host.ExpectBytesAsync("\r\n+QIURC: \"pdpdeact\",1\r\n", ControlApi.Timeout);
        Assert.Equal("AT+QIACT=1\r\n\r\nERROR\r\n", await host.CommandAsync("AT+QIACT=1", ControlApi.Timeout));
        Assert.Equal("pdp-deactivated", Assert.Single((await api.StateAsync()).GetProperty("faults").EnumerateArray()).GetProperty("spec").GetProperty("kind").GetString());
        (status, _, _) = await api.SendAsync(HttpMethod.Delete, $"/api/faults/{JsonDocument.Parse(body).RootElement.GetProperty("id").GetString()}");
        Assert.Equal(204, status);
        Assert.Equal("AT+QIACT=1\r\n\r\nOK\r\n", await host.CommandAsync("AT+QIACT=1", ControlApi.Timeout));
    }

    [Fact]
    public async Task Pdp_deactivated_closes_an_a7670s_netopen()
    {
        await using var api = await ControlApi.StartAsync("--profile", "simcom-a7670");
        await using var host = new AtHost(await api.Modem.OpenHostStreamAsync());
        await host.ExpectBytesAsync(A7670Boot, ControlApi.Timeout);
        await host.SendAsync("AT+NETOPEN\r\n");
        await host.ExpectBytesAsync("AT+NETOPEN\r\n\r\nOK\r\n\r\n+NETOPEN: 0\r\n", ControlApi.Timeout);

        var (status, _, _) = await api.SendAsync(HttpMethod.Post, "/api/faults", """{"kind":"pdp-deactivated"}""");
        Assert.Equal(201, status);
        await host.ExpectBytesAsync("\r\n+CGEV: NW PDN DEACT 1\r\n\r\n+CIPEVENT: NETWORK CLOSED UNEXPECTEDLY\r\n", ControlApi.Timeout);
        Assert.Equal("AT+NETOPEN?\r\n\r\n+NETOPEN: 0\r\n\r\nOK\r\n", await host.CommandAsync("AT+NETOPEN?", ControlApi.Timeout));
    }

    [Fact]
    public async Task A_wifi_profile_refuses_the_network_faults_with_400()
    {
        await using var api = await ControlApi.StartAsync();
        var (status, body, _) = await api.SendAsync(HttpMethod.Post, "/api/faults", """{"kind":"registration-lost"}""");
        Assert.Equal(400, status);
        Assert.Equal(
            "kind: registration-lost is a mobile network's fault, for a cellular profile (quectel-bg95, quectel-ec21, simcom-a7670); this modem is the bk7238 profile",
            JsonDocument.Parse(body).RootElement.GetProperty("error").GetString());
        Assert.Empty((await api.StateAsync()).GetProperty("faults").EnumerateArray());
    }
}
