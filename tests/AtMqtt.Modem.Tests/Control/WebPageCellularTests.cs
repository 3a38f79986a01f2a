using OpenQA.Selenium;
using Xunit;

namespace AtMqtt.Modem.Tests.Control;

/// <summary>
/// The control page of a cellular modem in a real browser: it offers the fault kinds the profile takes
/// (<c>GET /api/info</c>'s <c>faultKinds</c>: the mobile network's, no Wi-Fi drop), and its registration-lost form
/// reaches the host as the module's lines and drops the MQTT client, with mosquitto behind it.
/// </summary>
public sealed class WebPageCellularTests(MosquittoFixture broker) : IClassFixture<MosquittoFixture>
{
    private const string Boot = "\r\nRDY\r\n\r\n+CPIN: READY\r\n\r\n+QUSIM: 1\r\n\r\n+QIND: SMS DONE\r\n";
    private const string Ok = "\r\nOK\r\n";
    private static readonly TimeSpan Limit = TimeSpan.FromSeconds(10);

    [Fact]
    public async Task A_cellular_modems_page_offers_its_network_faults_and_registration_lost_reaches_the_host()
    {
        await using var api = await ControlApi.StartAsync("--profile", "quectel-bg95", "--result-delay", "0");
        var (status, body, _) = await api.SendAsync(HttpMethod.Get, "/api/info");
        Assert.Equal(200, status);
        var kinds = System.Text.Json.JsonDocument.Parse(body).RootElement.GetProperty("faultKinds").EnumerateArray().Select(k => k.GetString()!).ToArray();
        Assert.Equal<string>(
            ["broker-unreachable", "broker-stall", "ack-delay", "publish-fail", "error", "busy", "urc-in-prompt", "uart-noise", "slow-host-link", "registration-lost", "pdp-deactivated"],
            kinds);

        // A kind the list leaves out is refused with the reason.
        (status, body, _) = await api.SendAsync(HttpMethod.Post, "/api/faults", """{"kind":"wifi-drop"}""");
        Assert.Equal(400, status);
        Assert.Equal(
            "kind: wifi-drop is a Wi-Fi module's fault; this modem is the quectel-bg95 profile, a cellular one: registration-lost or pdp-deactivated take its network away",
            System.Text.Json.JsonDocument.Parse(body).RootElement.GetProperty("error").GetString());

        using var browser = Browser.Start();
        browser.Driver.Navigate().GoToUrl(new Uri(api.Http.BaseAddress!, "/"));
        await browser.UntilAsync("return document.getElementById('live').textContent === 'live' ? true : null;", "the page's event stream open", Limit);
        var forms = browser.Driver.ExecuteScript("return Array.from(document.querySelectorAll('#fault-forms form')).map(f => f.dataset.kind).join(',');") as string;
        Assert.Equal(string.Join(',', kinds), forms);

        // A host on the module: registration URCs on, one MQTT client connected to mosquitto.
        await using var host = new AtHost(await api.Modem.OpenHostStreamAsync());
        await host.ExpectBytesAsync(Boot, Limit);
        await host.OkAsync("AT+CEREG=1");
        await host.ExpectAsync($"AT+QMTOPEN=0,\"127.0.0.1\",{broker.Port}", Ok);
        await host.ExpectBytesAsync("\r\n+QMTOPEN: 0,0\r\n", Limit);
        await host.ExpectAsync($"AT+QMTCONN=0,\"{Unique.Id("webcell")}\"", Ok);
        await host.ExpectBytesAsync("\r\n+QMTCONN: 0,0,0\r\n", Limit);

        // The form: the network's line, then the client's loss; the fault listed; its end button brings registration back.
        browser.Click(By.Id("start-registration-lost"));
        await host.ExpectBytesAsync("\r\n+CEREG: 2\r\n\r\n+QMTSTAT: 0,1\r\n", Limit);
        await browser.UntilAsync("return document.querySelector('#active-faults .fault .kind')?.textContent === 'registration-lost' ? true : null;", "registration-lost listed", Limit);
        browser.Click(By.CssSelector("#active-faults button[data-fault-id]"));
        await host.ExpectBytesAsync("\r\n+CEREG: 1\r\n", Limit);
        Assert.Empty((await api.StateAsync()).GetProperty("faults").EnumerateArray());
    }
}
