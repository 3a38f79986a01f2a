using System.Globalization;
using AtMqtt.Core.Device;
using AtMqtt.Core.Parsing;
using Microsoft.Extensions.Logging;

namespace AtMqtt.Core.Commands;

/// <summary>
/// AT+SYSFLASH (ESP-AT v2.x, docs/certificates.md): <c>AT+SYSFLASH?</c> lists the user partitions;
/// <c>AT+SYSFLASH=&lt;operation&gt;,&lt;"partition"&gt;[,&lt;offset&gt;,&lt;length&gt;]</c> erases (0: the whole
/// partition, or whole 4 KB sectors), writes (1: <c>&gt;</c>, then exactly &lt;length&gt; raw bytes, then
/// <c>OK</c>; only where erased) or reads (2: <c>+SYSFLASH:&lt;length&gt;,&lt;data&gt;</c>). Offsets and
/// lengths may be written in hexadecimal (<c>0x2000</c>), as Espressif's own example does.
/// </summary>
internal static class SysFlash
{
    private const int Erase = 0;
    private const int Write = 1;
    private const int Read = 2;

    public static readonly Command[] Commands = [new("AT+SYSFLASH", query: Query, set: Set)];

    private static ValueTask Query(Modem m, ref ArgReader a)
    {
        foreach (var p in m.Device.Flash.Partitions.Table)
        {
            m.Response.Line(string.Create(CultureInfo.InvariantCulture, $"+SYSFLASH:\"{p.Name}\",{p.Type},{p.Subtype},0x{p.Address:x},0x{p.Size:x}"));
        }

        return m.Ok();
    }

    private static ValueTask Set(Modem m, ref ArgReader a)
    {
        if (!a.Arity(2, 4) || !a.Int(0, Erase, Read, out int operation) || !DeviceArgs.Text(ref a, 1, 64, out string name))
        {
            return m.Fail(a.Error);
        }

        var flash = m.Device.Flash;
        var partition = flash.Partitions.Find(name);
        if (partition is not { Usable: true })
        {
            // Unknown, or not an ESP-AT data partition (fatfs): espressif/esp-at#67 shows 0x010a0000.
            return m.Fail(DeviceArgs.ExecFail);
        }

        int offset = 0;
        int length = partition.Size;
        if (operation != Erase || a.Count > 2)
        {
            if (!a.Arity(4, 4)
                || !DeviceArgs.Number(ref a, 2, 0, partition.Size - 1, out long o)
                || !DeviceArgs.Number(ref a, 3, 1, partition.Size - o, out long n))
            {
                return m.Fail(a.Error);
            }

            (offset, length) = ((int)o, (int)n);
        }

        if (operation == Erase)
        {
            if (offset % FlashPartitions.SectorBytes != 0)
            {
                return m.Fail(ErrorCode.ParamInvalid(2));
            }

            if (length % FlashPartitions.SectorBytes != 0)
            {
                return m.Fail(ErrorCode.ParamInvalid(3));
            }

            lock (flash.Gate)
            {
                flash.Partitions.Erase(partition, offset, length);
            }

            Log(m, "erased", partition, offset, length);
            return m.Ok();
        }

        if (operation == Read)
        {
            byte[] data;
            lock (flash.Gate)
            {
                data = flash.Partitions.Read(partition, offset, length);
            }

            m.Response.Raw(System.Text.Encoding.ASCII.GetBytes(string.Create(CultureInfo.InvariantCulture, $"+SYSFLASH:{length},")));
            m.Response.Line(data);
            return m.Ok();
        }

        bool erased;
        lock (flash.Gate)
        {
            erased = flash.Partitions.IsErased(partition, offset, length);
        }

        if (!erased)
        {
            // NOR flash only clears bits: written over old data, a certificate would come out garbled.
            // ESP-AT's page says "make sure that you have already erased this partition"; refused here.
            return m.Fail(DeviceArgs.ExecFail);
        }

        m.Response.Raw("\r\n>"u8);
        m.BeginDataPhase(length, "ERROR", (modem, data) =>
        {
            lock (flash.Gate)
            {
                flash.Partitions.Write(partition, offset, data);
            }

            Log(modem, "wrote", partition, offset, data.Length);
            return modem.Ok();
        });
        return ValueTask.CompletedTask;
    }

    private static void Log(Modem m, string what, FlashPartition partition, int offset, int length)
    {
        if (m.FlashLog.ShouldLog())
        {
            m.Log.LogInformation("AT+SYSFLASH {What} {Length} bytes of partition \"{Partition}\" at offset {Offset}", what, length, partition.Name, offset);
        }
    }
}
