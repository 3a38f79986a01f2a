using System.Globalization;

namespace AtMqtt.Core.Instrument;

/// <summary>
/// Turns changes of the modem's simple state (echo, Wi-Fi, UART rate, AT+SYSLOG) into <c>state</c>
/// events. Rather than a hook in every command that can change them, the modem calls
/// <see cref="Check"/> after each burst of commands and wherever else state can change (a reset, a
/// fault): a handful of comparisons, nothing published unless something changed. The link's phase
/// and the host's attachment are published where they change (<see cref="StateNames"/>).
/// </summary>
internal sealed class StateWatch
{
    private readonly Lock _gate = new();
    private readonly EventHub _events;
    private bool _echo;
    private bool _sysLog;
    private bool _wifi;
    private string? _ssid;
    private int _baud;

    public StateWatch(EventHub events, Modem modem)
    {
        _events = events;
        _echo = modem.Echo;
        _sysLog = modem.SysLog;
        _wifi = modem.Device.WifiConnected;
        _ssid = _wifi ? modem.Device.Station?.Ssid : null;
        _baud = modem.Device.Baud;
    }

    public void Check(Modem modem)
    {
        bool echo = modem.Echo;
        bool sysLog = modem.SysLog;
        bool wifi = modem.Device.WifiConnected;
        string? ssid = wifi ? modem.Device.Station?.Ssid : null;
        int baud = modem.Device.Baud;
        if (echo == _echo && sysLog == _sysLog && wifi == _wifi && ssid == _ssid && baud == _baud)
        {
            return; // the usual case: no lock, no allocation
        }

        lock (_gate)
        {
            if (echo != _echo)
            {
                _echo = echo;
                Publish(StateNames.Echo, echo ? "on" : "off", echo ? "echo on (ATE1)" : "echo off (ATE0)");
            }

            if (sysLog != _sysLog)
            {
                _sysLog = sysLog;
                Publish(StateNames.SysLog, sysLog ? "on" : "off", sysLog ? "ERR CODE lines on (AT+SYSLOG=1)" : "ERR CODE lines off");
            }

            if (wifi != _wifi || ssid != _ssid)
            {
                _wifi = wifi;
                _ssid = ssid;
                Publish(StateNames.Wifi, wifi ? "joined" : "left", wifi ? $"Wi-Fi joined \"{ssid}\"" : "Wi-Fi not joined");
            }

            if (baud != _baud)
            {
                _baud = baud;
                Publish(StateNames.Baud, baud.ToString(CultureInfo.InvariantCulture), $"UART at {baud} baud");
            }
        }
    }

    private void Publish(string name, string value, string text) =>
        _events.Publish(new ModemEvent { Type = EventTypes.State, Name = name, Value = value, Text = text });
}

/// <summary>The <see cref="ModemEvent.Name"/>s of <c>state</c> events.</summary>
public static class StateNames
{
    /// <summary>The link's phase: idle, connecting, connected, reconnecting, failed, dropped.</summary>
    public const string Link = "link";

    /// <summary>attached or detached.</summary>
    public const string Host = "host";

    /// <summary>on or off.</summary>
    public const string Echo = "echo";

    /// <summary>on or off.</summary>
    public const string SysLog = "syslog";

    /// <summary>joined or left.</summary>
    public const string Wifi = "wifi";

    /// <summary>The UART rate in baud.</summary>
    public const string Baud = "baud";

    /// <summary>The reset pin was pulled (value: pin).</summary>
    public const string Reset = "reset";
}
