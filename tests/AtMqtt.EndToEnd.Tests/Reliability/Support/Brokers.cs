using System.Diagnostics;
using System.Globalization;

namespace AtMqtt.EndToEnd.Tests.Reliability.Support;

/// <summary>mosquitto set-ups of this project; every test that stops a broker starts its own.</summary>
public static class Brokers
{
    public const string User = "modem";
    public const string Password = "right-password";

    /// <summary>
    /// A mosquitto that keeps sessions and queued messages across a restart: persistence on, saved in
    /// its own temporary directory when it stops gracefully (<see cref="RestartGracefullyAsync"/>).
    /// </summary>
    public static Task<MosquittoBroker> StartPersistentAsync() =>
        MosquittoBroker.StartAsync(["persistence true", $"persistence_location {MosquittoBroker.DirPlaceholder}/"]);

    /// <summary>A mosquitto that accepts only <see cref="User"/> / <see cref="Password"/>.</summary>
    public static Task<MosquittoBroker> StartWithPasswordAsync() =>
        MosquittoBroker.StartAsync(
            ["allow_anonymous false", $"password_file {MosquittoBroker.DirPlaceholder}/passwd"],
            new Dictionary<string, string> { ["passwd"] = MosquittoBroker.PasswordFileLine(User, Password) + "\n" });

    /// <summary>
    /// Stops the broker with SIGTERM (it disconnects its clients and writes its persistence file, as
    /// an orderly service restart does), waits for it to exit, and starts it again on the same port.
    /// </summary>
    public static async Task RestartGracefullyAsync(MosquittoBroker broker)
    {
        await TerminateAsync(broker);
        await broker.RestartAsync();
    }

    /// <summary>SIGTERM to the broker's process and a wait for its exit.</summary>
    public static async Task TerminateAsync(MosquittoBroker broker)
    {
        int pid = FindPid(broker.ConfigPath) ?? throw new InvalidOperationException($"No mosquitto process runs {broker.ConfigPath}. Log:\n{broker.Log}");
        using (var kill = Process.Start(new ProcessStartInfo("kill") { ArgumentList = { "-TERM", pid.ToString(CultureInfo.InvariantCulture) }, UseShellExecute = false })!)
        {
            await kill.WaitForExitAsync();
        }

        var sw = Stopwatch.StartNew();
        while (broker.IsRunning)
        {
            if (sw.Elapsed > TimeSpan.FromSeconds(10))
            {
                throw new TimeoutException($"mosquitto (pid {pid}) still running 10 s after SIGTERM. Log:\n{broker.Log}");
            }

            await Task.Delay(20);
        }
    }

    /// <summary>The pid of the mosquitto started with <paramref name="configPath"/> (unique per broker: its own temp directory).</summary>
    private static int? FindPid(string configPath)
    {
        foreach (var dir in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(dir), NumberStyles.None, CultureInfo.InvariantCulture, out int pid))
            {
                continue;
            }

            string cmdline;
            try
            {
                cmdline = File.ReadAllText(Path.Combine(dir, "cmdline"));
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                continue;
            }

            var args = cmdline.Split('\0');
            if (args.Length >= 3 && Path.GetFileName(args[0]) == "mosquitto" && args.Contains(configPath))
            {
                return pid;
            }
        }

        return null;
    }
}
