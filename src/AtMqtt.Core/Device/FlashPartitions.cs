namespace AtMqtt.Core.Device;

/// <summary>One user partition as <c>AT+SYSFLASH?</c> lists it (ESP-IDF partition table fields).</summary>
/// <param name="Name">As at_customize.csv names it.</param>
/// <param name="Type">0x40 (64) for ESP-AT's own data partitions, 1 (data) for the file system.</param>
/// <param name="Subtype">The partition's subtype.</param>
/// <param name="Address">Where it starts in the module's flash.</param>
/// <param name="Size">Its size in bytes.</param>
public sealed record FlashPartition(string Name, int Type, int Subtype, int Address, int Size)
{
    /// <summary>ESP-AT reads and writes only partitions of type 0x40 (espressif/esp-at#67: "we just support the partition which type is 0x40").</summary>
    public bool Usable => Type == FlashPartitions.AtDataType;
}

/// <summary>
/// The user partitions of an ESP-AT v2.x module (<c>AT+SYSFLASH</c>): NOR flash that reads 0xFF once
/// erased, is erased in 4 KB sectors and written only where erased. The TLS schemes read the MQTT
/// certificates from <c>mqtt_cert</c>, <c>mqtt_key</c> and <c>mqtt_ca</c>, each an AtPKI bin
/// (<see cref="AtPki"/>). A partition takes memory only once something erased or wrote it; in all at
/// most the sizes of the table.
/// </summary>
/// <remarks>Not thread-safe on its own: <see cref="Flash"/> serialises access.</remarks>
public sealed class FlashPartitions
{
    /// <summary>ESP-AT's type for its own data partitions.</summary>
    public const int AtDataType = 0x40;

    /// <summary>Erase granularity: a flash sector.</summary>
    public const int SectorBytes = 4096;

    private readonly Dictionary<string, byte[]> _contents = new(StringComparer.Ordinal);

    /// <summary>
    /// The ESP32 table of ESP-AT v2.x (at_customize.csv), as <c>AT+SYSFLASH?</c> prints it in Espressif's
    /// "How to Generate PKI Files" page and in espressif/esp-at#418: each MQTT partition is 8 KB.
    /// </summary>
    public static IReadOnlyList<FlashPartition> Esp32Table { get; } =
    [
        new("ble_data", AtDataType, 1, 0x21000, 0x3000),
        new("server_cert", AtDataType, 2, 0x24000, 0x2000),
        new("server_key", AtDataType, 3, 0x26000, 0x2000),
        new("server_ca", AtDataType, 4, 0x28000, 0x2000),
        new("client_cert", AtDataType, 5, 0x2a000, 0x2000),
        new("client_key", AtDataType, 6, 0x2c000, 0x2000),
        new("client_ca", AtDataType, 7, 0x2e000, 0x2000),
        new("factory_param", AtDataType, 8, 0x30000, 0x1000),
        new("wpa2_cert", AtDataType, 9, 0x31000, 0x2000),
        new("wpa2_key", AtDataType, 10, 0x33000, 0x2000),
        new("wpa2_ca", AtDataType, 11, 0x35000, 0x2000),
        new("mqtt_cert", AtDataType, 12, 0x37000, 0x2000),
        new("mqtt_key", AtDataType, 13, 0x39000, 0x2000),
        new("mqtt_ca", AtDataType, 14, 0x3b000, 0x2000),
        new("fatfs", 1, 129, 0x70000, 0x90000),
    ];

    public IReadOnlyList<FlashPartition> Table => Esp32Table;

    /// <summary>The partition named <paramref name="name"/> (exact, as the table writes it), or null.</summary>
    public FlashPartition? Find(string name)
    {
        foreach (var p in Table)
        {
            if (p.Name == name)
            {
                return p;
            }
        }

        return null;
    }

    /// <summary>Sets the range back to 0xFF.</summary>
    public void Erase(FlashPartition partition, int offset, int length)
    {
        if (_contents.TryGetValue(partition.Name, out var bytes))
        {
            bytes.AsSpan(offset, length).Fill(0xFF);
        }
    }

    /// <summary>True when every byte of the range reads 0xFF (erased, or never written).</summary>
    public bool IsErased(FlashPartition partition, int offset, int length) =>
        !_contents.TryGetValue(partition.Name, out var bytes) || !bytes.AsSpan(offset, length).ContainsAnyExcept((byte)0xFF);

    /// <summary>Writes <paramref name="data"/> at <paramref name="offset"/> (the caller checked the range is erased and inside).</summary>
    public void Write(FlashPartition partition, int offset, ReadOnlySpan<byte> data)
    {
        if (!_contents.TryGetValue(partition.Name, out var bytes))
        {
            bytes = new byte[partition.Size];
            bytes.AsSpan().Fill(0xFF);
            _contents[partition.Name] = bytes;
        }

        data.CopyTo(bytes.AsSpan(offset));
    }

    /// <summary>A copy of the range.</summary>
    public byte[] Read(FlashPartition partition, int offset, int length)
    {
        var copy = new byte[length];
        if (_contents.TryGetValue(partition.Name, out var bytes))
        {
            bytes.AsSpan(offset, length).CopyTo(copy);
        }
        else
        {
            copy.AsSpan().Fill(0xFF);
        }

        return copy;
    }

    /// <summary>The whole partition (null while it was never written: all 0xFF).</summary>
    internal ReadOnlySpan<byte> Contents(string name) => _contents.TryGetValue(name, out var bytes) ? bytes : default;
}
