using Xunit;

namespace AtMqtt.Modem.Tests.Testing;

public class ModemProcessTests
{
    [Fact]
    public async Task StartAsync_RunsAnExplicitDllAndReportsItsExit()
    {
        // The test assembly itself is runnable with `dotnet` (its generated Main returns at once),
        // which exercises the launch plumbing without needing the modem to be built.
        var self = typeof(ModemProcessTests).Assembly.Location;
        await using var process = await ModemProcess.StartAsync(["--ignored"], null, self);

        Assert.Equal(0, await process.WaitForExitAsync(TimeSpan.FromSeconds(10)));
        Assert.True(process.HasExited);
        process.Kill(); // no-op once exited
    }
}
