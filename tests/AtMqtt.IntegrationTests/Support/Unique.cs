namespace AtMqtt.IntegrationTests.Support;

/// <summary>Topics and client ids no other test (running in parallel) uses.</summary>
public static class Unique
{
    public static string Id(string prefix) => $"{prefix}-{Guid.NewGuid().ToString("N")[..10]}";

    public static string Topic(string prefix) => $"it/{prefix}/{Guid.NewGuid().ToString("N")[..10]}";
}
