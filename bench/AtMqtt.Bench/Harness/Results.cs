using System.Diagnostics;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace AtMqtt.Bench.Harness;

/// <summary>bench/results/latest.json: one section per verb, each replaced when its verb runs again.</summary>
internal static class Results
{
    public static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { WriteIndented = true };

    public static string RepoRoot { get; } = FindRepoRoot();

    public static string LatestPath => Path.Combine(RepoRoot, "bench", "results", "latest.json");

    public static JsonObject Load()
    {
        if (File.Exists(LatestPath))
        {
            try
            {
                if (JsonNode.Parse(File.ReadAllText(LatestPath)) is JsonObject existing)
                {
                    return existing;
                }
            }
            catch (JsonException)
            {
            }
        }

        return new JsonObject();
    }

    /// <summary>Stores one verb's section (and the machine and broker it ran on) in latest.json.</summary>
    public static void Save<T>(string section, T value, string? broker)
    {
        var root = Load();
        root["schema"] = 1;
        root["updated"] = DateTime.UtcNow.ToString("u", System.Globalization.CultureInfo.InvariantCulture);
        root["machine"] = JsonSerializer.SerializeToNode(MachineInfo.Current, Json);
        if (broker is not null)
        {
            root["broker"] = broker;
        }

        var node = JsonSerializer.SerializeToNode(value, Json);
        if (node is JsonObject obj)
        {
            // Other work on the machine moves every figure; say how busy it was.
            obj["loadAverage"] = LoadAverage();
        }

        root[section] = node;
        Directory.CreateDirectory(Path.GetDirectoryName(LatestPath)!);
        File.WriteAllText(LatestPath, root.ToJsonString(Json) + "\n");
        Console.WriteLine($"[results] {section} → {Path.GetRelativePath(Environment.CurrentDirectory, LatestPath)}");
    }

    /// <summary>The 1-minute load average (Linux), or -1.</summary>
    public static double LoadAverage()
    {
        try
        {
            return double.Parse(File.ReadAllText("/proc/loadavg").Split(' ')[0], System.Globalization.CultureInfo.InvariantCulture);
        }
        catch (Exception ex) when (ex is IOException or FormatException or UnauthorizedAccessException)
        {
            return -1;
        }
    }

    public static T? Section<T>(JsonObject root, string name)
        where T : class =>
        root[name] is JsonNode node ? node.Deserialize<T>(Json) : null;

    private static string FindRepoRoot()
    {
        foreach (var start in new[] { AppContext.BaseDirectory, Environment.CurrentDirectory })
        {
            for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
            {
                if (File.Exists(Path.Combine(dir.FullName, "AtMqtt.sln")))
                {
                    return dir.FullName;
                }
            }
        }

        return Environment.CurrentDirectory;
    }
}

/// <summary>What the figures were measured on.</summary>
internal sealed record MachineInfo(string Cpu, int Cores, string Os, string Runtime, string Commit, bool Dirty)
{
    public static MachineInfo Current { get; } = Read();

    private static MachineInfo Read()
    {
        string cpu = "unknown";
        try
        {
            cpu = File.ReadLines("/proc/cpuinfo").FirstOrDefault(l => l.StartsWith("model name", StringComparison.Ordinal))?.Split(':', 2)[1].Trim() ?? cpu;
        }
        catch (IOException)
        {
        }

        string commit = Git("rev-parse --short HEAD").Trim();
        bool dirty = Git("status --porcelain --untracked-files=no").Trim().Length > 0;
        return new MachineInfo(cpu, Environment.ProcessorCount, System.Runtime.InteropServices.RuntimeInformation.OSDescription,
            System.Runtime.InteropServices.RuntimeInformation.FrameworkDescription, commit.Length > 0 ? commit : "unknown", dirty);
    }

    private static string Git(string arguments)
    {
        try
        {
            var psi = new ProcessStartInfo("git", arguments)
            {
                WorkingDirectory = Results.RepoRoot,
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                UseShellExecute = false,
            };
            using var p = Process.Start(psi)!;
            string output = p.StandardOutput.ReadToEnd();
            p.WaitForExit(5000);
            return p.ExitCode == 0 ? output : "";
        }
        catch (Exception ex) when (ex is System.ComponentModel.Win32Exception or InvalidOperationException)
        {
            return "";
        }
    }
}
