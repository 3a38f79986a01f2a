using Xunit;
using static AtMqtt.Core.Tests.Commands.Cellular.CellularHost;

namespace AtMqtt.Core.Tests.Commands.Cellular;

/// <summary>
/// A real host's start-up, replayed byte for byte with the host's own line ends (CR only, echo on): the
/// command order of the captures in research §1.9 / §2.7 (BG95-LOG and JK-BG770A for the BG95, LG-77 and
/// LG-397 for the A7670), answered as those modules answer, with the simulated network's values.
/// </summary>
public sealed class StartupSequenceTests
{
    private static readonly (string Line, string Answer)[] Bg95 =
    [
        ("AT", "\r\nOK\r\n"),
        ("ATI", "\r\nQuectel\r\nBG95-M3\r\nRevision: BG95M3LAR02A03\r\n\r\nOK\r\n"),
        ("AT+QGMR", "\r\nBG95M3LAR02A03_01.011.01.011\r\n\r\nOK\r\n"),
        ("AT+CMEE=2", "\r\nOK\r\n"),
        ("AT+CPIN?", "\r\n+CPIN: READY\r\n\r\nOK\r\n"),
        ("AT+CSQ", "\r\n+CSQ: 28,0\r\n\r\nOK\r\n"),
        ("AT+CREG?", "\r\n+CREG: 0,1\r\n\r\nOK\r\n"),
        ("AT+CEREG?", "\r\n+CEREG: 0,1\r\n\r\nOK\r\n"),
        ("AT+COPS?", "\r\n+COPS: 0,0,\"AtMqtt\",8\r\n\r\nOK\r\n"),
        ("AT+QICSGP=1,1,\"iot.1nce.net\",\"\",\"\",0", "\r\nOK\r\n"),
        ("AT+QIACT?", "\r\nOK\r\n"),
        ("AT+QIACT=1", "\r\nOK\r\n"),
        ("AT+QIACT?", "\r\n+QIACT: 1,1,1,\"10.64.0.2\"\r\n\r\nOK\r\n"),
        ("AT+CGATT?", "\r\n+CGATT: 1\r\n\r\nOK\r\n"),
    ];

    private static readonly (string Line, string Answer)[] A7670 =
    [
        ("AT", "\r\nOK\r\n"),
        ("ATE0", "\r\nOK\r\n"),
        ("AT+SIMCOMATI", "\r\nManufacturer: SIMCOM INCORPORATED\r\nModel: A7670E-FASE\r\nRevision: A011B07A7670M7_F\r\nA7670M7_B07V01_240927\r\nQCN:\r\nIMEI: 001000000007673\r\nMEID:\r\n+GCAP: +CGSM,+FCLASS,+DS\r\nDeviceInfo:\r\n\r\nOK\r\n"),
        ("AT+CPIN?", "\r\n+CPIN: READY\r\n\r\nOK\r\n"),
        ("AT+CSQ", "\r\n+CSQ: 27,99\r\n\r\nOK\r\n"),
        ("AT+CREG?", "\r\n+CREG: 0,1\r\n\r\nOK\r\n"),
        ("AT+CGREG?", "\r\n+CGREG: 0,1\r\n\r\nOK\r\n"),
        ("AT+CPSI?", "\r\n+CPSI: LTE,Online,001-01,0x0001,2561,147,EUTRAN-BAND8,3500,3,0,14,38,37,2\r\n\r\nOK\r\n"),
        ("AT+CGDCONT=1,\"IP\",\"internet\"", "\r\nOK\r\n"),
        ("AT+CGACT?", "\r\n+CGACT: 1,1\r\n\r\nOK\r\n"),
        ("AT+NETOPEN", "\r\nOK\r\n\r\n+NETOPEN: 0\r\n"),
        ("AT+IPADDR", "\r\n+IPADDR: 10.64.0.2\r\n\r\nOK\r\n"),
        ("AT+CSSLCFG=\"sslversion\",0,4", "\r\nOK\r\n"),
        ("AT+CSSLCFG=\"authmode\",0,1", "\r\nOK\r\n"),
        ("AT+CSSLCFG=\"cacert\",0,\"isrgrootx1.pem\"", "\r\nOK\r\n"),
        ("AT+CSSLCFG=\"enableSNI\",0,1", "\r\nOK\r\n"),
    ];

    [Fact]
    public async Task A_bg95_hosts_start_up_gets_through()
    {
        await using var h = await StartAsync(CellularHost.Bg95);
        await ReplayAsync(h, Bg95, echo: true);
    }

    [Fact]
    public async Task An_a7670_hosts_start_up_gets_through()
    {
        await using var h = await StartAsync(CellularHost.A7670);
        await ReplayAsync(h, A7670, echo: true);
    }

    private static async Task ReplayAsync(Testing.InMemoryModem h, (string Line, string Answer)[] steps, bool echo)
    {
        foreach (var (line, answer) in steps)
        {
            await h.SendAsync(line + "\r");
            await h.ExpectAsync((echo ? line + "\r" : "") + answer);
            echo &= line != "ATE0";
        }

        await h.AssertSilentAsync(TimeSpan.FromMilliseconds(100));
    }
}
