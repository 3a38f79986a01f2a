using Xunit;

namespace AtMqtt.Modem.Tests.Cli;

/// <summary>Provisioning options that cannot work stop the program at start (exit code 2) with a message naming the option.</summary>
public sealed class TlsOptionTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("atmqtt-options-").FullName;

    public static TheoryData<string[], string> Refused => new()
    {
        { ["--psk", "modem:00112233", "--psk-file", "{dir}/psk"], "--psk and --psk-file: give one of them." },
        { ["--psk", "no-colon-here"], "--psk: expected IDENTITY:HEXKEY." },
        { ["--psk", "modem:"], "--psk: expected IDENTITY:HEXKEY." },
        { ["--psk-file", "{dir}/empty"], "holds no identity:hexkey line" },
        { ["--client-key", "{dir}/client.key"], "--client-key needs --client-cert." },
        { ["--ca", "{dir}/missing.crt"], "/missing.crt does not exist." },
        { ["--ca", "{dir}/empty"], "holds no PEM certificate" },
        { ["--client-cert", "{dir}/empty"], "--ca/--client-cert/--client-key:" },
    };

    [Theory]
    [MemberData(nameof(Refused))]
    public async Task Unusable_provisioning_stops_the_program(string[] args, string message)
    {
        File.WriteAllText(Path.Combine(_dir, "psk"), "modem:00112233\n");
        File.WriteAllText(Path.Combine(_dir, "empty"), "# nothing here\n");
        File.WriteAllText(Path.Combine(_dir, "client.key"), "-----BEGIN PRIVATE KEY-----\n-----END PRIVATE KEY-----\n");
        await using var process = await ModemProcess.StartAsync([.. args.Select(a => a.Replace("{dir}", _dir, StringComparison.Ordinal))], null);
        Assert.Equal(2, await process.WaitForExitAsync(LiveModem.Timeout));
        Assert.Contains(message, process.StdErr, StringComparison.Ordinal);
    }

    public void Dispose() => Directory.Delete(_dir, recursive: true);
}
