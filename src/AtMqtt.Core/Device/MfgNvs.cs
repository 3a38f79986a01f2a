namespace AtMqtt.Core.Device;

/// <summary>One key-value pair of the manufacturing NVS partition.</summary>
/// <param name="Type">AT+SYSMFG's type: 1 u8, 2 i8, 3 u16, 4 i16, 5 u32, 6 i32, 7 string, 8 binary.</param>
/// <param name="Value">The bytes (types 7, 8), or the decimal text of the number (types 1..6), as AT+SYSMFG=1 prints it.</param>
public sealed record NvsEntry(int Type, byte[] Value)
{
    public const int String = 7;
    public const int Binary = 8;

    /// <summary>Types 1..6 carry a number given on the command line; 7 and 8 come through a <c>&gt;</c> data phase.</summary>
    public bool IsNumber => Type < String;

    /// <summary>Never the bytes: a key's value must not reach a log.</summary>
    public override string ToString() => $"NvsEntry {{ Type = {Type}, {Value.Length} bytes }}";
}

/// <summary>
/// The manufacturing NVS partition of ESP-AT v3 and later (<c>AT+SYSMFG</c>): namespaces of key-value
/// pairs, kept across AT+RST and AT+RESTORE. The TLS schemes read the MQTT certificates from the
/// namespaces <c>mqtt_cert</c>, <c>mqtt_key</c> and <c>mqtt_ca</c>. Bounded by the partition's size.
/// </summary>
/// <remarks>Not thread-safe on its own: <see cref="Flash"/> serialises access.</remarks>
public sealed class MfgNvs
{
    /// <summary>The ESP32 mfg_nvs partition's size (0x1C000, Espressif's AT+SYSFLASH example): what all values together may take.</summary>
    public const int CapacityBytes = 0x1C000;

    /// <summary>NVS keys and namespaces have at most 15 characters (ESP-IDF's NVS_KEY_NAME_MAX_SIZE is 16 with the NUL).</summary>
    public const int MaxNameBytes = 15;

    /// <summary>ESP-IDF NVS: "String values are currently limited to 4000 bytes. This includes the null terminator."</summary>
    public const int MaxStringBytes = 3999;

    /// <summary>ESP-IDF NVS: a blob takes at most 97.6 % of the partition less 4000 bytes (and 508,000).</summary>
    public const int MaxBinaryBytes = (int)(CapacityBytes * 0.976) - 4000;

    private readonly Dictionary<string, List<(string Key, NvsEntry Entry)>> _namespaces = new(StringComparer.Ordinal);
    private int _used;

    /// <summary>
    /// The namespaces AT+SYSMFG? lists, in the order of Espressif's "AT+SYSMFG Command Examples" (ESP32):
    /// factory parameters, the SSL client and server PKI, the MQTT PKI. (That page shows "..." before
    /// the MQTT ones; the HTTPS, WSS, WPA2 and BLE namespaces behind it are left out: no command here uses them.)
    /// </summary>
    public static IReadOnlyList<string> Namespaces { get; } =
    [
        "factory_param",
        "client_cert",
        "client_key",
        "client_ca",
        "server_cert",
        "server_key",
        "server_ca",
        "mqtt_cert",
        "mqtt_key",
        "mqtt_ca",
    ];

    public static bool IsNamespace(string name) => Namespaces.Contains(name, StringComparer.Ordinal);

    /// <summary>The keys of <paramref name="ns"/> in the order they were first written.</summary>
    public IReadOnlyList<(string Key, NvsEntry Entry)> Keys(string ns) =>
        _namespaces.TryGetValue(ns, out var keys) ? [.. keys] : [];

    public NvsEntry? Get(string ns, string key)
    {
        if (_namespaces.TryGetValue(ns, out var keys))
        {
            foreach (var (k, entry) in keys)
            {
                if (k == key)
                {
                    return entry;
                }
            }
        }

        return null;
    }

    /// <summary>Writes (or replaces) a value; false when the partition has no room for it.</summary>
    public bool Set(string ns, string key, NvsEntry entry)
    {
        if (!_namespaces.TryGetValue(ns, out var keys))
        {
            keys = [];
            _namespaces[ns] = keys;
        }

        int index = keys.FindIndex(k => k.Key == key);
        int freed = index < 0 ? 0 : Cost(keys[index].Entry);
        int needed = Cost(entry);
        if (_used - freed + needed > CapacityBytes)
        {
            return false;
        }

        _used += needed - freed;
        if (index < 0)
        {
            keys.Add((key, entry));
        }
        else
        {
            keys[index] = (key, entry);
        }

        return true;
    }

    /// <summary>Erases one key; false when there is no such key.</summary>
    public bool Erase(string ns, string key)
    {
        if (!_namespaces.TryGetValue(ns, out var keys))
        {
            return false;
        }

        int index = keys.FindIndex(k => k.Key == key);
        if (index < 0)
        {
            return false;
        }

        _used -= Cost(keys[index].Entry);
        keys.RemoveAt(index);
        return true;
    }

    /// <summary>Erases every key of <paramref name="ns"/>.</summary>
    public void Erase(string ns)
    {
        if (_namespaces.Remove(ns, out var keys))
        {
            foreach (var (_, entry) in keys)
            {
                _used -= Cost(entry);
            }
        }
    }

    // An NVS entry is 32 bytes; its data takes whole entries after the first.
    private static int Cost(NvsEntry entry) => 32 + ((entry.Value.Length + 31) / 32 * 32);
}
