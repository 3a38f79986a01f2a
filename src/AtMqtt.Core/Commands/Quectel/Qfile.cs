using System.Globalization;
using System.Text;
using AtMqtt.Core.Device;
using AtMqtt.Core.Parsing;
using Microsoft.Extensions.Logging;

namespace AtMqtt.Core.Commands.Quectel;

/// <summary>
/// Quectel's FILE commands on the module's UFS, where hosts put the TLS files an AT+QSSLCFG context names
/// (docs/quectel.md, "Files"): AT+QFUPL="&lt;name&gt;"[,&lt;size&gt;[,&lt;timeout&gt;[,&lt;ackmode&gt;]]] answers <c>CONNECT</c>, takes
/// exactly &lt;size&gt; raw bytes and answers <c>+QFUPL: &lt;size&gt;,&lt;checksum&gt;</c> (16-bit XOR of big-endian byte
/// pairs, lower-case hex); AT+QFLST lists, AT+QFDEL deletes, AT+QFLDS tells the space. Failures are
/// <c>+CME ERROR: 4xx</c> (the FILE manual's codes) as AT+CMEE says; a malformed command is plain <c>ERROR</c>.
/// </summary>
internal static class Qfile
{
    public const int MaxNameBytes = 80;
    public const int NotFound = 405;
    public const int InvalidName = 406;
    public const int AlreadyExists = 407;
    public const int DriveFull = 403;
    public const int TimedOut = 420;

    public static readonly Command[] Commands =
    [
        new("AT+QFUPL", set: Upload, test: static (m, ref _) => Qmt.Lines(m, string.Create(CultureInfo.InvariantCulture, $"+QFUPL: <filename>[,(1-{Store(m).Free})[,(1-65535)[,(0,1)]]]"))),
        new("AT+QFLST", execute: static (m, ref _) => List(m, "*"), set: ListSet, test: static (m, ref _) => m.Ok()),
        new("AT+QFDEL", set: Delete, test: static (m, ref _) => Qmt.Lines(m, "+QFDEL: <filename>")),
        new("AT+QFLDS", execute: Space, set: SpaceSet, test: static (m, ref _) => Qmt.Lines(m, "+QFLDS: \"UFS\"")),
    ];

    /// <summary>The module's UFS: 1 MiB, 64 files (a BG95's real sizes are not documented; docs/quectel.md).</summary>
    internal sealed class Ufs() : ModuleFiles(64, 1 << 20);

    public static ModuleFiles Store(Modem m) => m.FamilyState<Ufs>();

    /// <summary>
    /// The stored name of <paramref name="text"/>: a <c>UFS:</c> prefix is the same file; any other drive (RAM:, SD:)
    /// or an empty or over-long name is not (false).
    /// </summary>
    public static bool Name(string text, out string name)
    {
        name = text.StartsWith("UFS:", StringComparison.OrdinalIgnoreCase) ? text[4..] : text;
        return name.Length > 0 && Encoding.UTF8.GetByteCount(text) <= MaxNameBytes && !name.Contains(':', StringComparison.Ordinal);
    }

    /// <summary>The checksum of +QFUPL: XOR of 16-bit words, each byte pair big-endian, an odd last byte the high half.</summary>
    public static int Checksum(ReadOnlySpan<byte> data)
    {
        int sum = 0;
        for (int i = 0; i < data.Length; i += 2)
        {
            sum ^= (data[i] << 8) | (i + 1 < data.Length ? data[i + 1] : 0);
        }

        return sum;
    }

    private static ValueTask Upload(Modem m, ref ArgReader a)
    {
        if (a.Count is < 1 or > 4 || !a.Str(0, int.MaxValue, 0, 0, out string text)
            || !a.OptInt(1, 1, int.MaxValue, 10240, 0, 0, out int size)
            || !a.OptInt(2, 1, 65535, 5, 0, 0, out int timeout)
            || !a.OptInt(3, 0, 0, 0, 0, 0, out _))
        {
            // ACK mode (1) is not simulated: the module would answer an A after each KiB (docs/quectel.md).
            return Qmt.Error(m);
        }

        var store = Store(m);
        if (!Name(text, out string name))
        {
            return Error(m, InvalidName);
        }

        if (store.Exists(name))
        {
            return Error(m, AlreadyExists);
        }

        if (!store.Fits(name, size))
        {
            return Error(m, DriveFull);
        }

        m.Response.Raw("\r\nCONNECT\r\n"u8);
        m.BeginDataPhase(size, ErrorLine(m, TimedOut), (modem, data) =>
        {
            if (!store.Write(name, data))
            {
                // Another upload took the space meanwhile.
                return Error(modem, DriveFull);
            }

            if (modem.FlashLog.ShouldLog())
            {
                modem.Log.LogInformation("AT+QFUPL stored {Length} bytes as UFS file \"{Name}\"", data.Length, name);
            }

            Qmt.Info(modem, string.Create(CultureInfo.InvariantCulture, $"+QFUPL: {data.Length},{Checksum(data):x}"));
            return modem.Ok();
        }, TimeSpan.FromSeconds(timeout));
        return ValueTask.CompletedTask;
    }

    private static ValueTask ListSet(Modem m, ref ArgReader a) =>
        a.Count != 1 || !a.Str(0, int.MaxValue, 0, 0, out string pattern) ? Qmt.Error(m) : List(m, pattern);

    /// <summary><c>"*"</c> (or <c>"UFS:*"</c>) lists every file, a name that one file.</summary>
    private static ValueTask List(Modem m, string pattern)
    {
        bool all = pattern is "*" || string.Equals(pattern, "UFS:*", StringComparison.OrdinalIgnoreCase);
        if (!all && !Name(pattern, out _))
        {
            return Error(m, InvalidName);
        }

        Name(pattern, out string name);
        foreach (var (file, size) in Store(m).List())
        {
            if (all || file == name)
            {
                Qmt.Info(m, string.Create(CultureInfo.InvariantCulture, $"+QFLST: \"{file}\",{size}"));
            }
        }

        return m.Ok();
    }

    private static ValueTask Delete(Modem m, ref ArgReader a)
    {
        if (a.Count != 1 || !a.Str(0, int.MaxValue, 0, 0, out string text))
        {
            return Qmt.Error(m);
        }

        var store = Store(m);
        if (text is "*" || string.Equals(text, "UFS:*", StringComparison.OrdinalIgnoreCase))
        {
            store.DeleteAll();
            return m.Ok();
        }

        return !Name(text, out string name) ? Error(m, InvalidName)
            : store.Delete(name) ? m.Ok()
            : Error(m, NotFound);
    }

    /// <summary>AT+QFLDS: the bytes and number of the files in UFS.</summary>
    private static ValueTask Space(Modem m, ref ArgReader a)
    {
        var files = Store(m).List();
        return Qmt.Lines(m, string.Create(CultureInfo.InvariantCulture, $"+QFLDS: {files.Sum(f => f.Size)},{files.Count}"));
    }

    /// <summary>AT+QFLDS="UFS": free and total bytes.</summary>
    private static ValueTask SpaceSet(Modem m, ref ArgReader a)
    {
        if (a.Count != 1 || !a.Str(0, 8, 0, 0, out string drive) || !string.Equals(drive, "UFS", StringComparison.OrdinalIgnoreCase))
        {
            return Qmt.Error(m);
        }

        var store = Store(m);
        return Qmt.Lines(m, string.Create(CultureInfo.InvariantCulture, $"+QFLDS: {store.Free},{store.Capacity}"));
    }

    /// <summary>A FILE error as AT+CMEE asks: <c>ERROR</c>, <c>+CME ERROR: &lt;code&gt;</c> or its text.</summary>
    private static ValueTask Error(Modem m, int code)
    {
        string line = ErrorLine(m, code);
        if (line == "ERROR")
        {
            return Qmt.Error(m);
        }

        m.Response.ErrorLine(line);
        return ValueTask.CompletedTask;
    }

    private static string ErrorLine(Modem m, int code) => m.Network.Cmee switch
    {
        1 => "+CME ERROR: " + code.ToString(CultureInfo.InvariantCulture),
        2 => "+CME ERROR: " + code switch
        {
            NotFound => "file not found",
            InvalidName => "invalid file name",
            AlreadyExists => "file already existed",
            DriveFull => "drive full",
            _ => "time out",
        },
        _ => "ERROR",
    };
}
