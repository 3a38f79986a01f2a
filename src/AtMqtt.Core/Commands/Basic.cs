using System.Globalization;
using AtMqtt.Core.Parsing;

namespace AtMqtt.Core.Commands;

/// <summary>AT, ATE0, ATE1, AT+RST, AT+GMR, AT+CMD?, AT+SYSLOG.</summary>
internal static class Basic
{
    /// <summary>AT, ATE0, ATE1: what every module answers alike (the cellular profiles take only these).</summary>
    public static readonly Command[] Attention =
    [
        new("AT", execute: static (m, ref _) => m.Ok()),
        new("ATE0", execute: static (m, ref _) => SetEcho(m, false)),
        new("ATE1", execute: static (m, ref _) => SetEcho(m, true)),
    ];

    public static readonly Command[] Commands =
    [
        .. Attention,
        new("AT+RST", execute: static (m, ref _) => Restart(m), blocking: true),
        new("AT+GMR", execute: static (m, ref _) => Version(m)),
        new("AT+CMD", query: static (m, ref _) => List(m)),
        new("AT+SYSLOG", query: static (m, ref _) => QuerySysLog(m), set: SetSysLog),
    ];

    private static ValueTask SetEcho(Modem m, bool on)
    {
        m.Echo = on;
        return m.Ok();
    }

    private static ValueTask Restart(Modem m)
    {
        m.Response.Ok();
        return m.RestartAsync();
    }

    private static ValueTask Version(Modem m)
    {
        foreach (string line in m.Profile.VersionLines(m.Options.Version))
        {
            m.Response.Line(line);
        }

        return m.Ok();
    }

    /// <summary>AtMqtt's own AT+GMR: the program's version, the dialect, MQTTnet's and .NET's versions.</summary>
    internal static IReadOnlyList<string> AtMqttVersionLines(string version, string dialect)
    {
        string mqttnet = typeof(MQTTnet.MqttClientFactory).Assembly.GetName().Version?.ToString(3) ?? "?";
        return
        [
            $"AT version:{version}(atmqtt - {dialect} dialect)",
            $"SDK version:MQTTnet {mqttnet} on .NET {Environment.Version}",
            $"Bin version:{version}(atmqtt)",
        ];
    }

    /// <summary>
    /// An ESP-AT release's AT+GMR lines in that release's shape, made honest: where the real lines carry
    /// Espressif's commit hashes and the module's name, these say atmqtt and the program's version; the
    /// release number, chip and dates are the release's own, so a host's parser reads them as it reads the
    /// real module's (docs/profiles.md).
    /// </summary>
    /// <param name="version">The program's version.</param>
    /// <param name="at">The AT version, four parts: <c>2.2.0.0</c>.</param>
    /// <param name="libDate">The core library's build date, C's <c>__DATE__ __TIME__</c>: <c>Jul  2 2021 06:44:05</c>.</param>
    /// <param name="sdk">The ESP-IDF release it was built on: <c>v4.2.2</c>.</param>
    /// <param name="compileDate">The firmware's build date, same format.</param>
    /// <param name="bin">The Bin version as that release writes it: <c>2.2.0</c> (v2.x), <c>v3.2.0.0</c> (v3.x on).</param>
    internal static IReadOnlyList<string> EspAtVersionLines(string version, string at, string libDate, string sdk, string compileDate, string bin) =>
    [
        $"AT version:{at}(atmqtt - ESP32 - {libDate})",
        $"SDK version:{sdk}-atmqtt",
        $"compile time(atmqtt):{compileDate}",
        $"Bin version:{bin}(atmqtt {version})",
    ];

    private static ValueTask List(Modem m)
    {
        // The commands this modem answers (a quirk may take some away), in the profile's order.
        var all = m.Commands.All;
        for (int i = 0; i < all.Count; i++)
        {
            var c = all[i];
            m.Response.Line(string.Create(CultureInfo.InvariantCulture,
                $"+CMD:{i},\"{c.Name}\",{Flag(c.Test)},{Flag(c.Query)},{Flag(c.Set)},{Flag(c.Execute)}"));
        }

        return m.Ok();

        static int Flag(CommandHandler? h) => h is null ? 0 : 1;
    }

    private static ValueTask QuerySysLog(Modem m)
    {
        m.Response.Line(m.SysLog ? "+SYSLOG:1" : "+SYSLOG:0");
        return m.Ok();
    }

    private static ValueTask SetSysLog(Modem m, ref ArgReader a)
    {
        if (!a.Arity(1, 1) || !a.Int(0, 0, 1, out int on))
        {
            return m.Fail(a.Error);
        }

        m.SysLog = on == 1;
        return m.Ok();
    }
}
