namespace AtMqtt.Modem.Tests.Support;

/// <summary>Programs a test runs beside the modem (mosquitto_pub...), found on PATH.</summary>
internal static class Tools
{
    /// <summary>
    /// The program's path, or null when it is not installed. Under CI=true a missing program is a failure:
    /// ./test.sh installs it there.
    /// </summary>
    public static string? Find(string name, string package)
    {
        foreach (string dir in (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries))
        {
            string candidate = Path.Combine(dir, name);
            if (File.Exists(candidate))
            {
                return candidate;
            }
        }

        if (string.Equals(Environment.GetEnvironmentVariable("CI"), "true", StringComparison.OrdinalIgnoreCase))
        {
            throw new InvalidOperationException($"{name} is required under CI: install it with 'apt-get install -y {package}' (./test.sh does).");
        }

        return null;
    }
}
