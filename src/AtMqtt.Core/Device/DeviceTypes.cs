namespace AtMqtt.Core.Device;

/// <summary>One UART setting as AT+UART_CUR / AT+UART_DEF show it.</summary>
/// <param name="BaudRate">80..5000000.</param>
/// <param name="DataBits">5..8.</param>
/// <param name="StopBits">1 (one), 2 (one and a half), 3 (two).</param>
/// <param name="Parity">0 none, 1 odd, 2 even.</param>
/// <param name="FlowControl">0 none, 1 RTS, 2 CTS, 3 both.</param>
public readonly record struct UartConfig(int BaudRate, int DataBits, int StopBits, int Parity, int FlowControl)
{
    /// <summary>115200 8N1, no flow control: a module's factory setting.</summary>
    public static UartConfig Default => new(115200, 8, 1, 0, 0);
}

/// <summary>The station's state as AT+CWSTATE? numbers it.</summary>
public enum WifiStatus
{
    /// <summary>No connection was started since boot.</summary>
    NotStarted = 0,

    /// <summary>Connected and an IPv4 address obtained.</summary>
    Connected = 2,

    /// <summary>A connection was started, then lost, refused or ended (AT+CWQAP).</summary>
    Disconnected = 4,
}

/// <summary>AT+CWCOUNTRY: policy 0 follows the AP, 1 keeps the configured code.</summary>
public readonly record struct WifiCountry(int Policy, string Code, int StartChannel, int ChannelCount)
{
    public static WifiCountry Default => new(0, "CN", 1, 13);
}

/// <summary>The access point configuration of the last AT+CWJAP (what a module keeps to reconnect).</summary>
public sealed record StationConfig(
    string Ssid,
    string Password,
    string? Bssid,
    int PciEnabled = 0,
    int ReconnectInterval = 1,
    int ListenInterval = 3,
    int ScanMode = 0,
    int JoinTimeout = 15,
    int Pmf = 1)
{
    /// <summary>Never shows the password (SPEC section 7: secrets stay out of logs).</summary>
    public override string ToString() => $"StationConfig {{ Ssid = {Ssid}, Password = ***, Bssid = {Bssid ?? "(any)"} }}";
}

/// <summary>AT+CIPSNTPCFG.</summary>
/// <param name="Enabled">SNTP on.</param>
/// <param name="Timezone">What AT+CIPSNTPCFG? shows: the whole hours of the offset.</param>
/// <param name="OffsetMinutes">The offset from UTC in minutes (UTC+12:45 is 765).</param>
/// <param name="Servers">One to three servers.</param>
public sealed record SntpConfig(bool Enabled, int Timezone, int OffsetMinutes, IReadOnlyList<string> Servers)
{
    /// <summary>ESP-AT's servers when none is configured.</summary>
    public static IReadOnlyList<string> DefaultServers { get; } = ["cn.ntp.org.cn", "ntp.sjtu.edu.cn", "us.pool.ntp.org"];

    public static SntpConfig Default { get; } = new(false, 0, 0, DefaultServers);
}
