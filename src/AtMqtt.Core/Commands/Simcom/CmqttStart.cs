using System.Text;

namespace AtMqtt.Core.Commands.Simcom;

/// <summary>
/// AT+CMQTTSTART / AT+CMQTTSTOP, the MQTT service. As the A7670 does (research §2.1: LG-77, ECM-20 and the
/// A76XX manuals): <c>OK</c> first, then <c>+CMQTTSTART: 0</c> (the SIM7600 writes the line before its OK; not
/// this profile). Starting twice: plain <c>ERROR</c>. STOP with a client still acquired: <c>+CMQTTSTOP: 21</c>
/// then <c>ERROR</c>; not started: <c>ERROR</c>.
/// </summary>
internal static class CmqttStart
{
    public static readonly Command[] Commands =
    [
        new("AT+CMQTTSTART", execute: static (m, ref _) => Start(m)),
        new("AT+CMQTTSTOP", execute: static (m, ref _) => Stop(m)),
    ];

    private static ValueTask Start(Modem m)
    {
        var service = CmqttService.Of(m);
        if (service.Started)
        {
            return Cmqtt.Error(m);
        }

        service.Started = true;
        service.Report(m, SimcomClient.Line("+CMQTTSTART", CmqttResult.Success));
        return m.Ok();
    }

    private static ValueTask Stop(Modem m)
    {
        var service = CmqttService.Of(m);
        if (!service.Started)
        {
            return Cmqtt.Error(m);
        }

        // An argtopic client needs no REL before STOP, only DISC (A76XX MQTT-EX): STOP releases it.
        if (Cmqtt.All(m).Any(c => c.Client.Acquired && (c.Client.ArgTopic == 0 || c.Link.IsActive)))
        {
            m.Response.Raw("\r\n"u8);
            m.Response.Line(SimcomClient.Line("+CMQTTSTOP", CmqttResult.ClientNotReleased));
            return m.Fail(0);
        }

        foreach (var (_, client) in Cmqtt.All(m))
        {
            if (client.Acquired)
            {
                client.Release();
            }
        }

        service.Started = false;
        service.Report(m, SimcomClient.Line("+CMQTTSTOP", CmqttResult.Success));
        return m.Ok();
    }
}

/// <summary>The module's MQTT service (one per modem, <see cref="Modem.FamilyState{T}"/>): started or not.</summary>
internal sealed class CmqttService
{
    private readonly SemaphoreSlim _actions = new(1, 1);

    public bool Started { get; set; }

    public static CmqttService Of(Modem m) => m.FamilyState<CmqttService>();

    /// <summary>A service result line, after the OK and the timing model's delay.</summary>
    public void Report(Modem m, string line) =>
        SimcomClient.Later(_actions, m, m.Options.TimeProvider.GetTimestamp(), () => Task.FromResult<string?>(line));

    /// <summary>
    /// The network is gone (research §2.5: <c>+CMQTTNONET</c>, the service must be started again): the service
    /// stops, once, and says so; each client keeps its acquisition (the host releases it, or starts again).
    /// </summary>
    public static void NetworkClosed(Modem m)
    {
        var service = Of(m);
        lock (service)
        {
            if (!service.Started)
            {
                return;
            }

            service.Started = false;
        }

        m.Urcs.Enqueue(Encoding.ASCII.GetBytes("\r\n+CMQTTNONET\r\n"));
    }
}
