using System.CommandLine;
using AtMqtt.Core;
using AtMqtt.Core.Instrument;
using Microsoft.Extensions.Logging;

namespace AtMqtt.Cli.Scenarios;

/// <summary><c>--scenario FILE</c> and <c>--scenario-exit</c> in the program (docs/scenarios.md).</summary>
internal static class ScenarioOptions
{
    /// <summary>The exit status under <c>--scenario-exit</c> when a step did not run (it failed, or the scenario's timeout passed).</summary>
    public const int FailedExitCode = 4;

    public static Option<FileInfo?> File() => CommandLineValues.ExistingFile(
        "--scenario",
        "Run the scenario in FILE (JSON, docs/scenarios.md): steps that start and end faults, pull the reset pin and publish to the device, each on its trigger (after seconds, the Nth command, a URC, a link phase).");

    public static Option<bool> Exit() => CommandLineValues.Flag(
        "--scenario-exit", "Exit when the --scenario ends: status 0 when every step ran, 4 when one did not.");

    /// <summary>Reads the file; null with a usage message when it cannot run.</summary>
    public static Scenario? Load(FileInfo? file, bool exit, out string? error)
    {
        error = null;
        if (file is null)
        {
            if (exit)
            {
                error = "--scenario-exit: only with --scenario FILE.";
            }

            return null;
        }

        try
        {
            return ScenarioLoader.Load(file.FullName);
        }
        catch (ScenarioException ex)
        {
            error = $"--scenario: {ex.Message.Replace(file.FullName, file.Name, StringComparison.Ordinal)}";
            return null;
        }
    }

    /// <summary>
    /// Starts the scenario on <paramref name="modem"/>; under <paramref name="exit"/> its end stops
    /// <paramref name="stop"/> (the channel, as a signal would).
    /// </summary>
    public static Task<bool> Start(Scenario scenario, Modem modem, ILoggerFactory loggers, bool exit, CancellationTokenSource stop)
    {
        var runner = new ScenarioRunner(scenario, modem, loggers.CreateLogger("AtMqtt.Scenario"));
        return Task.Run(async () =>
        {
            bool ok = await runner.RunAsync(stop.Token).ConfigureAwait(false);
            if (exit)
            {
                await stop.CancelAsync().ConfigureAwait(false);
            }

            return ok;
        });
    }
}
