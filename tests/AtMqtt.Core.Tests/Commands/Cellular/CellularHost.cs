using AtMqtt.Core;
using AtMqtt.Core.Profiles;
using AtMqtt.Testing;

namespace AtMqtt.Core.Tests.Commands.Cellular;

/// <summary>A modem of a cellular profile in memory, its boot lines read.</summary>
internal static class CellularHost
{
    public const string Bg95 = "quectel-bg95";
    public const string A7670 = "simcom-a7670";

    public const string QuectelBoot = "\r\nRDY\r\n\r\n+CPIN: READY\r\n\r\n+QUSIM: 1\r\n\r\n+QIND: SMS DONE\r\n";
    public const string SimcomBoot = "\r\n*ATREADY: 1\r\n\r\n+CPIN: READY\r\n\r\n+CGEV: EPS PDN ACT 1\r\n\r\nSMS DONE\r\n\r\nPB DONE\r\n";

    /// <summary>The module's final OK (3GPP: <c>\r\nOK\r\n</c>, as ESP-AT's).</summary>
    public const string Ok = "\r\nOK\r\n";

    public const string Error = "\r\nERROR\r\n";

    public static string Boot(string profile) => profile == Bg95 ? QuectelBoot : SimcomBoot;

    /// <summary>Information lines as the module writes them, then OK: <c>\r\nA\r\nB\r\n\r\nOK\r\n</c>.</summary>
    public static string Info(params string[] lines) => "\r\n" + string.Concat(lines.Select(l => l + "\r\n")) + Ok;

    public static async Task<InMemoryModem> StartAsync(string profile, ModemOptions? options = null)
    {
        var p = Profile.FromName(profile)!;
        var modem = InMemoryModem.CreateDetached(new ModemOptions
        {
            Profile = p,
            Dialect = p.Dialect,
            DataTimeout = options?.DataTimeout ?? TimeSpan.FromSeconds(5),
            TimeProvider = options?.TimeProvider ?? TimeProvider.System,
        });
        modem.Attach();
        try
        {
            await modem.ExpectAsync(Boot(profile));
        }
        catch
        {
            await modem.DisposeAsync();
            throw;
        }

        return modem;
    }
}
