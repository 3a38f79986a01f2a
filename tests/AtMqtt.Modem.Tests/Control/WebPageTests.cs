using System.Globalization;
using System.Text.RegularExpressions;
using OpenQA.Selenium;
using Xunit;
using Xunit.Abstractions;

namespace AtMqtt.Modem.Tests.Control;

/// <summary>
/// The control port's web page: its files as served, and the page itself in a real browser (headless
/// Chromium) against the real program, a host on its channel and mosquitto behind it.
/// </summary>
public sealed partial class WebPageTests(MosquittoFixture broker, ITestOutputHelper output) : IClassFixture<MosquittoFixture>
{
    private static readonly TimeSpan Limit = TimeSpan.FromSeconds(10);

    [Theory]
    [InlineData("/", "index.html", "text/html; charset=utf-8")]
    [InlineData("/index.html", "index.html", "text/html; charset=utf-8")]
    [InlineData("/app.js", "app.js", "text/javascript; charset=utf-8")]
    [InlineData("/app.css", "app.css", "text/css; charset=utf-8")]
    [InlineData("/favicon.svg", "favicon.svg", "image/svg+xml")]
    public async Task The_page_files_come_from_the_program_with_their_type_no_cache_and_a_self_only_policy(string path, string file, string contentType)
    {
        await using var api = await ControlApi.StartAsync();
        using var response = await api.Http.GetAsync(path);
        Assert.Equal(200, (int)response.StatusCode);
        Assert.Equal(contentType, response.Content.Headers.ContentType?.ToString());
        Assert.Equal("no-cache", response.Headers.CacheControl?.ToString());
        Assert.Equal("default-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'", Assert.Single(response.Headers.GetValues("Content-Security-Policy")));
        Assert.Equal("nosniff", Assert.Single(response.Headers.GetValues("X-Content-Type-Options")));

        // The bytes of the file in the repository: embedded in the program (also the Native AOT one), no file beside it.
        byte[] served = await response.Content.ReadAsByteArrayAsync();
        Assert.Equal(await File.ReadAllBytesAsync(Path.Combine(RepoRoot(), "src", "AtMqtt.Modem", "Control", "Web", file)), served);

        // Works with no internet: nothing is fetched from anywhere else.
        string text = System.Text.Encoding.UTF8.GetString(served);
        Assert.DoesNotMatch(@"(?i)(https?:)?//[a-z0-9.-]+\.[a-z]{2,}", text.Replace("http://www.w3.org/2000/svg", "", StringComparison.Ordinal));
    }

    [Fact]
    public async Task The_page_has_no_inline_script_or_handler_and_loads_only_its_own_files()
    {
        await using var api = await ControlApi.StartAsync();
        string html = await api.Http.GetStringAsync("/");
        Assert.DoesNotMatch(@"<script(?![^>]*\bsrc=)[^>]*>", html);
        Assert.DoesNotMatch(@"\son[a-z]+\s*=", html);
        Assert.DoesNotMatch(@"\sstyle\s*=", html);
        Assert.Equal(["/api/transcript", "/app.css", "/app.js", "/favicon.svg"], LinkedFiles().Matches(html).Select(m => m.Groups[1].Value).Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task In_a_browser_the_page_shows_traffic_and_state_live_and_its_controls_reach_the_host()
    {
        string topic = Unique.Topic("web");
        string clientId = Unique.Id("web");
        string password = "Pw-" + Guid.NewGuid().ToString("N")[..12];
        await using var api = await ControlApi.StartAsync("--rx-queue", "200");
        using var browser = Browser.Start();
        var driver = browser.Driver;
        driver.Navigate().GoToUrl(new Uri(api.Http.BaseAddress!, "/"));
        await browser.UntilAsync("return document.getElementById('live').textContent === 'live' ? true : null;", "the page's event stream open", Limit);

        await using var host = await api.HostAsync();
        await using var probe = await broker.ProbeAsync();
        await host.ExpectAsync("AT+CWJAP=\"lab-ap\",\"wifi-password\"", "WIFI CONNECTED\r\nWIFI GOT IP\r\n\r\nOK\r\n");
        await host.ConnectLinkAsync(clientId, broker.Port, reconnect: 1, user: "user", password: password);
        await host.OkAsync($"AT+MQTTSUB=0,\"{topic}\",1");

        // The publish: the moment its line shows in the page's traffic, against the moment the host sent it.
        string publish = $"AT+MQTTPUB=0,\"{topic}/up\",\"hello\",1,0";
        driver.ExecuteScript(WatchForRow, publish + "\\r\\n", "to-modem");
        long sentAt = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        await host.OkAsync(publish);
        long shownAt = Convert.ToInt64(await browser.UntilAsync("return window.__shown[arguments[0]] || null;", "the publish in the traffic", Limit, publish + "\\r\\n"), CultureInfo.InvariantCulture);
        output.WriteLine($"the host's publish showed in the page's traffic {shownAt - sentAt} ms after the host sent it");

        // Coloured by direction and told apart: the command, its final result, and a URC.
        await probe.PublishAsync(topic, "down", qos: 1);
        await host.ReadUntilAsync($"+MQTTSUBRECV:0,\"{topic}\",4,down\r\n", Limit);
        string urc = $"+MQTTSUBRECV:0,\"{topic}\",4,down\\r\\n";
        await browser.UntilAsync(RowClass, "the URC in the traffic", Limit, urc, "to-host");
        Assert.Equal("row to-modem k-command", driver.ExecuteScript(RowClass, publish + "\\r\\n", "to-modem"));
        Assert.Equal("row to-host k-echo", driver.ExecuteScript(RowClass, publish + "\\r\\n", "to-host"));
        Assert.Equal("row to-host k-urc", driver.ExecuteScript(RowClass, urc, "to-host"));
        Assert.Equal("row to-host k-ok", driver.ExecuteScript(RowClass, "OK\\r\\n", "to-host"));
        Assert.Equal("row to-host k-blank", driver.ExecuteScript(RowClass, "\\r\\n", "to-host"));

        // The state panel: the link, its broker and client id, the subscription.
        await browser.UntilAsync(
            "const s = document.querySelector('#subscriptions .sub'); return s && s.querySelector('.topic').textContent === arguments[0] && s.querySelector('.qos').textContent === 'QoS 1' ? true : null;",
            "the subscription in the state panel",
            Limit,
            topic);
        await browser.UntilAsync("return document.getElementById('c-received').textContent === '0 / 1 / 0' ? true : null;", "the received counter", Limit);
        Assert.Equal("connected", browser.Text(By.Id("link-phase")));
        Assert.Equal($"127.0.0.1:{broker.Port}", browser.Text(By.Id("link-broker")));
        Assert.Equal(clientId, browser.Text(By.Id("link-client")));
        Assert.Equal("0 / 200", browser.Text(By.Id("q0-text")));
        Assert.Equal("joined lab-ap", browser.Text(By.Id("wifi")));
        Assert.Equal("115200 baud", browser.Text(By.Id("uart")));

        // Pause holds new lines back from the view; resume shows them.
        string held = $"AT+MQTTPUB=0,\"{topic}/up\",\"held\",0,0";
        browser.Click(By.Id("pause"));
        await host.OkAsync(held);
        await browser.UntilAsync("return /^Resume \\(([4-9]|\\d\\d+)\\)$/.test(document.getElementById('pause').textContent) ? true : null;", "4 lines held while paused", Limit);
        Assert.Null(driver.ExecuteScript(RowClass, held + "\\r\\n", "to-modem"));
        browser.Click(By.Id("pause"));
        await browser.UntilAsync(RowClass, "the held line shown on resume", Limit, held + "\\r\\n", "to-modem");
        Assert.Equal("Pause", browser.Text(By.Id("pause")));

        // The filters: by text, then by direction as well.
        driver.FindElement(By.Id("filter")).SendKeys("\"held\"");
        await browser.UntilAsync(ShownTexts, "only the held publish's rows", Limit, held + "\\r\\n|" + held + "\\r\\n");
        browser.Click(By.CssSelector("#direction option[value='to-host']"));
        await browser.UntilAsync(ShownTexts, "only the held publish's echo", Limit, held + "\\r\\n");
        Assert.Equal("row to-host k-echo", driver.ExecuteScript(RowClass, held + "\\r\\n", "to-host"));
        browser.Click(By.CssSelector("#direction option[value='all']"));
        driver.FindElement(By.Id("filter")).SendKeys(Keys.Control + "a" + Keys.Backspace);
        await browser.UntilAsync("return document.querySelectorAll('#traffic .row').length > 20 ? true : null;", "every row again", Limit);

        // A fault form with a bad parameter: the API's 400 message, shown by the form; nothing starts.
        var (status, body, _) = await api.SendAsync(HttpMethod.Post, "/api/faults", "{\"kind\":\"busy\"}");
        Assert.Equal(400, status);
        string apiError = System.Text.Json.JsonDocument.Parse(body).RootElement.GetProperty("error").GetString()!;
        browser.Click(By.Id("start-busy"));
        await browser.UntilAsync("const r = document.querySelector('#fault-busy .result'); return r.classList.contains('error') ? r.textContent : null;", "the busy form's error", Limit);
        Assert.Equal(apiError, browser.Text(By.CssSelector("#fault-busy .result")));

        // The Wi-Fi drop control: the host gets exactly WIFI DISCONNECT and the link's loss, and nothing else.
        browser.Click(By.Id("start-wifi-drop"));
        await host.ExpectBytesAsync("WIFI DISCONNECT\r\n+MQTTDISCONNECTED:0\r\n", Limit);
        await browser.UntilAsync("const b = document.querySelector('#active-faults button[data-fault-id]'); return b ? b.dataset.faultId : null;", "the active fault listed", Limit);
        Assert.Equal("wifi-drop", browser.Text(By.CssSelector("#active-faults .fault .kind")));
        await browser.UntilAsync("return document.getElementById('link-phase').textContent === 'reconnecting' ? true : null;", "the link reconnecting", Limit);

        // Its end button: the Wi-Fi comes back, and reconnect=1 brings the link back.
        browser.Click(By.CssSelector("#active-faults button[data-fault-id]"));
        await host.ExpectBytesAsync("WIFI CONNECTED\r\nWIFI GOT IP\r\n", Limit);
        await host.ExpectBytesAsync(LiveModem.ConnectedUrc(broker.Port, 1), TimeSpan.FromSeconds(40));
        await browser.UntilAsync("return document.getElementById('link-phase').textContent === 'connected' ? true : null;", "the link connected again", Limit);
        await host.OkAsync($"AT+MQTTPUB=0,\"{topic}/up\",\"after\",1,0");

        // A fault left active for the picture, started from its form.
        driver.FindElement(By.CssSelector("#fault-publish-fail input[name=count]")).SendKeys("3");
        browser.Click(By.Id("start-publish-fail"));
        await browser.UntilAsync("const r = document.querySelector('#fault-publish-fail .result'); return r.classList.contains('ok') ? r.textContent : null;", "publish-fail started", Limit);
        await browser.UntilAsync("return document.querySelector('#active-faults .fault .kind')?.textContent === 'publish-fail' ? true : null;", "publish-fail listed", Limit);

        // The download button: the transcript of the session, redacted.
        browser.Click(By.Id("download"));
        string transcript = await DownloadedAsync(browser);
        Assert.StartsWith("# atmqtt ", transcript, StringComparison.Ordinal);
        Assert.Contains($" h>m {publish}\\r\\n\n", transcript, StringComparison.Ordinal);
        Assert.Contains(" m>h WIFI DISCONNECT\\r\\n\n", transcript, StringComparison.Ordinal);
        Assert.Contains(" h>m AT+MQTTUSERCFG=0,1,\"" + clientId + "\",\"user\",***,0,0,\"\"\\r\\n\n", transcript, StringComparison.Ordinal);
        Assert.DoesNotContain(password, transcript, StringComparison.Ordinal);
        Assert.DoesNotContain("wifi-password", transcript, StringComparison.Ordinal);

        driver.ExecuteScript("document.querySelector('.faults').scrollTop = 0;");
        SaveScreenshot(driver);

        // Nothing went wrong in the page (a script error, a blocked resource), but for the bad request above.
        var problems = driver.Manage().Logs.GetLog(LogType.Browser)
            .Where(l => l.Level >= LogLevel.Warning)
            .Select(l => l.Message)
            .Where(m => !m.Contains("/api/faults - Failed to load resource: the server responded with a status of 400", StringComparison.Ordinal))
            .ToList();
        Assert.True(problems.Count == 0, "the page's console:\n" + string.Join("\n", problems));
    }

    /// <summary>Records in window.__shown the time (ms since the epoch) a row with this text and direction first appears.</summary>
    private const string WatchForRow = """
        const want = arguments[0], dir = arguments[1];
        window.__shown = window.__shown || {};
        const traffic = document.getElementById('traffic');
        const check = () => {
          for (const row of traffic.querySelectorAll('.row.' + dir)) {
            if (row.querySelector('.x').textContent === want) { window.__shown[want] = Date.now(); return true; }
          }
          return false;
        };
        if (!check()) {
          const observer = new MutationObserver(() => { if (check()) observer.disconnect(); });
          observer.observe(traffic, { childList: true });
        }
        """;

    /// <summary>True when the rows shown have exactly these texts, joined by | (argument: the expected text).</summary>
    private const string ShownTexts = """
        const shown = Array.from(document.querySelectorAll('#traffic .row .x')).map(x => x.textContent).join('|');
        return shown === arguments[0] ? true : null;
        """;

    /// <summary>The class of the last row with this text that went this way (arguments: text, direction).</summary>
    private const string RowClass = """
        const rows = Array.from(document.querySelectorAll('#traffic .row.' + arguments[1])).filter(r => r.querySelector('.x').textContent === arguments[0]);
        return rows.length ? rows[rows.length - 1].className : null;
        """;

    private static async Task<string> DownloadedAsync(Browser browser)
    {
        string? file = null;
        await Poll.UntilAsync(
            () => (file = Directory.GetFiles(browser.Downloads, "atmqtt-*.transcript.txt").FirstOrDefault()) is not null,
            () => $"the transcript downloaded; the folder has: {string.Join(", ", Directory.GetFiles(browser.Downloads).Select(Path.GetFileName))}",
            Limit);
        return await File.ReadAllTextAsync(file!);
    }

    /// <summary>Into the test's output folder always; into docs/images with ATMQTT_UPDATE_SCREENSHOTS=1.</summary>
    private void SaveScreenshot(OpenQA.Selenium.Chrome.ChromeDriver driver)
    {
        var shot = driver.GetScreenshot();
        string local = Path.Combine(AppContext.BaseDirectory, "screenshots", "control-page.png");
        Directory.CreateDirectory(Path.GetDirectoryName(local)!);
        shot.SaveAsFile(local);
        output.WriteLine($"screenshot: {local}");
        if (Environment.GetEnvironmentVariable("ATMQTT_UPDATE_SCREENSHOTS") == "1")
        {
            string docs = Path.Combine(RepoRoot(), "docs", "images", "control-page.png");
            Directory.CreateDirectory(Path.GetDirectoryName(docs)!);
            shot.SaveAsFile(docs);
            output.WriteLine($"screenshot: {docs}");
        }
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

        throw new InvalidOperationException("AtMqtt.sln not found above " + AppContext.BaseDirectory);
    }

    [GeneratedRegex(@"(?:src|href)=""([^""]+)""")]
    private static partial Regex LinkedFiles();
}
