using System.Net;
using AtMqtt.Modem.Tests.Control;
using Xunit;

namespace AtMqtt.Modem.Tests.Fleets;

/// <summary>
/// The web page of a fleet in a real browser (headless Chromium): the fleet bar counts the links by phase, and
/// picking a modem from its list shows that modem's page (its channel, its link, its traffic).
/// </summary>
public sealed class FleetWebPageTests
{
    private static readonly TimeSpan Limit = TimeSpan.FromSeconds(15);

    [Fact]
    public async Task The_fleet_bar_counts_links_by_phase_and_picking_a_modem_shows_its_page()
    {
        await using var program = await AtMqttModem.StartAsync(new AtMqttModemOptions { Arguments = ["--count", "3"] });
        var modems = (await program.Control.SendAsync(HttpMethod.Get, "/api/modems")).Json.GetProperty("modems").EnumerateArray().ToList();
        int port1 = IPEndPoint.Parse(modems[1].GetProperty("channel").GetProperty("address").GetString()!).Port;

        // Modem 1's host connects its link; modems 0 and 2 stay idle.
        await using var host = await AtHost.ConnectAsync(port1);
        await host.ExpectBytesAsync("ready\r\n");
        await host.ConnectLinkAsync(Unique.Id("fleet-web"), program.Broker!.Port);

        using var browser = Browser.Start();
        browser.Driver.Navigate().GoToUrl(new Uri(program.Control.BaseAddress, "/"));
        await browser.UntilAsync(
            "const b = document.querySelector('#fleet-phases [data-phase=connected]'); const i = document.querySelector('#fleet-phases [data-phase=idle]');"
            + " return !document.getElementById('fleet').hidden && b && b.dataset.count === '1' && i && i.dataset.count === '2' ? true : null;",
            "the fleet bar with 1 link connected and 2 idle",
            Limit);
        Assert.Equal("3 modems", browser.Text(OpenQA.Selenium.By.Id("fleet-count")));
        Assert.Equal("modem 0", browser.Text(OpenQA.Selenium.By.Id("fleet-this")));
        Assert.Equal(3, Convert.ToInt32(browser.Driver.ExecuteScript("return document.getElementById('fleet-pick').options.length;"), System.Globalization.CultureInfo.InvariantCulture));
        await browser.UntilAsync("return document.getElementById('link-phase').textContent === 'idle' ? true : null;", "modem 0's link idle", Limit);

        // Picking modem 1 opens its page: its channel, its connected link, its host's lines.
        browser.Driver.ExecuteScript("const s = document.getElementById('fleet-pick'); s.value = '1'; s.dispatchEvent(new Event('change'));");
        await browser.UntilAsync("return location.search === '?modem=1' ? true : null;", "the page of modem 1", Limit);
        await browser.UntilAsync(
            "return document.getElementById('channel').textContent.includes(':' + arguments[0] + ' ') ? true : null;", "modem 1's channel in the header", Limit, port1);
        await browser.UntilAsync("return document.getElementById('link-phase').textContent === 'connected' ? true : null;", "modem 1's link connected", Limit);
        await browser.UntilAsync("return document.getElementById('traffic').textContent.includes('AT+MQTTCONN=0') ? true : null;", "modem 1's AT+MQTTCONN in the traffic", Limit);
        Assert.Equal("modem 1", browser.Text(OpenQA.Selenium.By.Id("fleet-this")));
        Assert.EndsWith("/api/modems/1/transcript", Convert.ToString(browser.Driver.ExecuteScript("return document.getElementById('download').href;"), System.Globalization.CultureInfo.InvariantCulture), StringComparison.Ordinal);

        await host.OkAsync("AT+MQTTCLEAN=0");
    }
}
