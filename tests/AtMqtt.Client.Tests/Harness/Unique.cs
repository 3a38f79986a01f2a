namespace AtMqtt.Client.Tests.Harness;

/// <summary>Topics and client IDs that no other test (running in parallel) uses.</summary>
public static class Unique
{
    public static string Id(string prefix) => $"{prefix}-{Guid.NewGuid().ToString("N")[..10]}";

    public static string Topic(string prefix) => $"ct/{prefix}/{Guid.NewGuid().ToString("N")[..10]}";
}
