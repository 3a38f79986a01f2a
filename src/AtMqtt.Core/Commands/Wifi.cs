using System.Globalization;
using System.Text;
using AtMqtt.Core.Device;
using AtMqtt.Core.Parsing;

namespace AtMqtt.Core.Commands;

/// <summary>
/// A simulated Wi-Fi station with one access point in range (SPEC section 5): AT+CWINIT, AT+CWMODE,
/// AT+CWAUTOCONN, AT+CWCOUNTRY, AT+CWJAP, AT+CWQAP, AT+CWSTATE?, AT+CIPSTAMAC?, AT+CWLAP. The AP is
/// <c>--wifi SSID:PASSWORD</c> when given (anything else is refused as a module would refuse it),
/// otherwise any SSID and password join.
/// </summary>
/// <remarks>
/// Commands that queue an unsolicited line (<c>WIFI DISCONNECT</c> after AT+CWQAP's OK) are
/// blocking: their echo opens the response before they run, so the line cannot overtake the OK.
/// </remarks>
internal static class Wifi
{
    /// <summary>The SSID of the simulated AP when no --wifi is given.</summary>
    public const string DefaultSsid = "atmqtt-sim";

    private const int Channel = 6;
    private const int Rssi = -45;
    private const int SsidMaxBytes = 32;
    private const int PasswordMaxBytes = 64;

    private static readonly byte[] ConnectedLine = "WIFI CONNECTED\r\n"u8.ToArray();
    private static readonly byte[] GotIpLine = "WIFI GOT IP\r\n"u8.ToArray();
    private static readonly byte[] DisconnectLine = "WIFI DISCONNECT\r\n"u8.ToArray();

    /// <summary>The station's MAC: locally administered, the same on every run on one computer.</summary>
    private static readonly string StationMac = LocalMac("sta:" + MachineName());

    public static readonly Command[] Commands =
    [
        new("AT+CWINIT", query: QueryInit, set: SetInit, blocking: true),
        new("AT+CWMODE", query: QueryMode, set: SetMode, blocking: true),
        new("AT+CWAUTOCONN", query: QueryAutoConnect, set: SetAutoConnect),
        new("AT+CWCOUNTRY", query: QueryCountry, set: SetCountry),
        new("AT+CWJAP", execute: Rejoin, query: QueryJoin, set: Join, blocking: true),
        new("AT+CWQAP", execute: static (m, ref _) => Quit(m), blocking: true),
        new("AT+CWSTATE", query: QueryState),
        new("AT+CIPSTAMAC", query: QueryMac),
        new("AT+CWLAP", execute: static (m, ref _) => List(m, null, null, null), set: ListFiltered),
    ];

    // ---------------------------------------------------------------- AT+CWINIT

    private static ValueTask QueryInit(Modem m, ref ArgReader a)
    {
        m.Response.Line(m.Device.WifiInitialized ? "+CWINIT:1" : "+CWINIT:0");
        return m.Ok();
    }

    private static ValueTask SetInit(Modem m, ref ArgReader a)
    {
        if (!a.Arity(1, 1) || !a.Int(0, 0, 1, out int init))
        {
            return m.Fail(a.Error);
        }

        m.Device.WifiInitialized = init == 1;
        m.Response.Ok();
        if (init == 0 && m.Device.Disconnect())
        {
            m.Urcs.Enqueue(DisconnectLine);
        }

        return ValueTask.CompletedTask;
    }

    // ---------------------------------------------------------------- AT+CWMODE

    private static ValueTask QueryMode(Modem m, ref ArgReader a)
    {
        if (!m.Device.WifiInitialized)
        {
            return m.Fail(DeviceArgs.ExecFail);
        }

        m.Response.Line(string.Create(CultureInfo.InvariantCulture, $"+CWMODE:{m.Device.WifiMode}"));
        return m.Ok();
    }

    /// <summary>
    /// AT+CWMODE=&lt;mode&gt;[,&lt;auto_connect&gt;]. Leaving station mode drops the AP
    /// (<c>WIFI DISCONNECT</c> after OK); entering it with auto_connect 1 (the default) rejoins the
    /// saved AP (<c>WIFI CONNECTED</c>, <c>WIFI GOT IP</c> after OK).
    /// </summary>
    private static ValueTask SetMode(Modem m, ref ArgReader a)
    {
        if (!a.Arity(1, 2) || !a.Int(0, 0, 3, out int mode) || !DeviceArgs.OptInt(ref a, 1, 0, 1, 1, out int autoConnect))
        {
            return m.Fail(a.Error);
        }

        var d = m.Device;
        if (!d.WifiInitialized)
        {
            return m.Fail(DeviceArgs.ExecFail);
        }

        bool hadStation = d.StationEnabled;
        d.SetWifiMode(mode);
        m.Response.Ok();
        if (!d.StationEnabled)
        {
            if (d.Disconnect())
            {
                m.Urcs.Enqueue(DisconnectLine);
            }
        }
        else if (!hadStation && autoConnect == 1 && d.SavedStation is { } saved && Refusal(m, saved) == 0)
        {
            d.Joined(saved);
            m.Urcs.Enqueue(ConnectedLine);
            m.Urcs.Enqueue(GotIpLine);
            Sntp.OnWifiJoined(m);
        }

        return ValueTask.CompletedTask;
    }

    // ---------------------------------------------------------------- AT+CWAUTOCONN

    private static ValueTask QueryAutoConnect(Modem m, ref ArgReader a)
    {
        m.Response.Line(m.Device.AutoConnect ? "+CWAUTOCONN:1" : "+CWAUTOCONN:0");
        return m.Ok();
    }

    private static ValueTask SetAutoConnect(Modem m, ref ArgReader a)
    {
        if (!a.Arity(1, 1) || !a.Int(0, 0, 1, out int on))
        {
            return m.Fail(a.Error);
        }

        m.Device.AutoConnect = on == 1;
        return m.Ok();
    }

    // ---------------------------------------------------------------- AT+CWCOUNTRY

    private static ValueTask QueryCountry(Modem m, ref ArgReader a)
    {
        if (!m.Device.WifiInitialized)
        {
            return m.Fail(DeviceArgs.ExecFail);
        }

        var c = m.Device.Country;
        m.Response.Line(string.Create(CultureInfo.InvariantCulture,
            $"+CWCOUNTRY:{c.Policy},\"{c.Code}\",{c.StartChannel},{c.ChannelCount}"));
        return m.Ok();
    }

    /// <summary>
    /// AT+CWCOUNTRY=&lt;policy&gt;,&lt;"code"&gt;,&lt;start_channel&gt;,&lt;channel_count&gt;: policy 0..1, a
    /// code of 2 or 3 letters or digits, channels within 1..14.
    /// </summary>
    private static ValueTask SetCountry(Modem m, ref ArgReader a)
    {
        if (!a.Arity(4, 4)
            || !a.Int(0, 0, 1, out int policy)
            || !DeviceArgs.Text(ref a, 1, 3, out string code)
            || !(code.Length >= 2 && code.All(char.IsAsciiLetterOrDigit) || a.Fail(ErrorCode.ParamInvalid(1)))
            || !a.Int(2, 1, 14, out int start)
            || !a.Int(3, 1, 14, out int count)
            || !(start + count - 1 <= 14 || a.Fail(ErrorCode.ParamInvalid(3))))
        {
            return m.Fail(a.Error);
        }

        if (!m.Device.WifiInitialized)
        {
            return m.Fail(DeviceArgs.ExecFail);
        }

        m.Device.Country = new WifiCountry(policy, code, start, count);
        return m.Ok();
    }

    // ---------------------------------------------------------------- AT+CWJAP

    /// <summary>
    /// AT+CWJAP=[&lt;"ssid"&gt;],[&lt;"pwd"&gt;][,&lt;"bssid"&gt;][,&lt;pci_en&gt;][,&lt;reconn_interval&gt;][,&lt;listen_interval&gt;][,&lt;scan_mode&gt;][,&lt;jap_timeout&gt;][,&lt;pmf&gt;].
    /// An omitted SSID or password is the last configuration's.
    /// </summary>
    private static ValueTask Join(Modem m, ref ArgReader a)
    {
        if (!a.Arity(2, 9)
            || !DeviceArgs.OptText(ref a, 0, SsidMaxBytes, out string? ssid)
            || !(ssid is null || ssid.Length > 0 || a.Fail(ErrorCode.ParamInvalid(0)))
            || !DeviceArgs.OptText(ref a, 1, PasswordMaxBytes, out string? password)
            || !Bssid(ref a, 2, out string? bssid)
            || !DeviceArgs.OptInt(ref a, 3, 0, 1, 0, out int pci)
            || !DeviceArgs.OptInt(ref a, 4, 0, 7200, 1, out int reconnect)
            || !DeviceArgs.OptInt(ref a, 5, 1, 100, 3, out int listen)
            || !DeviceArgs.OptInt(ref a, 6, 0, 1, 0, out int scan)
            || !DeviceArgs.OptInt(ref a, 7, 3, 600, 15, out int timeout)
            || !DeviceArgs.OptInt(ref a, 8, 0, 3, 1, out int pmf))
        {
            return m.Fail(a.Error);
        }

        if (!StationReady(m))
        {
            return m.Fail(DeviceArgs.ExecFail);
        }

        var last = m.Device.Station;
        if (ssid is null && last is null)
        {
            return m.Fail(DeviceArgs.ExecFail);
        }

        var config = new StationConfig(ssid ?? last!.Ssid, password ?? last?.Password ?? "", bssid, pci, reconnect, listen, scan, timeout, pmf);
        return Connect(m, config);
    }

    /// <summary>AT+CWJAP: joins the last configured AP again; ERROR when there is none.</summary>
    private static ValueTask Rejoin(Modem m, ref ArgReader a)
    {
        if (!StationReady(m) || m.Device.Station is not { } last)
        {
            return m.Fail(DeviceArgs.ExecFail);
        }

        return Connect(m, last);
    }

    /// <summary>
    /// <c>WIFI DISCONNECT</c> first when joined; then <c>WIFI CONNECTED</c>, <c>WIFI GOT IP</c>, OK, or
    /// <c>+CWJAP:&lt;code&gt;</c> and ERROR (2 wrong password, 3 AP not found).
    /// </summary>
    private static ValueTask Connect(Modem m, StationConfig config)
    {
        var d = m.Device;
        if (d.Disconnect())
        {
            m.Response.Raw(DisconnectLine);
        }

        int refusal = Refusal(m, config);
        if (refusal != 0)
        {
            d.JoinFailed(config);
            m.Response.Line(string.Create(CultureInfo.InvariantCulture, $"+CWJAP:{refusal}"));
            return m.Fail(DeviceArgs.ExecFail);
        }

        d.Joined(config);
        m.Response.Raw(ConnectedLine);
        m.Response.Raw(GotIpLine);
        Sntp.OnWifiJoined(m);
        return m.Ok();
    }

    /// <summary>
    /// <c>+CWJAP:"&lt;ssid&gt;","&lt;bssid&gt;",&lt;channel&gt;,&lt;rssi&gt;,&lt;pci_en&gt;,&lt;reconn_interval&gt;,&lt;listen_interval&gt;,&lt;scan_mode&gt;,&lt;pmf&gt;</c>
    /// when joined; otherwise <c>No AP</c> and OK, as ESP-AT answers.
    /// </summary>
    private static ValueTask QueryJoin(Modem m, ref ArgReader a)
    {
        if (!StationReady(m))
        {
            return m.Fail(DeviceArgs.ExecFail);
        }

        if (!m.Device.WifiConnected || m.Device.Station is not { } c)
        {
            m.Response.Line("No AP"u8);
            return m.Ok();
        }

        m.Response.Line(string.Create(CultureInfo.InvariantCulture,
            $"+CWJAP:\"{c.Ssid}\",\"{c.Bssid ?? ApBssid(c.Ssid)}\",{Channel},{Rssi},{c.PciEnabled},{c.ReconnectInterval},{c.ListenInterval},{c.ScanMode},{c.Pmf}"));
        return m.Ok();
    }

    // ---------------------------------------------------------------- AT+CWQAP, AT+CWSTATE?, AT+CIPSTAMAC?

    /// <summary>OK, then <c>WIFI DISCONNECT</c> if the station was joined.</summary>
    private static ValueTask Quit(Modem m)
    {
        if (!m.Device.WifiInitialized)
        {
            return m.Fail(DeviceArgs.ExecFail);
        }

        m.Response.Ok();
        if (m.Device.Disconnect())
        {
            m.Urcs.Enqueue(DisconnectLine);
        }

        return ValueTask.CompletedTask;
    }

    /// <summary><c>+CWSTATE:&lt;state&gt;,"&lt;ssid&gt;"</c>: 0 nothing started, 2 joined, 4 disconnected.</summary>
    private static ValueTask QueryState(Modem m, ref ArgReader a)
    {
        var d = m.Device;
        string ssid = d.Status == WifiStatus.NotStarted ? "" : d.Station?.Ssid ?? "";
        m.Response.Line(string.Create(CultureInfo.InvariantCulture, $"+CWSTATE:{(int)d.Status},\"{ssid}\""));
        return m.Ok();
    }

    private static ValueTask QueryMac(Modem m, ref ArgReader a)
    {
        if (!m.Device.WifiInitialized)
        {
            return m.Fail(DeviceArgs.ExecFail);
        }

        m.Response.Line($"+CIPSTAMAC:\"{StationMac}\"");
        return m.Ok();
    }

    // ---------------------------------------------------------------- AT+CWLAP

    /// <summary>AT+CWLAP=[&lt;"ssid"&gt;,&lt;"mac"&gt;,&lt;channel&gt;,&lt;scan_type&gt;,&lt;scan_time_min&gt;,&lt;scan_time_max&gt;]: the AP if it matches.</summary>
    private static ValueTask ListFiltered(Modem m, ref ArgReader a)
    {
        if (!a.Arity(1, 6)
            || !DeviceArgs.OptText(ref a, 0, SsidMaxBytes, out string? ssid)
            || !Bssid(ref a, 1, out string? mac)
            || !DeviceArgs.OptInt(ref a, 2, 1, 14, 0, out int channel)
            || !DeviceArgs.OptInt(ref a, 3, 0, 1, 0, out _)
            || !DeviceArgs.OptInt(ref a, 4, 0, 1500, 0, out _)
            || !DeviceArgs.OptInt(ref a, 5, 0, 1500, 0, out _))
        {
            return m.Fail(a.Error);
        }

        return List(m, ssid, mac, channel == 0 ? null : channel);
    }

    /// <summary>
    /// <c>+CWLAP:(&lt;ecn&gt;,"&lt;ssid&gt;",&lt;rssi&gt;,"&lt;mac&gt;",&lt;channel&gt;,&lt;freq_offset&gt;,&lt;freqcal_val&gt;,&lt;pairwise_cipher&gt;,&lt;group_cipher&gt;,&lt;bgn&gt;,&lt;wps&gt;)</c>
    /// for the one simulated AP: WPA2-PSK with CCMP (open when --wifi has an empty password), 802.11b/g/n.
    /// </summary>
    private static ValueTask List(Modem m, string? ssidFilter, string? macFilter, int? channelFilter)
    {
        if (!StationReady(m))
        {
            return m.Fail(DeviceArgs.ExecFail);
        }

        string ssid = m.Options.Wifi?.Ssid ?? DefaultSsid;
        string bssid = ApBssid(ssid);
        bool open = m.Options.Wifi is { Password.Length: 0 };
        bool matches = (ssidFilter is null || ssidFilter == ssid)
            && (macFilter is null || macFilter == bssid)
            && (channelFilter is null || channelFilter == Channel);
        if (matches)
        {
            int ecn = open ? 0 : 3;
            int cipher = open ? 0 : 4;
            m.Response.Line(string.Create(CultureInfo.InvariantCulture,
                $"+CWLAP:({ecn},\"{ssid}\",{Rssi},\"{bssid}\",{Channel},0,0,{cipher},{cipher},7,0)"));
        }

        return m.Ok();
    }

    // ---------------------------------------------------------------- helpers

    /// <summary>Wi-Fi initialised and the mode has the station interface.</summary>
    private static bool StationReady(Modem m) => m.Device.WifiInitialized && m.Device.StationEnabled;

    /// <summary>0 if the simulated AP accepts <paramref name="config"/>, else ESP-AT's +CWJAP code.</summary>
    private static int Refusal(Modem m, StationConfig config)
    {
        // While a wifi-drop fault lasts the AP is out of reach, whatever the credentials.
        if (m.Faults.Any && m.Faults.Find(Instrument.FaultKinds.WifiDrop) is not null)
        {
            return 3;
        }

        if (m.Options.Wifi is not { } ap)
        {
            return 0;
        }

        if (config.Ssid != ap.Ssid || (config.Bssid is not null && config.Bssid != ApBssid(ap.Ssid)))
        {
            return 3;
        }

        return config.Password == ap.Password ? 0 : 2;
    }

    /// <summary>An optional MAC address parameter; ERROR 0x0107000i when badly formed.</summary>
    private static bool Bssid(ref ArgReader a, int index, out string? bssid)
    {
        bssid = null;
        if (!DeviceArgs.OptText(ref a, index, 17, out string? text))
        {
            return false;
        }

        if (text is null)
        {
            return true;
        }

        if (!DeviceArgs.TryParseMac(text, out string normalized))
        {
            return a.Fail(ErrorCode.ParamInvalid(index));
        }

        bssid = normalized;
        return true;
    }

    /// <summary>The simulated AP's BSSID: derived from its SSID, so it is stable.</summary>
    internal static string ApBssid(string ssid) => LocalMac("ap:" + ssid);

    private static string MachineName()
    {
        try
        {
            return Environment.MachineName;
        }
        catch (InvalidOperationException)
        {
            return "atmqtt";
        }
    }

    /// <summary>A locally administered unicast MAC derived from <paramref name="seed"/> (FNV-1a).</summary>
    private static string LocalMac(string seed)
    {
        ulong hash = 14695981039346656037;
        foreach (byte b in Encoding.UTF8.GetBytes(seed))
        {
            hash = (hash ^ b) * 1099511628211;
        }

        Span<byte> mac = stackalloc byte[6];
        for (int i = 0; i < 6; i++)
        {
            mac[i] = (byte)(hash >> (i * 8));
        }

        mac[0] = (byte)((mac[0] & 0xFC) | 0x02);
        return string.Create(CultureInfo.InvariantCulture,
            $"{mac[0]:x2}:{mac[1]:x2}:{mac[2]:x2}:{mac[3]:x2}:{mac[4]:x2}:{mac[5]:x2}");
    }
}
