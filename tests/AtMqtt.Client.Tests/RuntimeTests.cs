using System.Runtime.InteropServices;
using System.Runtime.Versioning;
using Xunit;
using Xunit.Abstractions;

namespace AtMqtt.Client.Tests;

/// <summary>
/// Each target's tests run on that target's runtime and against that target's build of the client: the
/// net8.0 run is self-contained with the .NET 8 runtime pack, where a framework-dependent run on a machine
/// with only .NET 10 would roll forward to 10 and prove nothing about .NET 8.
/// </summary>
public sealed class RuntimeTests(ITestOutputHelper output)
{
#if NET10_0
    private const int Expected = 10;
#elif NET8_0
    private const int Expected = 8;
#endif

    [Fact]
    public void The_tests_run_on_the_runtime_of_their_target_against_the_clients_build_for_it()
    {
        output.WriteLine($"{RuntimeInformation.FrameworkDescription} (Environment.Version {Environment.Version}) from {typeof(object).Assembly.Location}");
        Assert.True(Environment.Version.Major == Expected, $"{RuntimeInformation.FrameworkDescription}: expected .NET {Expected}");
        string clientTarget = typeof(AtMqttClient).Assembly.GetCustomAttributes(typeof(TargetFrameworkAttribute), false)
            .Cast<TargetFrameworkAttribute>().Single().FrameworkName;
        Assert.Equal($".NETCoreApp,Version=v{Expected}.0", clientTarget);
    }
}
