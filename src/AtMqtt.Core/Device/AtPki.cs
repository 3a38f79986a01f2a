using System.Buffers.Binary;

namespace AtMqtt.Core.Device;

/// <summary>What a look-up in an AtPKI bin found.</summary>
/// <param name="Content">The item's bytes (PEM or DER, as the file was); null when there is no such item.</param>
/// <param name="Problem">Why the partition's bytes are not an AtPKI bin; null when they are (or it is erased).</param>
public readonly record struct AtPkiItem(byte[]? Content, string? Problem);

/// <summary>
/// ESP-AT's PKI bin, the format its v2.x firmware reads from the certificate partitions (tools/AtPKI.py,
/// Espressif's "How to Generate PKI Files"): little-endian, magic <c>0xF1 0xF1</c>, a u16 item count, a
/// u32 length of what follows the 8-byte header, then per item a type (1 CA, 2 certificate, 3 key), an
/// ID (what <c>cert_key_ID</c> and <c>CA_ID</c> pick), a u16 content length, the content, and 0xFF
/// padding to a multiple of 4.
/// </summary>
public static class AtPki
{
    public const byte CaType = 0x01;
    public const byte CertificateType = 0x02;
    public const byte KeyType = 0x03;

    private const int HeaderBytes = 8;
    private const int ItemHeaderBytes = 4;

    /// <summary>
    /// The item of <paramref name="type"/> and <paramref name="id"/> in <paramref name="partition"/>.
    /// An erased partition (it starts with 0xFF bytes) holds nothing; other bytes that are not a whole
    /// AtPKI bin are a problem, named without quoting them.
    /// </summary>
    public static AtPkiItem Find(ReadOnlySpan<byte> partition, byte type, int id)
    {
        if (partition.IsEmpty || !partition[..Math.Min(HeaderBytes, partition.Length)].ContainsAnyExcept((byte)0xFF))
        {
            return default;
        }

        if (partition.Length < HeaderBytes || partition[0] != 0xF1 || partition[1] != 0xF1)
        {
            return new AtPkiItem(null, "does not start with the AtPKI magic 0xF1 0xF1 (write the bin AtPKI.py makes, not the PEM file itself)");
        }

        int count = BinaryPrimitives.ReadUInt16LittleEndian(partition[2..]);
        uint length = BinaryPrimitives.ReadUInt32LittleEndian(partition[4..]);
        if (length > (uint)(partition.Length - HeaderBytes))
        {
            return new AtPkiItem(null, $"announces {length} bytes of items, more than the partition holds");
        }

        var items = partition.Slice(HeaderBytes, (int)length);
        byte[]? found = null;
        for (int i = 0; i < count; i++)
        {
            if (items.Length < ItemHeaderBytes)
            {
                return new AtPkiItem(null, $"announces {count} items but holds {i}");
            }

            byte itemType = items[0];
            byte itemId = items[1];
            int contentLength = BinaryPrimitives.ReadUInt16LittleEndian(items[2..]);
            int padded = (contentLength + 3) & ~3;
            if (itemType is < CaType or > KeyType)
            {
                return new AtPkiItem(null, $"item {i} has type {itemType} (1 CA, 2 certificate, 3 key expected)");
            }

            if (items.Length - ItemHeaderBytes < padded)
            {
                return new AtPkiItem(null, $"item {i} runs past the announced length");
            }

            if (found is null && itemType == type && itemId == id)
            {
                found = items.Slice(ItemHeaderBytes, contentLength).ToArray();
            }

            items = items[(ItemHeaderBytes + padded)..];
        }

        return items.IsEmpty ? new AtPkiItem(found, null)
            : new AtPkiItem(null, $"holds {items.Length} bytes after its {count} items");
    }
}
