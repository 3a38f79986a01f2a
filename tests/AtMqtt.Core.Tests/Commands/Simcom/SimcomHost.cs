using AtMqtt.Core.Profiles;
using AtMqtt.Testing;

namespace AtMqtt.Core.Tests.Commands.Simcom;

/// <summary>A simcom-a7670 modem in memory, whatever it writes at boot read, and the module's answer shapes.</summary>
internal static class SimcomHost
{
    public const string Ok = "\r\nOK\r\n";
    public const string Error = "\r\nERROR\r\n";

    /// <summary>Information lines as the module writes them, then OK.</summary>
    public static string Info(params string[] lines) => "\r\n" + string.Concat(lines.Select(l => l + "\r\n")) + Ok;

    /// <summary>A URC: <c>\r\n&lt;line&gt;\r\n</c>.</summary>
    public static string Urc(string line) => "\r\n" + line + "\r\n";

    /// <summary>The refused shape: the result line, then ERROR.</summary>
    public static string Refused(string line) => "\r\n" + line + "\r\n" + Error;

    /// <summary>A modem with the result delay given (0 unless asked: the timing model has its own test).</summary>
    public static async Task<InMemoryModem> StartAsync(TimeSpan? resultDelay = null, TimeSpan? dataTimeout = null, TimeProvider? time = null)
    {
        var p = Profile.FromName("simcom-a7670")!;
        var modem = InMemoryModem.CreateDetached(new ModemOptions
        {
            Profile = p,
            Dialect = p.Dialect,
            DataTimeout = dataTimeout ?? TimeSpan.FromSeconds(5),
            ResultDelay = resultDelay ?? TimeSpan.Zero,
            TimeProvider = time ?? TimeProvider.System,
        });
        modem.Attach();
        try
        {
            // The boot lines are the cellular base's (docs/cellular.md): read through them with an AT.
            await modem.SendAsync("AT\r\n");
            await modem.ReadUntilAsync("AT\r\n" + Ok);
        }
        catch
        {
            await modem.DisposeAsync();
            throw;
        }

        return modem;
    }

    /// <summary>START, ACCQ of <paramref name="index"/> as <paramref name="clientId"/>, CONNECT to the broker.</summary>
    public static async Task ConnectAsync(InMemoryModem m, int index, string clientId, int port, bool start = true, int keepAlive = 60)
    {
        if (start)
        {
            await m.CommandAsync("AT+CMQTTSTART", Ok + Urc("+CMQTTSTART: 0"));
        }

        await m.CommandAsync($"AT+CMQTTACCQ={index},\"{clientId}\"", Ok);
        await m.CommandAsync($"AT+CMQTTCONNECT={index},\"tcp://127.0.0.1:{port}\",{keepAlive},1", Ok + Urc($"+CMQTTCONNECT: {index},0"));
    }

    /// <summary>A data entry: the command, its prompt, the bytes, OK.</summary>
    public static async Task EnterAsync(InMemoryModem m, string command, string data)
    {
        await m.CommandAsync(command, "\r\n>");
        await m.SendAsync(data);
        await m.ExpectAsync(Ok);
    }
}
