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

    /// <summary>A program that is not a .dll (the Native AOT atmqtt) is executed itself, not handed to dotnet.</summary>
    [Fact]
    [System.Runtime.Versioning.SupportedOSPlatform("linux")]
    public async Task StartAsync_RunsANativeExecutableDirectly()
    {
        await using var process = await ModemProcess.StartAsync(["-c", "echo native >&2; exit 7"], null, "/bin/sh");

        Assert.Equal(7, await process.WaitForExitAsync(TimeSpan.FromSeconds(10)));
        Assert.Equal("/bin/sh", process.ProgramPath);
        await process.WaitForStdErrAsync("native");
    }

    [Fact]
    [System.Runtime.Versioning.SupportedOSPlatform("linux")]
    public void FindModemProgram_TakesTheOverride_AndRefusesAWrongOne()
    {
        Assert.Equal("/bin/sh", ModemProcess.FindModemProgram("/bin/sh"));
        Assert.Equal(ModemProcess.FindModemDll(), ModemProcess.FindModemProgram(null));
        Assert.Equal(ModemProcess.FindModemDll(), ModemProcess.FindModemProgram(""));

        // Set but wrong: an error, never a quiet fall-back to the framework-dependent build.
        var missing = Path.Combine(Path.GetTempPath(), Unique.Id("no-such-atmqtt"));
        Assert.Throws<FileNotFoundException>(() => ModemProcess.FindModemProgram(missing));

        var notExecutable = Path.GetTempFileName();
        try
        {
            File.SetUnixFileMode(notExecutable, UnixFileMode.UserRead | UnixFileMode.UserWrite);
            var ex = Assert.Throws<InvalidOperationException>(() => ModemProcess.FindModemProgram(notExecutable));
            Assert.Contains(ModemProcess.ProgramOverrideVariable, ex.Message, StringComparison.Ordinal);
        }
        finally
        {
            File.Delete(notExecutable);
        }
    }
}
