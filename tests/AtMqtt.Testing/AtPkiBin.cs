using System.Buffers.Binary;

namespace AtMqtt.Testing;

/// <summary>
/// Builds the PKI bin that ESP-AT v2.x reads from its certificate partitions, as Espressif's
/// tools/AtPKI.py writes it (an implementation of its own, to check the modem's reader against):
/// little-endian magic 0xF1F1, item count (u16), length of the items (u32), then per item its type
/// (1 CA, 2 certificate, 3 key), its ID (the index among the items of that type), the content length
/// (u16), the content, and 0xFF up to a multiple of 4.
/// </summary>
public static class AtPkiBin
{
    /// <summary>The item types of AtPKI.py's PKI_LIST.</summary>
    public const byte Ca = 0x01;

    /// <summary>A certificate item.</summary>
    public const byte Certificate = 0x02;

    /// <summary>A private key item.</summary>
    public const byte Key = 0x03;

    /// <summary>
    /// The bin of <paramref name="items"/>, each given its ID by AtPKI.py's rule: the number of items of
    /// the same type before it.
    /// </summary>
    public static byte[] Build(params (byte Type, byte[] Content)[] items)
    {
        var body = new List<byte>();
        var ids = new Dictionary<byte, byte>();
        foreach (var (type, content) in items)
        {
            byte id = ids.GetValueOrDefault(type);
            ids[type] = (byte)(id + 1);
            body.Add(type);
            body.Add(id);
            body.Add((byte)(content.Length & 0xFF));
            body.Add((byte)(content.Length >> 8));
            body.AddRange(content);
            body.AddRange(Enumerable.Repeat((byte)0xFF, (4 - (content.Length % 4)) % 4));
        }

        var bin = new byte[8 + body.Count];
        bin[0] = 0xF1;
        bin[1] = 0xF1;
        BinaryPrimitives.WriteUInt16LittleEndian(bin.AsSpan(2), (ushort)items.Length);
        BinaryPrimitives.WriteUInt32LittleEndian(bin.AsSpan(4), (uint)body.Count);
        body.CopyTo(bin, 8);
        return bin;
    }
}
