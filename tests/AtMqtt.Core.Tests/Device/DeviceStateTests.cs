using AtMqtt.Core.Device;
using Xunit;

namespace AtMqtt.Core.Tests.Device;

/// <summary>The device model on its own, on a clock the test moves.</summary>
public sealed class DeviceStateTests
{
    [Fact]
    public void ClockCountsFrom1970UntilSetAndKeepsRunning()
    {
        var clock = new ManualClock(new DateTimeOffset(2030, 5, 6, 7, 8, 9, TimeSpan.Zero));
        var d = new DeviceState(clock);
        Assert.False(d.ClockValid);
        clock.Advance(TimeSpan.FromSeconds(128));
        Assert.Equal(DateTimeOffset.UnixEpoch.AddSeconds(128), d.Now);
        Assert.Equal(new DateTimeOffset(2030, 5, 6, 7, 10, 17, TimeSpan.Zero).ToUnixTimeSeconds(), d.UnixTime);

        d.SetUnixTime(1565853509);
        clock.Advance(TimeSpan.FromSeconds(10));
        Assert.True(d.ClockValid);
        Assert.Equal(1565853519, d.UnixTime);
        Assert.Equal(DateTimeOffset.FromUnixTimeSeconds(1565853519), d.Now);

        // A restart keeps the RTC; the uptime starts again.
        d.Restart();
        Assert.Equal(1565853519, d.UnixTime);
        Assert.Equal(TimeSpan.Zero, d.Uptime);

        d.Restore();
        d.Restart();
        Assert.False(d.ClockValid);
        Assert.Equal(DateTimeOffset.UnixEpoch, d.Now);
    }

    [Fact]
    public void SntpSyncCompletesOncePerConfigurationAndNotAfterShutdown()
    {
        var d = new DeviceState(new ManualClock(DateTimeOffset.UnixEpoch.AddYears(50)));
        d.SetUnixTime(5);
        int first = d.ConfigureSntp(SntpConfig.Default with { Enabled = true });
        Assert.True(d.SntpPending);
        int second = d.ConfigureSntp(SntpConfig.Default with { Enabled = true, Timezone = 1, OffsetMinutes = 60 });
        Assert.False(d.CompleteSntpSync(first));
        Assert.True(d.CompleteSntpSync(second));
        Assert.False(d.CompleteSntpSync(second));
        Assert.True(d.SntpSynced);
        Assert.Equal(DateTimeOffset.UnixEpoch.AddYears(50).ToUnixTimeSeconds(), d.UnixTime);

        int third = d.ConfigureSntp(SntpConfig.Default with { Enabled = true });
        d.Shutdown();
        Assert.False(d.CompleteSntpSync(third));
        Assert.False(d.SntpPending);
    }

    [Fact]
    public void RestartReloadsRamFromFlash()
    {
        var d = new DeviceState(new ManualClock(DateTimeOffset.UnixEpoch));
        d.SetWifiMode(3);
        d.Joined(new StationConfig("home", "secret", null));
        d.UartCurrent = new UartConfig(9600, 8, 1, 0, 0);
        d.Country = new WifiCountry(1, "US", 1, 11);
        d.WifiInitialized = false;
        d.Restart();
        Assert.Equal((3, true, true), (d.WifiMode, d.WifiConnected, d.WifiInitialized));
        Assert.Equal(115200, d.Baud);
        Assert.Equal(WifiCountry.Default, d.Country);

        d.SysStore = false;
        d.SetWifiMode(2);
        d.Restart();
        Assert.Equal(3, d.WifiMode);

        d.Restore();
        Assert.False(d.WifiConnected);
        d.Restart();
        Assert.Equal((1, WifiStatus.NotStarted, true), (d.WifiMode, d.Status, d.SysStore));
        Assert.Null(d.Station);
    }

    [Fact]
    public void StationConfigNeverPrintsThePassword()
    {
        string text = new StationConfig("home", "hunter2", null).ToString();
        Assert.Contains("home", text, StringComparison.Ordinal);
        Assert.DoesNotContain("hunter2", text, StringComparison.Ordinal);
    }

    private sealed class ManualClock(DateTimeOffset start) : TimeProvider
    {
        private DateTimeOffset _now = start;
        private long _ticks;

        public override DateTimeOffset GetUtcNow() => _now;

        public override long GetTimestamp() => _ticks;

        public override long TimestampFrequency => TimeSpan.TicksPerSecond;

        public void Advance(TimeSpan by)
        {
            _now += by;
            _ticks += by.Ticks;
        }
    }
}
