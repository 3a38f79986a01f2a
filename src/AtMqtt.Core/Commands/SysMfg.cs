using System.Globalization;
using System.Text;
using AtMqtt.Core.Device;
using AtMqtt.Core.Parsing;
using Microsoft.Extensions.Logging;

namespace AtMqtt.Core.Commands;

/// <summary>
/// AT+SYSMFG (ESP-AT v3 and later, docs/certificates.md), the manufacturing NVS partition's key-value pairs:
/// <c>AT+SYSMFG?</c> (or <c>=1</c>) lists the namespaces; <c>=0,"ns"[,"key"]</c> erases a namespace or a
/// key; <c>=1,"ns"</c> lists its keys and types, <c>=1,"ns","key"[,offset,length]</c> reads a value
/// (<c>+SYSMFG:"ns","key",type,length,value</c>); <c>=2,"ns","key",type,value</c> writes one: types 1..6
/// take the number itself, 7 (string) and 8 (binary) the length, then <c>OK</c> <c>&gt;</c>, the bytes, <c>OK</c>.
/// </summary>
internal static class SysMfg
{
    private const int Erase = 0;
    private const int Read = 1;
    private const int Write = 2;

    public static readonly Command[] Commands = [new("AT+SYSMFG", query: static (m, ref _) => Namespaces(m), set: Set)];

    /// <summary>Types 1..6: u8, i8, u16, i16, u32, i32.</summary>
    private static readonly (long Min, long Max)[] NumberRanges =
    [
        (byte.MinValue, byte.MaxValue),
        (sbyte.MinValue, sbyte.MaxValue),
        (ushort.MinValue, ushort.MaxValue),
        (short.MinValue, short.MaxValue),
        (uint.MinValue, uint.MaxValue),
        (int.MinValue, int.MaxValue),
    ];

    private static ValueTask Namespaces(Modem m)
    {
        foreach (string ns in MfgNvs.Namespaces)
        {
            m.Response.Line($"+SYSMFG:\"{ns}\"");
        }

        return m.Ok();
    }

    private static ValueTask Set(Modem m, ref ArgReader a)
    {
        if (!a.Arity(1, 5) || !a.Int(0, Erase, Write, out int operation))
        {
            return m.Fail(a.Error);
        }

        if (operation == Read && a.Count == 1)
        {
            return Namespaces(m);
        }

        if (!DeviceArgs.Text(ref a, 1, MfgNvs.MaxNameBytes, out string ns))
        {
            return m.Fail(a.Error);
        }

        if (!MfgNvs.IsNamespace(ns))
        {
            return m.Fail(DeviceArgs.ExecFail);
        }

        string? key = null;
        if (a.Count > 2 && !Key(ref a, out key))
        {
            return m.Fail(a.Error);
        }

        return operation switch
        {
            Erase => EraseValue(m, ref a, ns, key),
            Read => ReadValue(m, ref a, ns, key),
            _ => WriteValue(m, ref a, ns, key),
        };
    }

    private static bool Key(ref ArgReader a, out string key)
    {
        if (!DeviceArgs.Text(ref a, 2, MfgNvs.MaxNameBytes, out key))
        {
            return false;
        }

        return key.Length > 0 || a.Fail(ErrorCode.ParamInvalid(2));
    }

    private static ValueTask EraseValue(Modem m, ref ArgReader a, string ns, string? key)
    {
        if (!a.Arity(2, 3))
        {
            return m.Fail(a.Error);
        }

        var flash = m.Device.Flash;
        lock (flash.Gate)
        {
            if (key is null)
            {
                flash.Nvs.Erase(ns);
            }
            else if (!flash.Nvs.Erase(ns, key))
            {
                // NVS answers ESP_ERR_NVS_NOT_FOUND for a key that is not there.
                return m.Fail(DeviceArgs.ExecFail);
            }
        }

        Log(m, "erased", ns, key, null);
        return m.Ok();
    }

    private static ValueTask ReadValue(Modem m, ref ArgReader a, string ns, string? key)
    {
        var flash = m.Device.Flash;
        if (key is null)
        {
            IReadOnlyList<(string Key, NvsEntry Entry)> keys;
            lock (flash.Gate)
            {
                keys = flash.Nvs.Keys(ns);
            }

            foreach (var (k, entry) in keys)
            {
                m.Response.Line(string.Create(CultureInfo.InvariantCulture, $"+SYSMFG:\"{ns}\",\"{k}\",{entry.Type}"));
            }

            return m.Ok();
        }

        if (a.Count == 4)
        {
            return m.Fail(ErrorCode.ParamCount(5, 4));
        }

        NvsEntry? value;
        lock (flash.Gate)
        {
            value = flash.Nvs.Get(ns, key);
        }

        if (value is null)
        {
            return m.Fail(DeviceArgs.ExecFail);
        }

        int offset = 0;
        int length = value.Value.Length;
        if (a.Count == 5)
        {
            if (!DeviceArgs.Number(ref a, 3, 0, Math.Max(0, value.Value.Length - 1), out long o)
                || !DeviceArgs.Number(ref a, 4, 1, value.Value.Length - o, out long n))
            {
                return m.Fail(a.Error);
            }

            (offset, length) = ((int)o, (int)n);
        }

        m.Response.Raw(Encoding.UTF8.GetBytes(string.Create(CultureInfo.InvariantCulture, $"+SYSMFG:\"{ns}\",\"{key}\",{value.Type},{length},")));
        m.Response.Line(value.Value.AsSpan(offset, length));
        return m.Ok();
    }

    private static ValueTask WriteValue(Modem m, ref ArgReader a, string ns, string? key)
    {
        if (!a.Arity(5, 5) || !a.Int(3, 1, NvsEntry.Binary, out int type))
        {
            return m.Fail(a.Error);
        }

        if (type < NvsEntry.String)
        {
            var (min, max) = NumberRanges[type - 1];
            if (!DeviceArgs.Number(ref a, 4, min, max, out long number))
            {
                return m.Fail(a.Error);
            }

            return Store(m, ns, key!, new NvsEntry(type, Encoding.ASCII.GetBytes(number.ToString(CultureInfo.InvariantCulture))));
        }

        if (!DeviceArgs.Number(ref a, 4, 1, type == NvsEntry.String ? MfgNvs.MaxStringBytes : MfgNvs.MaxBinaryBytes, out long length))
        {
            return m.Fail(a.Error);
        }

        m.Response.Ok();
        m.Response.Raw("\r\n>"u8);
        string k = key!;
        m.BeginDataPhase((int)length, "ERROR", (modem, data) => Store(modem, ns, k, new NvsEntry(type, data)));
        return ValueTask.CompletedTask;
    }

    private static ValueTask Store(Modem m, string ns, string key, NvsEntry entry)
    {
        var flash = m.Device.Flash;
        bool stored;
        lock (flash.Gate)
        {
            stored = flash.Nvs.Set(ns, key, entry);
        }

        if (!stored)
        {
            // ESP_ERR_NVS_NOT_ENOUGH_SPACE.
            return m.Fail(DeviceArgs.ExecFail);
        }

        Log(m, "wrote", ns, key, entry);
        return m.Ok();
    }

    private static void Log(Modem m, string what, string ns, string? key, NvsEntry? entry)
    {
        if (!m.FlashLog.ShouldLog())
        {
            return;
        }

        string name = key is null ? $"namespace \"{ns}\"" : $"\"{ns}\",\"{key}\"";
        if (entry is null)
        {
            m.Log.LogInformation("AT+SYSMFG {What} {Entry}", what, name);
        }
        else
        {
            m.Log.LogInformation("AT+SYSMFG {What} {Entry}: type {Type}, {Length} bytes", what, name, entry.Type, entry.Value.Length);
        }
    }
}
