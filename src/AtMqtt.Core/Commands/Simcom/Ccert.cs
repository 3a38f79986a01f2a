using System.Text;
using AtMqtt.Core.Commands.Cellular;
using AtMqtt.Core.Device;
using AtMqtt.Core.Parsing;
using Microsoft.Extensions.Logging;

namespace AtMqtt.Core.Commands.Simcom;

/// <summary>
/// SIMCom's certificate store, where the files an AT+CSSLCFG context names live (docs/simcom.md, "Certificates"):
/// AT+CCERTDOWN="&lt;name&gt;",&lt;len&gt; answers <c>\r\n&gt;</c>, takes exactly &lt;len&gt; raw bytes (1..10240) and answers
/// <c>OK</c> (a file of that name is replaced); AT+CCERTLIST lists the names; AT+CCERTDELE="&lt;name&gt;" deletes one.
/// A name is 5..108 bytes ending in <c>.pem</c> or <c>.der</c>. Every refusal is plain <c>ERROR</c>.
/// </summary>
internal static class Ccert
{
    public const int MaxFileBytes = 10240;

    public static readonly Command[] Commands =
    [
        new("AT+CCERTDOWN", set: Download, test: static (m, ref _) => Answer.Info(m, "+CCERTDOWN: (5-108),(1-10240)")),
        new("AT+CCERTLIST", execute: static (m, ref _) => Answer.Info(m, [.. Store(m).List().Select(f => $"+CCERTLIST: \"{f.Name}\"")]), test: static (m, ref _) => m.Ok()),
        new("AT+CCERTDELE", set: Delete, test: static (m, ref _) => m.Ok()),
    ];

    /// <summary>The module's certificate store: 20 files, 200 KiB (not documented; docs/simcom.md).</summary>
    internal sealed class Certificates() : ModuleFiles(20, 200 * 1024);

    public static ModuleFiles Store(Modem m) => m.FamilyState<Certificates>();

    /// <summary>5..108 bytes, ending in .pem or .der (any case).</summary>
    public static bool ValidName(string name)
    {
        int bytes = Encoding.UTF8.GetByteCount(name);
        return bytes is >= 5 and <= 108
            && (name.EndsWith(".pem", StringComparison.OrdinalIgnoreCase) || name.EndsWith(".der", StringComparison.OrdinalIgnoreCase));
    }

    private static ValueTask Download(Modem m, ref ArgReader a)
    {
        if (!a.Arity(2, 2) || !a.Str(0, 108, 0, 0, out string name) || !ValidName(name) || !a.Int(1, 1, MaxFileBytes, out int length))
        {
            return Cmqtt.Error(m);
        }

        var store = Store(m);
        if (!store.Fits(name, length))
        {
            return Cmqtt.Error(m);
        }

        return Cmqtt.Data(m, length, (modem, data) =>
        {
            if (!store.Write(name, data))
            {
                return Cmqtt.Error(modem);
            }

            if (modem.FlashLog.ShouldLog())
            {
                modem.Log.LogInformation("AT+CCERTDOWN stored {Length} bytes as \"{Name}\"", data.Length, name);
            }

            return modem.Ok();
        });
    }

    private static ValueTask Delete(Modem m, ref ArgReader a) =>
        !a.Arity(1, 1) || !a.Str(0, 108, 0, 0, out string name) || !Store(m).Delete(name) ? Cmqtt.Error(m) : m.Ok();
}
