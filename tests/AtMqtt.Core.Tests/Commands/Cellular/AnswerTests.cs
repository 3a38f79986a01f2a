using Xunit;
using static AtMqtt.Core.Tests.Commands.Cellular.CellularHost;

namespace AtMqtt.Core.Tests.Commands.Cellular;

/// <summary>
/// Every command of the cellular base in every form, on a freshly booted module of each profile: the exact
/// bytes after the echo (docs/cellular.md has the sources). Syntax errors are plain ERROR whatever AT+CMEE says.
/// </summary>
public sealed class AnswerTests
{
    private const string Bg95Rev = "BG95M3LAR02A03";
    private const string A76Rev = "A011B07A7670M7_F";

    public static TheoryData<string, string, string> Answers => new()
    {
        // Identification.
        { Bg95, "ATI", Info("Quectel", "BG95-M3", "Revision: " + Bg95Rev) },
        { Bg95, "AT+GMR", Info(Bg95Rev) },
        { Bg95, "AT+CGMR", Info(Bg95Rev) },
        { Bg95, "AT+CGMI", Info("Quectel") },
        { Bg95, "AT+GMI", Info("Quectel") },
        { Bg95, "AT+CGMM", Info("BG95-M3") },
        { Bg95, "AT+GMM", Info("BG95-M3") },
        { Bg95, "AT+CGSN", Info("001000000000959") },
        { Bg95, "AT+GSN", Info("001000000000959") },
        { Bg95, "AT+CGMR=?", Ok },
        { Bg95, "AT+QGMR", Info(Bg95Rev + "_01.011.01.011") },
        { Bg95, "AT+QGMR?", Error },
        { A7670, "ATI", Info("Manufacturer: SIMCOM INCORPORATED", "Model: A7670E-FASE", "Revision: " + A76Rev, "IMEI: 001000000007673", "+GCAP: +CGSM,+FCLASS,+DS") },
        { A7670, "AT+CGMR", Info("+CGMR: " + A76Rev) },
        { A7670, "AT+GMR", Info("+CGMR: " + A76Rev) },
        { A7670, "AT+CGMI", Info("SIMCOM INCORPORATED") },
        { A7670, "AT+CGMM", Info("A7670E-FASE") },
        { A7670, "AT+CGSN", Info("001000000007673") },
        { A7670, "AT+SIMCOMATI", Info("Manufacturer: SIMCOM INCORPORATED", "Model: A7670E-FASE", "Revision: " + A76Rev, "A7670M7_B07V01_240927", "QCN:", "IMEI: 001000000007673", "MEID:", "+GCAP: +CGSM,+FCLASS,+DS", "DeviceInfo:") },

        // AT+CMEE: Bg95 reports numerically from power-on, SIMCom with a plain ERROR.
        { Bg95, "AT+CMEE?", Info("+CMEE: 1") },
        { A7670, "AT+CMEE?", Info("+CMEE: 0") },
        { Bg95, "AT+CMEE=?", Info("+CMEE: (0-2)") },
        { Bg95, "AT+CMEE=3", Error },
        { Bg95, "AT+CMEE", Error },

        // SIM.
        { Bg95, "AT+CPIN?", Info("+CPIN: READY") },
        { A7670, "AT+CPIN?", Info("+CPIN: READY") },
        { Bg95, "AT+CPIN=?", Ok },
        { Bg95, "AT+CPIN=\"0000\"", "\r\n+CME ERROR: 3\r\n" },
        { A7670, "AT+CPIN=\"0000\"", Error },
        { Bg95, "AT+CPIN=1,2,3", Error },

        // Functionality, signal, registration, operator, attach.
        { Bg95, "AT+CFUN?", Info("+CFUN: 1") },
        { Bg95, "AT+CFUN=?", Info("+CFUN: (0,1,4),(0,1)") },
        { Bg95, "AT+CFUN=2", Error },
        { Bg95, "AT+CFUN=1,2", Error },
        { Bg95, "AT+CFUN=1", Ok },
        { Bg95, "AT+CSQ", Info("+CSQ: 28,0") },
        { A7670, "AT+CSQ", Info("+CSQ: 27,99") },
        { Bg95, "AT+CSQ=?", Info("+CSQ: (0-31,99),(0-7,99)") },
        { Bg95, "AT+CREG?", Info("+CREG: 0,1") },
        { Bg95, "AT+CGREG?", Info("+CGREG: 0,1") },
        { Bg95, "AT+CEREG?", Info("+CEREG: 0,1") },
        { A7670, "AT+CREG?", Info("+CREG: 0,1") },
        { A7670, "AT+CEREG?", Info("+CEREG: 0,1") },
        { Bg95, "AT+CEREG=?", Info("+CEREG: (0-2)") },
        { Bg95, "AT+CREG=3", Error },
        { Bg95, "AT+COPS?", Info("+COPS: 0,0,\"AtMqtt\",8") },
        { A7670, "AT+COPS?", Info("+COPS: 0,0,\"AtMqtt\",7") },
        { Bg95, "AT+COPS=?", Info("+COPS: (2,\"AtMqtt\",\"AtMqtt\",\"00101\",8),,(0-4),(0-2)") },
        { Bg95, "AT+COPS=0", Ok },
        { Bg95, "AT+COPS=1,2,\"00101\"", Ok },
        { Bg95, "AT+COPS=1,2,\"26201\"", "\r\n+CME ERROR: 30\r\n" },
        { Bg95, "AT+COPS=1", Error },
        { Bg95, "AT+COPS=5", Error },
        { Bg95, "AT+CGATT?", Info("+CGATT: 1") },
        { Bg95, "AT+CGATT=?", Info("+CGATT: (0,1)") },
        { Bg95, "AT+CGATT=1", Ok },
        { Bg95, "AT+CGATT=2", Error },

        // PDP contexts: BG95 waits for AT+QIACT; the A7670's default bearer is up with the attach.
        { Bg95, "AT+CGACT?", Info("+CGACT: 1,0") },
        { A7670, "AT+CGACT?", Info("+CGACT: 1,1") },
        { Bg95, "AT+CGACT=?", Info("+CGACT: (0,1)") },
        { Bg95, "AT+CGACT=1,3", "\r\n+CME ERROR: 3\r\n" },
        { Bg95, "AT+CGACT=1,17", Error },
        { Bg95, "AT+CGACT=2,1", Error },
        { Bg95, "AT+CGDCONT?", Info("+CGDCONT: 1,\"IP\",\"\",\"0.0.0.0\",0,0,0") },
        { A7670, "AT+CGDCONT?", Info("+CGDCONT: 1,\"IP\",\"\",\"0.0.0.0\",0,0,0,0") },
        { Bg95, "AT+CGDCONT=?", Info("+CGDCONT: (1-16),\"IP\",,,(0-2),(0-4)", "+CGDCONT: (1-16),\"IPV6\",,,(0-2),(0-4)", "+CGDCONT: (1-16),\"IPV4V6\",,,(0-2),(0-4)") },
        { A7670, "AT+CGDCONT=?", Info("+CGDCONT: (1-15),\"IP\",,,(0-2),(0-4)", "+CGDCONT: (1-15),\"IPV6\",,,(0-2),(0-4)", "+CGDCONT: (1-15),\"IPV4V6\",,,(0-2),(0-4)") },
        { Bg95, "AT+CGDCONT=0,\"IP\",\"a\"", Error },
        { Bg95, "AT+CGDCONT=1,\"X25\",\"a\"", Error },
        { A7670, "AT+CGDCONT=1", "\r\nERROR\r\n" },

        // Bg95 TCP/IP context commands.
        { Bg95, "AT+QICSGP=?", Info("+QICSGP: (1-16),(1-3),<APN>,<username>,<password>,(0-3)") },
        { Bg95, "AT+QICSGP=1", Info("+QICSGP: 1,\"\",\"\",\"\",0") },
        { Bg95, "AT+QICSGP=17", Error },
        { Bg95, "AT+QICSGP=1,4,\"apn\"", Error },
        { Bg95, "AT+QICSGP=1,1,\"apn\",\"u\",\"p\",4", Error },
        { Bg95, "AT+QIACT?", Ok },
        { Bg95, "AT+QIACT=?", Info("+QIACT: (1-16)") },
        { Bg95, "AT+QIDEACT=?", Info("+QIDEACT: (1-16)") },
        { Bg95, "AT+QIDEACT=1", Ok },
        { Bg95, "AT+QIACT=0", Error },
        { Bg95, "AT+QISDE?", Info("+QISDE: 1") },
        { Bg95, "AT+QISDE=?", Info("+QISDE: (0,1)") },
        { Bg95, "AT+QISDE=2", Error },

        // SIMCom network commands.
        { A7670, "AT+CPSI?", Info("+CPSI: LTE,Online,001-01,0x0001,2561,147,EUTRAN-BAND8,3500,3,0,14,38,37,2") },
        { A7670, "AT+CPSI=10", Error },
        { A7670, "AT+NETOPEN?", Info("+NETOPEN: 0") },
        { A7670, "AT+IPADDR", "\r\n+IP ERROR: Network not opened\r\n\r\nERROR\r\n" },
        { A7670, "AT+NETCLOSE", "\r\n+IP ERROR: Network is already closed\r\n\r\nERROR\r\n" },
        { A7670, "AT+CSSLCFG=?", Info(
            "+CSSLCFG: \"sslversion\",(0-9),(0-4)", "+CSSLCFG: \"authmode\",(0-9),(0-3)", "+CSSLCFG: \"ignorelocaltime\",(0-9),(0,1)",
            "+CSSLCFG: \"negotiatetime\",(0-9),(10-300)", "+CSSLCFG: \"cacert\",(0-9),(5-108)", "+CSSLCFG: \"clientcert\",(0-9),(5-108)",
            "+CSSLCFG: \"clientkey\",(0-9),(5-108)", "+CSSLCFG: \"password\",(0-9),(5-108)", "+CSSLCFG: \"enableSNI\",(0-9),(0,1)",
            "+CSSLCFG: \"ignorecertCN\",(0-9),(0,1)") },
        { A7670, "AT+CSSLCFG=\"sslversion\",0,5", Error },
        { A7670, "AT+CSSLCFG=\"sslversion\",10,4", Error },
        { A7670, "AT+CSSLCFG=\"tls13\",0,1", Error },
        { A7670, "AT+CSSLCFG=\"cacert\",0,\"a.pe\"", Error },
        { A7670, "AT+CSSLCFG=\"negotiatetime\",0,9", Error },

        // What each family does not have.
        { Bg95, "AT+NETOPEN", Error },
        { A7670, "AT+QIACT=1", Error },
        { Bg95, "AT+RST", Error },
        { Bg95, "AT+MQTTCONN?", Error },
        { Bg95, "AT+CWJAP?", Error },
    };

    [Theory]
    [MemberData(nameof(Answers))]
    public async Task Each_command_answers_as_the_module(string profile, string line, string response)
    {
        await using var h = await StartAsync(profile);
        await h.CommandAsync(line, response);
        await h.AssertAliveAsync();
    }

    [Fact]
    public async Task The_cssl_contexts_keep_what_is_set_and_list_it_with_eleven_fields()
    {
        await using var h = await StartAsync(A7670);
        await h.CommandAsync("AT+CSSLCFG=\"sslversion\",2,3", Ok);
        await h.CommandAsync("AT+CSSLCFG=\"authmode\",2,2", Ok);
        await h.CommandAsync("AT+CSSLCFG=\"ignorelocaltime\",2,0", Ok);
        await h.CommandAsync("AT+CSSLCFG=\"negotiatetime\",2,120", Ok);
        await h.CommandAsync("AT+CSSLCFG=\"cacert\",2,\"ca.pem\"", Ok);
        await h.CommandAsync("AT+CSSLCFG=\"clientcert\",2,\"cert.pem\"", Ok);
        await h.CommandAsync("AT+CSSLCFG=\"clientkey\",2,\"key.pem\"", Ok);
        await h.CommandAsync("AT+CSSLCFG=\"password\",2,\"pass.txt\"", Ok);
        await h.CommandAsync("AT+CSSLCFG=\"ENABLESNI\",2,1", Ok);
        await h.CommandAsync("AT+CSSLCFG=\"ignorecertCN\",2,1", Ok);

        string untouched = "4,0,1,300,\"\",\"\",\"\",\"\",0,0";
        await h.CommandAsync("AT+CSSLCFG?", Info(
        [
            "+CSSLCFG: 0," + untouched, "+CSSLCFG: 1," + untouched,
            "+CSSLCFG: 2,3,2,0,120,\"ca.pem\",\"cert.pem\",\"key.pem\",\"pass.txt\",1,1",
            .. Enumerable.Range(3, 7).Select(i => $"+CSSLCFG: {i}," + untouched),
        ]));

        var ctx = h.Modem.Network.SslContexts[2];
        Assert.Equal(("ca.pem", "cert.pem", "key.pem", 2, 1), (ctx.CaCert, ctx.ClientCert, ctx.ClientKey, ctx.AuthMode, ctx.EnableSni));
    }
}
