namespace AtMqtt.Core.Device;

/// <summary>
/// A cellular module's own file store for TLS files (Quectel's UFS written with AT+QFUPL, SIMCom's certificate
/// store written with AT+CCERTDOWN): named files, in the order first written, bounded by a file count and a total
/// size. Per modem, in memory; like the module's flash it outlives AT+CFUN and the reset pin. Thread-safe.
/// </summary>
public class ModuleFiles(int maxFiles, int capacityBytes)
{
    private readonly Lock _gate = new();
    private readonly List<(string Name, byte[] Content)> _files = [];

    public int MaxFiles => maxFiles;

    public int Capacity => capacityBytes;

    /// <summary>Bytes not taken by a file.</summary>
    public int Free
    {
        get
        {
            lock (_gate)
            {
                return capacityBytes - Used();
            }
        }
    }

    /// <summary>Each file's name and size, in the order written.</summary>
    public IReadOnlyList<(string Name, int Size)> List()
    {
        lock (_gate)
        {
            return [.. _files.Select(f => (f.Name, f.Content.Length))];
        }
    }

    public bool Exists(string name)
    {
        lock (_gate)
        {
            return IndexOf(name) >= 0;
        }
    }

    /// <summary>The file's bytes (the caller must not change them), or null.</summary>
    public byte[]? Read(string name)
    {
        lock (_gate)
        {
            int i = IndexOf(name);
            return i < 0 ? null : _files[i].Content;
        }
    }

    /// <summary>Whether <paramref name="size"/> more bytes fit (as a new file, or replacing <paramref name="name"/>).</summary>
    public bool Fits(string name, int size)
    {
        lock (_gate)
        {
            int i = IndexOf(name);
            int used = Used() - (i < 0 ? 0 : _files[i].Content.Length);
            return (i >= 0 || _files.Count < maxFiles) && used + size <= capacityBytes;
        }
    }

    /// <summary>Writes (or replaces) a file; false, and nothing changes, when it does not fit.</summary>
    public bool Write(string name, byte[] content)
    {
        lock (_gate)
        {
            if (!Fits(name, content.Length))
            {
                return false;
            }

            int i = IndexOf(name);
            if (i < 0)
            {
                _files.Add((name, content));
            }
            else
            {
                _files[i] = (name, content);
            }

            return true;
        }
    }

    public bool Delete(string name)
    {
        lock (_gate)
        {
            int i = IndexOf(name);
            if (i < 0)
            {
                return false;
            }

            _files.RemoveAt(i);
            return true;
        }
    }

    public void DeleteAll()
    {
        lock (_gate)
        {
            _files.Clear();
        }
    }

    private int IndexOf(string name) => _files.FindIndex(f => string.Equals(f.Name, name, StringComparison.Ordinal));

    private int Used() => _files.Sum(f => f.Content.Length);
}
