using System.Diagnostics;
using OpenQA.Selenium;
using OpenQA.Selenium.Chrome;

namespace AtMqtt.Modem.Tests.Control;

/// <summary>
/// Headless Chromium driven by Selenium WebDriver: Debian's <c>chromium</c> through its <c>chromedriver</c>,
/// both named by path, so that Selenium Manager is never asked for (it would download a browser). A profile
/// and a download folder of its own; the browser and the driver are gone when it is disposed, also when
/// the test failed.
/// </summary>
internal sealed class Browser : IDisposable
{
    public const string ChromiumPath = "/usr/bin/chromium";
    public const string DriverPath = "/usr/bin/chromedriver";

    private readonly TempDirectory _dir;
    private readonly ChromeDriverService _service;

    private Browser(TempDirectory dir, ChromeDriverService service, ChromeDriver driver)
    {
        _dir = dir;
        _service = service;
        Driver = driver;
    }

    public ChromeDriver Driver { get; }

    /// <summary>Where the page's downloads go.</summary>
    public string Downloads => _dir.PathOf("downloads");

    /// <summary>Starts the browser (a 1600 x 1050 window). A missing chromium or chromedriver fails with how to install them.</summary>
    public static Browser Start()
    {
        foreach (var (path, package) in new[] { (ChromiumPath, "chromium"), (DriverPath, "chromium-driver") })
        {
            if (!File.Exists(path))
            {
                throw new InvalidOperationException(
                    $"{path} is missing: the web page's browser test drives Debian's chromium and chromedriver. "
                    + $"Install them with 'apt-get install -y chromium chromium-driver' ({package} is the one missing; ./test.sh installs both).");
            }
        }

        var dir = new TempDirectory("browser");
        Directory.CreateDirectory(dir.PathOf("downloads"));
        var service = ChromeDriverService.CreateDefaultService(Path.GetDirectoryName(DriverPath)!, Path.GetFileName(DriverPath));
        service.SuppressInitialDiagnosticInformation = true;
        service.HideCommandPromptWindow = true;
        var options = new ChromeOptions { BinaryLocation = ChromiumPath };
        options.AddArguments(
            "--headless=new",
            "--no-sandbox", // root, in a container
            "--disable-dev-shm-usage",
            "--disable-gpu",
            "--window-size=1600,1050",
            "--force-device-scale-factor=1",
            "--no-first-run",
            "--no-default-browser-check",
            "--disable-extensions",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--user-data-dir=" + dir.PathOf("profile"));
        options.AddUserProfilePreference("download.default_directory", dir.PathOf("downloads"));
        options.AddUserProfilePreference("download.prompt_for_download", false);

        // The page's console (a script error, a Content-Security-Policy violation) for the test to read.
        options.SetLoggingPreference(LogType.Browser, LogLevel.All);
        try
        {
            var driver = new ChromeDriver(service, options, TimeSpan.FromSeconds(60));
            return new Browser(dir, service, driver);
        }
        catch
        {
            service.Dispose();
            dir.Dispose();
            throw;
        }
    }

    /// <summary>Runs <paramref name="script"/> in the page until it returns something other than null; fails after <paramref name="timeout"/>.</summary>
    public async Task<object> UntilAsync(string script, string what, TimeSpan timeout, params object[] args)
    {
        var watch = Stopwatch.StartNew();
        while (true)
        {
            if (Driver.ExecuteScript(script, args) is { } value)
            {
                return value;
            }

            if (watch.Elapsed > timeout)
            {
                throw new Xunit.Sdk.XunitException($"Not within {timeout.TotalSeconds:0.#} s: {what}. The page's traffic ends:\n{TrafficTail()}");
            }

            await Task.Delay(25);
        }
    }

    /// <summary>Clicks the element, found again if the page replaced it meanwhile (the state panel is redrawn on each refresh).</summary>
    public void Click(By by) => Retry(() =>
    {
        Driver.FindElement(by).Click();
        return true;
    });

    /// <summary>The element's text, found again if the page replaced it meanwhile.</summary>
    public string Text(By by) => Retry(() => Driver.FindElement(by).Text);

    /// <summary>The last rows of the page's traffic list, for failure messages.</summary>
    public string TrafficTail() =>
        Driver.ExecuteScript("return Array.from(document.querySelectorAll('#traffic .row')).slice(-15).map(r => r.className + ' | ' + r.textContent).join('\\n');") as string ?? "";

    private static T Retry<T>(Func<T> action)
    {
        for (int attempt = 1; ; attempt++)
        {
            try
            {
                return action();
            }
            catch (StaleElementReferenceException) when (attempt < 20)
            {
            }
        }
    }

    public void Dispose()
    {
        try
        {
            Driver.Quit();
        }
        catch (WebDriverException)
        {
            // The browser went away already; the service's dispose ends the driver.
        }
        finally
        {
            Driver.Dispose();
            _service.Dispose();
            _dir.Dispose();
        }
    }
}
