using AtMqtt.Core.Device;
using Xunit;
using static AtMqtt.Core.Tests.Commands.Cellular.CellularHost;

namespace AtMqtt.Core.Tests.Commands.Cellular;

/// <summary>
/// The simulated SIM and network through the commands that change it: AT+CFUN, AT+COPS, AT+CGATT, the
/// contexts (AT+CGDCONT, AT+CGACT, AT+QICSGP, AT+QIACT, AT+NETOPEN), and the registration URCs each
/// change writes after its OK (exact bytes, in order).
/// </summary>
public sealed class NetworkStateTests
{
    [Fact]
    public async Task Cfun_0_turns_radio_and_sim_off_and_cfun_1_brings_both_back_with_their_urcs_bg95()
    {
        await using var h = await StartAsync(Bg95);
        await h.CommandAsync("AT+CREG=1", Ok);
        await h.CommandAsync("AT+CEREG=2", Ok);
        await h.CommandAsync("AT+CFUN=0", Ok + "\r\n+CREG: 0\r\n\r\n+CEREG: 0\r\n");
        await h.CommandAsync("AT+CFUN?", Info("+CFUN: 0"));
        await h.CommandAsync("AT+CPIN?", "\r\n+CME ERROR: 13\r\n");
        await h.CommandAsync("AT+CSQ", Info("+CSQ: 99,99"));
        await h.CommandAsync("AT+COPS?", Info("+COPS: 0"));
        await h.CommandAsync("AT+CGATT?", Info("+CGATT: 0"));
        await h.CommandAsync("AT+CEREG?", Info("+CEREG: 2,0"));
        await h.CommandAsync("AT+QIACT=1", Error);

        await h.CommandAsync("AT+CFUN=1", Ok + "\r\n+CPIN: READY\r\n\r\n+QUSIM: 1\r\n\r\n+QIND: SMS DONE\r\n\r\n+CREG: 1\r\n\r\n+CEREG: 1,\"0001\",\"00000A01\",8\r\n");
        await h.CommandAsync("AT+CEREG?", Info("+CEREG: 2,1,\"0001\",\"00000A01\",8"));
        await h.CommandAsync("AT+QIACT=1", Ok);
        await h.AssertSilentAsync(TimeSpan.FromMilliseconds(100));
    }

    [Fact]
    public async Task Cfun_4_keeps_the_sim_and_the_a7670_brings_its_default_bearer_back_after_it()
    {
        await using var h = await StartAsync(A7670);
        await h.CommandAsync("AT+CGREG=1", Ok);
        await h.CommandAsync("AT+NETOPEN", Ok + "\r\n+NETOPEN: 0\r\n");
        await h.CommandAsync("AT+CFUN=4", Ok + "\r\n+CGREG: 0\r\n");
        await h.CommandAsync("AT+CPIN?", Info("+CPIN: READY"));
        await h.CommandAsync("AT+CPSI?", Info("+CPSI: NO SERVICE,Low Power Mode"));
        await h.CommandAsync("AT+CGACT?", Info("+CGACT: 1,0"));
        await h.CommandAsync("AT+NETOPEN?", Info("+NETOPEN: 0"));
        await h.CommandAsync("AT+NETOPEN", Ok + "\r\n+NETOPEN: 1\r\n");

        await h.CommandAsync("AT+CFUN=1", Ok + "\r\n+CGREG: 1\r\n\r\n+CGEV: EPS PDN ACT 1\r\n");
        await h.CommandAsync("AT+CGACT?", Info("+CGACT: 1,1"));
        await h.AssertSilentAsync(TimeSpan.FromMilliseconds(100));
    }

    [Theory]
    [InlineData(Bg95)]
    [InlineData(A7670)]
    public async Task Cfun_1_1_restarts_the_module_its_settings_back_to_power_on(string profile)
    {
        await using var h = await StartAsync(profile);
        await h.CommandAsync("AT+CMEE=2", Ok);
        await h.CommandAsync("AT+CREG=2", Ok);
        await h.CommandAsync("AT+CGDCONT=2,\"IPV4V6\",\"kept.apn\"", Ok);
        await h.CommandAsync("ATE0", Ok);
        await h.SendAsync("AT+CFUN=1,1\r\n");
        await h.ExpectAsync(Ok + Boot(profile));
        await h.CommandAsync("AT+CMEE?", Info(profile == Bg95 ? "+CMEE: 1" : "+CMEE: 0"));
        await h.CommandAsync("AT+CREG?", Info("+CREG: 0,1"));

        // The contexts are in non-volatile memory: a restart keeps their definitions.
        string tail = profile == Bg95 ? ",0,0,0" : ",0,0,0,0";
        await h.CommandAsync("AT+CGDCONT?", Info("+CGDCONT: 1,\"IP\",\"\",\"0.0.0.0\"" + tail, "+CGDCONT: 2,\"IPV4V6\",\"kept.apn\",\"0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0\"" + tail));
    }

    [Fact]
    public async Task Cops_2_deregisters_and_cops_0_registers_again()
    {
        await using var h = await StartAsync(Bg95);
        await h.CommandAsync("AT+CGREG=1", Ok);
        await h.CommandAsync("AT+COPS=3,2", Ok);
        await h.CommandAsync("AT+COPS?", Info("+COPS: 0,2,\"00101\",8"));
        await h.CommandAsync("AT+COPS=2", Ok + "\r\n+CGREG: 0\r\n");
        await h.CommandAsync("AT+COPS?", Info("+COPS: 2"));
        await h.CommandAsync("AT+CREG?", Info("+CREG: 0,0"));
        await h.CommandAsync("AT+CGATT=1", "\r\n+CME ERROR: 30\r\n");
        await h.CommandAsync("AT+COPS=4,0,\"AtMqtt\"", Ok + "\r\n+CGREG: 1\r\n");
        await h.CommandAsync("AT+COPS?", Info("+COPS: 0,0,\"AtMqtt\",8"));
    }

    [Fact]
    public async Task Cgatt_0_detaches_the_packet_domain_and_drops_the_contexts()
    {
        await using var h = await StartAsync(A7670);
        await h.CommandAsync("AT+CEREG=1", Ok);
        await h.CommandAsync("AT+CGATT=0", Ok + "\r\n+CEREG: 0\r\n");
        await h.CommandAsync("AT+CGATT?", Info("+CGATT: 0"));
        await h.CommandAsync("AT+CREG?", Info("+CREG: 0,1"));
        await h.CommandAsync("AT+CGACT?", Info("+CGACT: 1,0"));
        await h.CommandAsync("AT+CGACT=1,1", Error);
        await h.CommandAsync("AT+CMEE=1", Ok);
        await h.CommandAsync("AT+CGACT=1,1", "\r\n+CME ERROR: 30\r\n");
        await h.CommandAsync("AT+CGATT=1", Ok + "\r\n+CEREG: 1\r\n\r\n+CGEV: EPS PDN ACT 1\r\n");
        await h.CommandAsync("AT+CGACT?", Info("+CGACT: 1,1"));
    }

    [Fact]
    public async Task Contexts_are_defined_activated_and_forgotten()
    {
        await using var h = await StartAsync(Bg95);
        await h.CommandAsync("AT+CGDCONT=1,\"IP\",\"iot.example\"", Ok);
        await h.CommandAsync("AT+CGDCONT=3,\"ipv6\",\"v6.example\",\"\",0,0,0,0,0,0", Ok);
        await h.CommandAsync("AT+CGDCONT?", Info(
            "+CGDCONT: 1,\"IP\",\"iot.example\",\"0.0.0.0\",0,0,0",
            "+CGDCONT: 3,\"IPV6\",\"v6.example\",\"0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0\",0,0,0"));
        await h.CommandAsync("AT+CGACT=1,3", Ok);
        await h.CommandAsync("AT+CGACT?", Info("+CGACT: 1,0", "+CGACT: 3,1"));
        await h.CommandAsync("AT+CGDCONT=3", "\r\n+CME ERROR: 3\r\n");
        await h.CommandAsync("AT+CGACT=1", Ok);
        await h.CommandAsync("AT+CGACT?", Info("+CGACT: 1,1", "+CGACT: 3,1"));
        await h.CommandAsync("AT+CGACT=0", Ok);
        await h.CommandAsync("AT+CGDCONT=3", Ok);
        await h.CommandAsync("AT+CGACT?", Info("+CGACT: 1,0"));
        await h.CommandAsync($"AT+CGDCONT=2,\"IP\",\"{new string('a', 101)}\"", Error);
    }

    [Fact]
    public async Task Qicsgp_configures_the_context_qiact_activates_it_once_and_qideact_takes_it_down()
    {
        await using var h = await StartAsync(Bg95);
        var changes = new List<CellularEvent>();
        h.Modem.Network.Changed += changes.Add;
        await h.CommandAsync("AT+QICSGP=1,1,\"iot.example\",\"user\",\"secret\",1", Ok);
        await h.CommandAsync("AT+QICSGP=1", Info("+QICSGP: 1,\"iot.example\",\"user\",\"secret\",1"));
        await h.CommandAsync("AT+QICSGP=2,3,\"dual.example\"", Ok);
        await h.CommandAsync("AT+QICSGP=2", Info("+QICSGP: 3,\"dual.example\",\"\",\"\",0"));
        await h.CommandAsync("AT+CGDCONT?", Info(
            "+CGDCONT: 1,\"IP\",\"iot.example\",\"0.0.0.0\",0,0,0",
            "+CGDCONT: 2,\"IPV4V6\",\"dual.example\",\"0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0\",0,0,0"));
        await h.CommandAsync("AT+QIACT=1", Ok);
        await h.CommandAsync("AT+QIACT=1", Error);
        await h.CommandAsync("AT+QIACT=2", Ok);
        await h.CommandAsync("AT+QIACT?", Info("+QIACT: 1,1,1,\"10.64.0.2\"", "+QIACT: 2,1,3,\"10.64.0.3\""));
        await h.CommandAsync("AT+QIDEACT=1", Ok);
        await h.CommandAsync("AT+QIACT?", Info("+QIACT: 2,1,3,\"10.64.0.3\""));
        await h.CommandAsync("AT+QIACT=5", Error);
        Assert.Equal(
            new[]
            {
                new CellularEvent(CellularEventKind.ContextActivated, 1),
                new CellularEvent(CellularEventKind.ContextActivated, 2),
                new CellularEvent(CellularEventKind.ContextDeactivated, 1),
            },
            changes);
    }

    [Fact]
    public async Task Qisde_is_kept()
    {
        await using var h = await StartAsync(Bg95);
        await h.CommandAsync("AT+QISDE=0", Ok);
        await h.CommandAsync("AT+QISDE?", Info("+QISDE: 0"));
        Assert.False(h.Modem.Network.SendDataEcho);
    }

    [Fact]
    public async Task Netopen_opens_the_socket_service_once_and_netclose_closes_it()
    {
        await using var h = await StartAsync(A7670);
        await h.CommandAsync("AT+NETOPEN", Ok + "\r\n+NETOPEN: 0\r\n");
        await h.CommandAsync("AT+NETOPEN?", Info("+NETOPEN: 1"));
        await h.CommandAsync("AT+NETOPEN", "\r\n+IP ERROR: Network is already opened\r\n" + Error);
        await h.CommandAsync("AT+IPADDR", Info("+IPADDR: 10.64.0.2"));
        await h.CommandAsync("AT+NETCLOSE", Ok + "\r\n+NETCLOSE: 0\r\n");
        await h.CommandAsync("AT+NETOPEN?", Info("+NETOPEN: 0"));
        await h.CommandAsync("AT+IPADDR", "\r\n+IP ERROR: Network not opened\r\n" + Error);

        // NETOPEN activates context 1 when the host took it down.
        await h.CommandAsync("AT+CGACT=0,1", Ok);
        await h.CommandAsync("AT+NETOPEN", Ok + "\r\n+NETOPEN: 0\r\n");
        await h.CommandAsync("AT+CGACT?", Info("+CGACT: 1,1"));
        await h.AssertSilentAsync(TimeSpan.FromMilliseconds(100));
    }

    [Fact]
    public async Task Cpsi_follows_the_registration()
    {
        await using var h = await StartAsync(A7670);
        await h.CommandAsync("AT+COPS=2", Ok);
        await h.CommandAsync("AT+CPSI?", Info("+CPSI: NO SERVICE,Online"));
    }

    [Fact]
    public async Task A_host_that_ends_lines_with_cr_sees_the_modules_own_framing()
    {
        // Real captures (BG770A, BG95-M3): the echo keeps the host's CR, then the answer's CR LF follows.
        await using var h = await StartAsync(Bg95);
        await h.SendAsync("ATI\r");
        await h.ExpectAsync("ATI\r\r\nQuectel\r\nBG95-M3\r\nRevision: BG95M3LAR02A03\r\n\r\nOK\r\n");
        await h.SendAsync("AT+CPIN=\"0000\"\r");
        await h.ExpectAsync("AT+CPIN=\"0000\"\r\r\n+CME ERROR: 3\r\n");
        await h.SendAsync("AT+CMEE=2\rAT+CPIN=\"0000\"\r");
        await h.ExpectAsync("AT+CMEE=2\r\r\nOK\r\nAT+CPIN=\"0000\"\r\r\n+CME ERROR: operation not allowed\r\n");
        await h.SendAsync("ATE0\r");
        await h.ExpectAsync("ATE0\r\r\nOK\r\n");
        await h.SendAsync("AT+CFUN?\r");
        await h.ExpectAsync("\r\n+CFUN: 1\r\n\r\nOK\r\n");
    }
}
