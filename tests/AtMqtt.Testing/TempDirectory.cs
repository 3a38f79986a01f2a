namespace AtMqtt.Testing;

/// <summary>A fresh directory for one test's files (links, transcripts, keys), deleted with everything in it on dispose.</summary>
public sealed class TempDirectory : IDisposable
{
    /// <summary>Creates a directory named <c>atmqtt-</c><paramref name="prefix"/><c>-...</c> under the system's temporary directory.</summary>
    public TempDirectory(string prefix = "test") => FullName = Directory.CreateTempSubdirectory($"atmqtt-{prefix}-").FullName;

    /// <summary>The directory's full path.</summary>
    public string FullName { get; }

    /// <summary>The full path of <paramref name="name"/> in this directory.</summary>
    public string PathOf(string name) => Path.Combine(FullName, name);

    /// <summary>Deletes the directory and its contents (best effort: a test's own outcome matters more).</summary>
    public void Dispose()
    {
        try
        {
            Directory.Delete(FullName, recursive: true);
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }
    }
}
