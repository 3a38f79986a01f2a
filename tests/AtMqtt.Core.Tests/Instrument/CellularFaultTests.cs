using AtMqtt.Core.Device;
using AtMqtt.Core.Instrument;
using AtMqtt.Core.Profiles;
using Xunit;
using static AtMqtt.Core.Tests.Commands.Cellular.CellularHost;

namespace AtMqtt.Core.Tests.Instrument;

/// <summary>
/// The mobile network's faults on a modem in memory: registration-lost (not registered, the registration
/// URCs the host enabled, back when it ends) and pdp-deactivated (the contexts go down with the module's
/// URCs, activation refused while it lasts); both reach the MQTT side through CellularNetwork.Changed,
/// and only a cellular profile takes them.
/// </summary>
public sealed class CellularFaultTests
{
    [Fact]
    public async Task Registration_lost_answers_not_registered_with_the_enabled_urcs_until_it_ends()
    {
        await using var h = await StartAsync(Bg95);
        var changes = new List<CellularEvent>();
        h.Modem.Network.Changed += changes.Add;
        await h.CommandAsync("AT+CREG=2", Ok);
        await h.CommandAsync("AT+CEREG=1", Ok);
        await h.CommandAsync("AT+QIACT=1", Ok);
        changes.Clear();

        var fault = h.Modem.Faults.Start(new FaultSpec { Kind = FaultKinds.RegistrationLost });
        await h.ExpectAsync("\r\n+CREG: 2\r\n\r\n+CEREG: 2\r\n");
        await h.CommandAsync("AT+CREG?", Info("+CREG: 2,2"));
        await h.CommandAsync("AT+CGREG?", Info("+CGREG: 0,2"));
        await h.CommandAsync("AT+CSQ", Info("+CSQ: 99,99"));
        await h.CommandAsync("AT+COPS?", Info("+COPS: 0"));
        await h.CommandAsync("AT+CGATT?", Info("+CGATT: 0"));

        // The EPS bearer outlives a loss of coverage (3GPP keeps it until detach): the context stays.
        await h.CommandAsync("AT+QIACT?", Info("+QIACT: 1,1,1,\"10.64.0.2\""));
        await h.CommandAsync("AT+QIACT=2", Error);
        Assert.Equal(new[] { new CellularEvent(CellularEventKind.RegistrationLost) }, changes);

        Assert.True(h.Modem.Faults.End(fault.Id));
        await h.ExpectAsync("\r\n+CREG: 1,\"0001\",\"00000A01\",8\r\n\r\n+CEREG: 1\r\n");
        await h.CommandAsync("AT+CREG?", Info("+CREG: 2,1,\"0001\",\"00000A01\",8"));
        Assert.Equal(CellularEventKind.Registered, changes[^1].Kind);
        await h.AssertSilentAsync(TimeSpan.FromMilliseconds(100));
    }

    [Fact]
    public async Task Registration_lost_writes_nothing_to_a_host_that_enabled_no_urc()
    {
        await using var h = await StartAsync(A7670);
        var fault = h.Modem.Faults.Start(new FaultSpec { Kind = FaultKinds.RegistrationLost, Seconds = 60 });
        await h.CommandAsync("AT+CPSI?", Info("+CPSI: NO SERVICE,Online"));
        await h.CommandAsync("AT+CEREG?", Info("+CEREG: 0,2"));
        h.Modem.Faults.End(fault.Id);
        await h.CommandAsync("AT+CEREG?", Info("+CEREG: 0,1"));
        await h.AssertSilentAsync(TimeSpan.FromMilliseconds(100));
    }

    [Fact]
    public async Task Pdp_deactivated_takes_the_bg95_contexts_down_with_qiurc_and_refuses_qiact_while_it_lasts()
    {
        await using var h = await StartAsync(Bg95);
        var changes = new List<CellularEvent>();
        h.Modem.Network.Changed += changes.Add;
        await h.CommandAsync("AT+QICSGP=2,1,\"second\"", Ok);
        await h.CommandAsync("AT+QIACT=1", Ok);
        await h.CommandAsync("AT+QIACT=2", Ok);
        changes.Clear();

        var fault = h.Modem.Faults.Start(new FaultSpec { Kind = FaultKinds.PdpDeactivated });
        await h.ExpectAsync("\r\n+QIURC: \"pdpdeact\",1\r\n\r\n+QIURC: \"pdpdeact\",2\r\n");
        Assert.Equal(
            new[] { new CellularEvent(CellularEventKind.ContextDeactivated, 1, true), new CellularEvent(CellularEventKind.ContextDeactivated, 2, true) },
            changes);
        await h.CommandAsync("AT+QIACT?", Ok);
        await h.CommandAsync("AT+QIACT=1", Error);
        await h.CommandAsync("AT+CGACT=1,1", "\r\n+CME ERROR: 148\r\n");

        h.Modem.Faults.End(fault.Id);
        await h.CommandAsync("AT+QIACT=1", Ok);
        await h.CommandAsync("AT+QIACT?", Info("+QIACT: 1,1,1,\"10.64.0.2\""));
        await h.AssertSilentAsync(TimeSpan.FromMilliseconds(100));
    }

    [Fact]
    public async Task Pdp_deactivated_closes_the_a7670s_socket_service_as_the_network_would()
    {
        await using var h = await StartAsync(A7670);
        await h.CommandAsync("AT+NETOPEN", Ok + "\r\n+NETOPEN: 0\r\n");
        var changes = new List<CellularEvent>();
        h.Modem.Network.Changed += changes.Add;

        var fault = h.Modem.Faults.Start(new FaultSpec { Kind = FaultKinds.PdpDeactivated, Seconds = 60 });
        await h.ExpectAsync("\r\n+CGEV: NW PDN DEACT 1\r\n\r\n+CIPEVENT: NETWORK CLOSED UNEXPECTEDLY\r\n");
        Assert.Equal(
            new[] { new CellularEvent(CellularEventKind.ContextDeactivated, 1, true), new CellularEvent(CellularEventKind.NetworkClosed, 1, true) },
            changes);
        await h.CommandAsync("AT+NETOPEN?", Info("+NETOPEN: 0"));
        await h.CommandAsync("AT+NETOPEN", Ok + "\r\n+NETOPEN: 1\r\n");

        h.Modem.Faults.End(fault.Id);
        await h.CommandAsync("AT+NETOPEN", Ok + "\r\n+NETOPEN: 0\r\n");
        await h.CommandAsync("AT+IPADDR", Info("+IPADDR: 10.64.0.2"));
    }

    [Fact]
    public async Task Only_a_cellular_profile_takes_the_network_faults()
    {
        await using var wifi = new Modem(new ModemOptions());
        foreach (string kind in FaultKinds.Cellular)
        {
            var ex = Assert.Throws<FaultSpecException>(() => wifi.Faults.Start(new FaultSpec { Kind = kind }));
            Assert.Equal($"kind: {kind} is a mobile network's fault, for a cellular profile (quectel-bg95, quectel-ec21, simcom-a7670); this modem is the bk7238 profile", ex.Message);
        }

        await using var cellular = new Modem(new ModemOptions { Profile = Profile.FromName(Bg95) });
        var unknown = Assert.Throws<FaultSpecException>(() => cellular.Faults.Start(new FaultSpec { Kind = "earthquake" }));
        Assert.EndsWith("slow-host-link, registration-lost, pdp-deactivated", unknown.Message, StringComparison.Ordinal);
        var bad = Assert.Throws<FaultSpecException>(() => cellular.Faults.Start(new FaultSpec { Kind = FaultKinds.PdpDeactivated, Ms = 5 }));
        Assert.StartsWith("ms: pdp-deactivated does not take ms", bad.Message, StringComparison.Ordinal);
        Assert.Empty(cellular.Faults.Active);
    }
}
