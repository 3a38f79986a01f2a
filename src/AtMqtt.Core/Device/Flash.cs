namespace AtMqtt.Core.Device;

/// <summary>Which MQTT PKI file: the broker's CA, the module's certificate, its private key.</summary>
public enum PkiKind
{
    Ca,
    Certificate,
    Key,
}

/// <summary>What the module's flash holds for one MQTT PKI file.</summary>
/// <param name="Origin">Where it was found, for messages (<c>AT+SYSMFG "mqtt_ca","mqtt_ca"</c>); null when nothing was.</param>
/// <param name="Content">The bytes as written (PEM or DER); null when nothing usable was found.</param>
/// <param name="Problem">Why what is there cannot be read (a partition that is not an AtPKI bin); never quotes it.</param>
public readonly record struct FlashCertificate(string? Origin, byte[]? Content, string? Problem)
{
    public bool IsEmpty => Origin is null;
}

/// <summary>
/// The module's flash beyond its settings: the user partitions (<c>AT+SYSFLASH</c>, ESP-AT v2.x) and the
/// manufacturing NVS (<c>AT+SYSMFG</c>, v3 and later). Like a module's flash it outlives AT+RST and, as
/// on ESP-AT (whose AT+RESTORE resets only the settings in the <c>nvs</c> partition), AT+RESTORE too.
/// Per modem; at most the partitions' sizes in memory.
/// </summary>
public sealed class Flash
{
    /// <summary>Held by whoever reads or changes <see cref="Partitions"/> or <see cref="Nvs"/>.</summary>
    public Lock Gate { get; } = new();

    public FlashPartitions Partitions { get; } = new();

    public MfgNvs Nvs { get; } = new();

    /// <summary>The namespace (v3+) and the partition (v2.x) that hold one kind of MQTT PKI file.</summary>
    public static string StoreName(PkiKind kind) => kind switch
    {
        PkiKind.Ca => "mqtt_ca",
        PkiKind.Certificate => "mqtt_cert",
        _ => "mqtt_key",
    };

    /// <summary>
    /// The MQTT PKI file of <paramref name="kind"/> for <paramref name="id"/> (<c>cert_key_ID</c> or
    /// <c>CA_ID</c>): first the mfg_nvs namespace (key <c>mqtt_ca</c>, as ESP-AT's mfg_nvs.py names the one
    /// file of a namespace, or <c>mqtt_ca.0</c>; <c>mqtt_ca.N</c> for ID N), then the partition's AtPKI
    /// item of that type and ID. A profile offers only one of AT+SYSMFG and AT+SYSFLASH, so only one of
    /// the two can hold anything.
    /// </summary>
    public FlashCertificate Find(PkiKind kind, int id)
    {
        string name = StoreName(kind);
        lock (Gate)
        {
            string[] keys = id == 0 ? [name, name + ".0"] : [$"{name}.{id}"];
            foreach (string key in keys)
            {
                if (Nvs.Get(name, key) is { } entry)
                {
                    return new FlashCertificate($"AT+SYSMFG \"{name}\",\"{key}\"", entry.Value, null);
                }
            }

            byte type = kind switch { PkiKind.Ca => AtPki.CaType, PkiKind.Certificate => AtPki.CertificateType, _ => AtPki.KeyType };
            var item = AtPki.Find(Partitions.Contents(name), type, id);
            string origin = $"AT+SYSFLASH \"{name}\"";
            return item.Problem is not null ? new FlashCertificate(origin, null, item.Problem)
                : item.Content is not null ? new FlashCertificate($"{origin} (AtPKI item {type}, ID {id})", item.Content, null)
                : default;
        }
    }
}
