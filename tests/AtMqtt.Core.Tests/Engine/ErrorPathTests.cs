using Xunit;

namespace AtMqtt.Core.Tests.Engine;

/// <summary>
/// Every error path of every command that needs no broker: each limit at its value and one past,
/// each number at both ends of its range and one past, missing and extra parameters, broken quotes.
/// Each row runs with AT+SYSLOG=1 (exact ERR CODE) and again with AT+SYSLOG=0 (plain ERROR), checks
/// that nothing changed, and that AT still answers OK.
/// </summary>
/// <remarks>
/// Setup: "-" a fresh modem, "U" after a good AT+MQTTUSERCFG. <c>{xN}</c> stands for N copies of x.
/// Rows whose value is valid fail on a later check (0x010a6001 not configured, 0x010a6051 not
/// connected), which shows that the value itself passed.
/// </remarks>
public class ErrorPathTests
{
    private static async Task<InMemoryModem> SetUpAsync(string setup)
    {
        var s = await InMemoryModem.StartAsync();
        if (setup == "U")
        {
            await s.UserConfigAsync("error-paths");
        }

        return s;
    }

    private static string QueryFor(string setup) => setup == "U"
        ? "+MQTTCONN:0,disconnect,1,\"\",0,0\r\n\r\nOK\r\n"
        : "+MQTTCONN:0,disconnect,0,\"\",0,0\r\n\r\nOK\r\n";

    [Theory]
    // ---- generic
    [InlineData("-", "at", "0x01030000")]
    [InlineData("-", "At+MQTTCLEAN=0", "0x01030000")]
    [InlineData("-", "hello", "0x01030000")]
    [InlineData("-", "AT+FOO", "0x01090000")]
    [InlineData("-", "AT+FOO=1,2", "0x01090000")]
    [InlineData("-", "AT+mqttclean=0", "0x01090000")]
    [InlineData("-", "ATE2", "0x01090000")]
    [InlineData("-", "AT+MQTTPUB", "0x010c0000")]
    [InlineData("-", "AT+MQTTPUB?", "0x010c0000")]
    [InlineData("-", "AT+MQTTPUB=?", "0x010c0000")]
    [InlineData("-", "AT+MQTTUSERCFG?", "0x010c0000")]
    [InlineData("-", "AT+MQTTCLEAN", "0x010c0000")]
    [InlineData("-", "AT+MQTTCLEAN?", "0x010c0000")]
    [InlineData("-", "AT+MQTTCONN", "0x010c0000")]
    [InlineData("-", "AT+MQTTSUB", "0x010c0000")]
    [InlineData("-", "AT+MQTTPUB=0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16", "0x01080010")]
    // ---- AT+MQTTUSERCFG=<LinkID>,<scheme>,<"client_id">,<"username">,<"password">,<cert_key_ID>,<CA_ID>,<"path">
    [InlineData("-", "AT+MQTTUSERCFG=0,1,\"c\",\"u\",\"p\",0,0,\"\",0", "0x01060809")]
    [InlineData("-", "AT+MQTTUSERCFG=0,1,\"c\",\"u\",\"p\",0,0", "0x01060807")]
    [InlineData("-", "AT+MQTTUSERCFG=0", "0x01060801")]
    [InlineData("-", "AT+MQTTUSERCFG=", "0x01060801")]
    [InlineData("-", "AT+MQTTUSERCFG=1,1,\"c\",\"u\",\"p\",0,0,\"\"", "0x010a6011")]
    [InlineData("-", "AT+MQTTUSERCFG=x,1,\"c\",\"u\",\"p\",0,0,\"\"", "0x010a6010")]
    [InlineData("-", "AT+MQTTUSERCFG=,1,\"c\",\"u\",\"p\",0,0,\"\"", "0x010a6010")]
    [InlineData("-", "AT+MQTTUSERCFG=\"0\",1,\"c\",\"u\",\"p\",0,0,\"\"", "0x010a6010")]
    [InlineData("-", "AT+MQTTUSERCFG=0,0,\"c\",\"u\",\"p\",0,0,\"\"", "0x010a6013")]
    [InlineData("-", "AT+MQTTUSERCFG=0,3,\"c\",\"u\",\"p\",0,0,\"\"", "0x010a6013")]
    [InlineData("-", "AT+MQTTUSERCFG=0,-1,\"c\",\"u\",\"p\",0,0,\"\"", "0x010a6012")]
    [InlineData("-", "AT+MQTTUSERCFG=0,1 ,\"c\",\"u\",\"p\",0,0,\"\"", "0x010a6012")]
    [InlineData("-", "AT+MQTTUSERCFG=0,1,\"\",\"u\",\"p\",0,0,\"\"", "0x010a6015")]
    [InlineData("-", "AT+MQTTUSERCFG=0,1,,\"u\",\"p\",0,0,\"\"", "0x010a6014")]
    [InlineData("-", "AT+MQTTUSERCFG=0,1,\"c\",\"{u65}\",\"p\",0,0,\"\"", "0x010a6019")]
    [InlineData("-", "AT+MQTTUSERCFG=0,1,\"c\",\"{é33}\",\"p\",0,0,\"\"", "0x010a6019")]
    [InlineData("-", "AT+MQTTUSERCFG=0,1,\"c\",\"{a64}\\,\",\"p\",0,0,\"\"", "0x010a6019")]
    [InlineData("-", "AT+MQTTUSERCFG=0,1,\"c\",,\"p\",0,0,\"\"", "0x010a6017")]
    [InlineData("-", "AT+MQTTUSERCFG=0,1,\"c\",\"u\",\"{p65}\",0,0,\"\"", "0x010a601c")]
    [InlineData("-", "AT+MQTTUSERCFG=0,1,\"c\",\"u\",,0,0,\"\"", "0x010a601a")]
    [InlineData("-", "AT+MQTTUSERCFG=0,1,\"c\",\"u\",\"p\",1,0,\"\"", "0x010a601e")]
    [InlineData("-", "AT+MQTTUSERCFG=0,1,\"c\",\"u\",\"p\",x,0,\"\"", "0x010a601d")]
    [InlineData("-", "AT+MQTTUSERCFG=0,1,\"c\",\"u\",\"p\",,0,\"\"", "0x010a601d")]
    [InlineData("-", "AT+MQTTUSERCFG=0,1,\"c\",\"u\",\"p\",0,1,\"\"", "0x010a6020")]
    [InlineData("-", "AT+MQTTUSERCFG=0,1,\"c\",\"u\",\"p\",0,,\"\"", "0x010a601f")]
    [InlineData("-", "AT+MQTTUSERCFG=0,1,\"c\",\"u\",\"p\",0,0,\"{/33}\"", "0x010a6029")]
    [InlineData("-", "AT+MQTTUSERCFG=0,1,\"c\",\"u\",\"p\",0,0,", "0x010a6027")]
    [InlineData("-", "AT+MQTTUSERCFG=0,1,\"c,\"u\",\"p\",0,0,\"\"", "0x01080002")]
    [InlineData("-", "AT+MQTTUSERCFG=0,1,\"c\"x,\"u\",\"p\",0,0,\"\"", "0x01080002")]
    [InlineData("-", "AT+MQTTUSERCFG=0,1,c\"d,\"u\",\"p\",0,0,\"\"", "0x01080002")]
    [InlineData("-", "AT+MQTTUSERCFG=0,1,\"c\",\"u\",\"p\",0,0,\"path", "0x01080007")]
    [InlineData("-", "AT+MQTTUSERCFG=0,1,\"c\",\"u\",\"p\",0,0,\"path\\\"", "0x01080007")]
    [InlineData("-", "AT+MQTTUSERCFG=0,1,\"c\",\"u\",\"p\",0,0,path\\", "0x01080007")]
    // ---- AT+MQTTCONNCFG=<LinkID>,<keepalive>,<disable_clean_session>,<"lwt_topic">,<"lwt_msg">[,<lwt_qos>][,<lwt_retain>]
    [InlineData("-", "AT+MQTTCONNCFG=0,120,0,\"t\",\"m\",0,0", "0x010a6001")]
    [InlineData("U", "AT+MQTTCONNCFG=1,120,0,\"t\",\"m\",0,0", "0x010a6011")]
    [InlineData("U", "AT+MQTTCONNCFG=0,7201,0,\"t\",\"m\",0,0", "0x010a602d")]
    [InlineData("U", "AT+MQTTCONNCFG=0,-1,0,\"t\",\"m\",0,0", "0x010a602b")]
    [InlineData("U", "AT+MQTTCONNCFG=0,x,0,\"t\",\"m\",0,0", "0x010a602b")]
    [InlineData("U", "AT+MQTTCONNCFG=0,,0,\"t\",\"m\",0,0", "0x010a602b")]
    [InlineData("U", "AT+MQTTCONNCFG=0,120,2,\"t\",\"m\",0,0", "0x010a602f")]
    [InlineData("U", "AT+MQTTCONNCFG=0,120,,\"t\",\"m\",0,0", "0x010a602e")]
    [InlineData("U", "AT+MQTTCONNCFG=0,120,0,\"{t129}\",\"m\",0,0", "0x010a6032")]
    [InlineData("U", "AT+MQTTCONNCFG=0,120,0,\"a/+\",\"m\",0,0", "0x010a6030")]
    [InlineData("U", "AT+MQTTCONNCFG=0,120,0,\"a/#\",\"m\",0,0", "0x010a6030")]
    [InlineData("U", "AT+MQTTCONNCFG=0,120,0,,\"m\",0,0", "0x010a6030")]
    [InlineData("U", "AT+MQTTCONNCFG=0,120,0,\"t\",\"{m65}\",0,0", "0x010a6035")]
    [InlineData("U", "AT+MQTTCONNCFG=0,120,0,\"t\",,0,0", "0x010a6033")]
    [InlineData("U", "AT+MQTTCONNCFG=0,120,0,\"t\",\"m\",3,0", "0x010a6037")]
    [InlineData("U", "AT+MQTTCONNCFG=0,120,0,\"t\",\"m\",x,0", "0x010a6036")]
    [InlineData("U", "AT+MQTTCONNCFG=0,120,0,\"t\",\"m\",0,2", "0x010a6039")]
    [InlineData("U", "AT+MQTTCONNCFG=0,120,0,\"t\",\"m\",0,x", "0x010a6038")]
    [InlineData("U", "AT+MQTTCONNCFG=0,120,0,\"t\"", "0x01060504")]
    [InlineData("U", "AT+MQTTCONNCFG=0,120,0,\"t\",\"m\",0,0,0", "0x01060708")]
    [InlineData("U", "AT+MQTTCONNCFG=0,120,0,\"t\",\"m", "0x01080004")]
    [InlineData("U", "AT+MQTTCONNCFG=0,120,0,\"t\"\"m\",0,0", "0x01080003")]
    // ---- AT+MQTTCONN=<LinkID>,<"host">,<port>,<reconnect>[,<timeout_ms>]
    [InlineData("-", "AT+MQTTCONN=0,\"127.0.0.1\",1883,0", "0x010a6001")]
    [InlineData("-", "AT+MQTTCONN=1,\"127.0.0.1\",1883,0", "0x010a6011")]
    [InlineData("-", "AT+MQTTCONN=0,\"\",1883,0", "0x010a603b")]
    [InlineData("-", "AT+MQTTCONN=0,,1883,0", "0x010a603a")]
    [InlineData("-", "AT+MQTTCONN=0,\"{h64}\",1883,0", "0x010a6001")]
    [InlineData("-", "AT+MQTTCONN=0,\"{h65}\",1883,0", "0x010a603c")]
    [InlineData("-", "AT+MQTTCONN=0,\"h\",1,0", "0x010a6001")]
    [InlineData("-", "AT+MQTTCONN=0,\"h\",65535,1", "0x010a6001")]
    [InlineData("-", "AT+MQTTCONN=0,\"h\",0,0", "0x010a603e")]
    [InlineData("-", "AT+MQTTCONN=0,\"h\",65536,0", "0x010a603e")]
    [InlineData("-", "AT+MQTTCONN=0,\"h\",x,0", "0x010a603d")]
    [InlineData("-", "AT+MQTTCONN=0,\"h\",\"1883\",0", "0x010a603d")]
    [InlineData("-", "AT+MQTTCONN=0,\"h\",,0", "0x010a603d")]
    [InlineData("-", "AT+MQTTCONN=0,\"h\",1883,2", "0x010a6040")]
    [InlineData("-", "AT+MQTTCONN=0,\"h\",1883,", "0x010a603f")]
    [InlineData("-", "AT+MQTTCONN=0,\"h\",1883,0,2999", "0x010a6008")]
    [InlineData("-", "AT+MQTTCONN=0,\"h\",1883,0,60001", "0x010a6008")]
    [InlineData("-", "AT+MQTTCONN=0,\"h\",1883,0,3000", "0x010a6001")]
    [InlineData("-", "AT+MQTTCONN=0,\"h\",1883,0,60000", "0x010a6001")]
    [InlineData("-", "AT+MQTTCONN=0,\"h\",1883,0,", "0x010a6001")]
    [InlineData("-", "AT+MQTTCONN=0,\"h\",1883", "0x01060403")]
    [InlineData("-", "AT+MQTTCONN=0,\"h\",1883,0,3000,1", "0x01060506")]
    [InlineData("-", "AT+MQTTCONN=0,\"h,1883,0", "0x01080001")]
    [InlineData("U", "AT+MQTTCONN=0,\"\",1883,0", "0x010a603b")]
    [InlineData("U", "AT+MQTTCONN=0,\"h\",65536,0", "0x010a603e")]
    // ---- AT+MQTTPUB=<LinkID>,<"topic">,<"data">,<qos>,<retain>[,<timeout_ms>]
    [InlineData("-", "AT+MQTTPUB=0,\"t\",\"d\",0,0", "0x010a6051")]
    [InlineData("U", "AT+MQTTPUB=0,\"t\",\"d\",0,0", "0x010a6051")]
    [InlineData("-", "AT+MQTTPUB=0,test/abc,987654321,1,0", "0x010a6051")]
    [InlineData("-", "AT+MQTTPUB=1,\"t\",\"d\",0,0", "0x010a6011")]
    [InlineData("-", "AT+MQTTPUB=0,\"\",\"d\",0,0", "0x010a6042")]
    [InlineData("-", "AT+MQTTPUB=0,,\"d\",0,0", "0x010a6041")]
    [InlineData("-", "AT+MQTTPUB=0,\"{a128}\",\"d\",0,0", "0x010a6051")]
    [InlineData("-", "AT+MQTTPUB=0,\"{a129}\",\"d\",0,0", "0x010a6043")]
    [InlineData("-", "AT+MQTTPUB=0,\"{é64}\",\"d\",0,0", "0x010a6051")]
    [InlineData("-", "AT+MQTTPUB=0,\"{é64}a\",\"d\",0,0", "0x010a6043")]
    [InlineData("-", "AT+MQTTPUB=0,\"a/+\",\"d\",0,0", "0x010a6041")]
    [InlineData("-", "AT+MQTTPUB=0,\"a/#\",\"d\",0,0", "0x010a6041")]
    [InlineData("-", "AT+MQTTPUB=0,\"#\",\"d\",0,0", "0x010a6041")]
    [InlineData("-", "AT+MQTTPUB=0,a+b,\"d\",0,0", "0x010a6041")]
    [InlineData("-", "AT+MQTTPUB=0,\"t\",\"\",0,0", "0x010a6045")]
    [InlineData("-", "AT+MQTTPUB=0,\"t\",,0,0", "0x010a6044")]
    [InlineData("-", "AT+MQTTPUB=0,\"t\",\"d\",2,0", "0x010a6051")]
    [InlineData("-", "AT+MQTTPUB=0,\"t\",\"d\",3,0", "0x010a6048")]
    [InlineData("-", "AT+MQTTPUB=0,\"t\",\"d\",x,0", "0x010a6047")]
    [InlineData("-", "AT+MQTTPUB=0,\"t\",\"d\",,0", "0x010a6047")]
    [InlineData("-", "AT+MQTTPUB=0,\"t\",\"d\",0,1", "0x010a6051")]
    [InlineData("-", "AT+MQTTPUB=0,\"t\",\"d\",0,2", "0x010a604a")]
    [InlineData("-", "AT+MQTTPUB=0,\"t\",\"d\",0,", "0x010a6049")]
    [InlineData("-", "AT+MQTTPUB=0,\"t\",\"d\",0,0,3000", "0x010a6051")]
    [InlineData("-", "AT+MQTTPUB=0,\"t\",\"d\",0,0,60000", "0x010a6051")]
    [InlineData("-", "AT+MQTTPUB=0,\"t\",\"d\",0,0,2999", "0x010a6008")]
    [InlineData("-", "AT+MQTTPUB=0,\"t\",\"d\",0,0,60001", "0x010a6008")]
    [InlineData("-", "AT+MQTTPUB=0,\"t\",\"d\",0", "0x01060504")]
    [InlineData("-", "AT+MQTTPUB=0,\"t\",\"d\",0,0,3000,1", "0x01060607")]
    [InlineData("-", "AT+MQTTPUB=0,\"t\",\"d\\\",0,0", "0x01080002")]
    [InlineData("-", "AT+MQTTPUB=0,\"t\",\"d\"x,0,0", "0x01080002")]
    [InlineData("-", "AT+MQTTPUB=0,\"t\",d\"x,0,0", "0x01080002")]
    [InlineData("-", "AT+MQTTPUB=0,\"t,\"d\",0,0", "0x01080001")]
    // ---- AT+MQTTPUBRAW=<LinkID>,<"topic">,<length>[,<qos>][,<retain>][,<timeout_ms>]
    [InlineData("-", "AT+MQTTPUBRAW=0,\"t\",1", "0x010a6051")]
    [InlineData("-", "AT+MQTTPUBRAW=0,\"t\",512,2,1", "0x010a6051")]
    [InlineData("-", "AT+MQTTPUBRAW=0,\"t\",0", "0x010a604c")]
    [InlineData("-", "AT+MQTTPUBRAW=0,\"t\",513", "0x010a604c")]
    [InlineData("-", "AT+MQTTPUBRAW=0,\"t\",x", "0x010a604b")]
    [InlineData("-", "AT+MQTTPUBRAW=0,\"t\",", "0x010a604b")]
    [InlineData("-", "AT+MQTTPUBRAW=1,\"t\",1", "0x010a6011")]
    [InlineData("-", "AT+MQTTPUBRAW=0,\"\",1", "0x010a6042")]
    [InlineData("-", "AT+MQTTPUBRAW=0,\"a/#\",1", "0x010a6041")]
    [InlineData("-", "AT+MQTTPUBRAW=0,\"{a128}\",1", "0x010a6051")]
    [InlineData("-", "AT+MQTTPUBRAW=0,\"{a129}\",1", "0x010a6043")]
    [InlineData("-", "AT+MQTTPUBRAW=0,\"t\",1,3", "0x010a6048")]
    [InlineData("-", "AT+MQTTPUBRAW=0,\"t\",1,0,2", "0x010a604a")]
    [InlineData("-", "AT+MQTTPUBRAW=0,\"t\",1,,1", "0x010a6051")]
    [InlineData("-", "AT+MQTTPUBRAW=0,\"t\",1,,,3000", "0x010a6051")]
    [InlineData("-", "AT+MQTTPUBRAW=0,\"t\",1,0,0,2999", "0x010a6008")]
    [InlineData("-", "AT+MQTTPUBRAW=0,\"t\",1,0,0,60001", "0x010a6008")]
    [InlineData("-", "AT+MQTTPUBRAW=0,\"t\"", "0x01060302")]
    [InlineData("-", "AT+MQTTPUBRAW=0,\"t\",1,0,0,3000,1", "0x01060607")]
    [InlineData("-", "AT+MQTTPUBRAW=0,\"t,1", "0x01080001")]
    // ---- AT+MQTTSUB=<LinkID>,<"topic">,<qos>[,<timeout_ms>]
    [InlineData("-", "AT+MQTTSUB=0,\"t\",0", "0x010a6001")]
    [InlineData("U", "AT+MQTTSUB=0,\"t\",0", "0x010a600d")]
    [InlineData("-", "AT+MQTTSUB=1,\"t\",0", "0x010a6011")]
    [InlineData("-", "AT+MQTTSUB=0,\"\",0", "0x010a6042")]
    [InlineData("-", "AT+MQTTSUB=0,,0", "0x010a6041")]
    [InlineData("-", "AT+MQTTSUB=0,\"{a128}\",0", "0x010a6001")]
    [InlineData("-", "AT+MQTTSUB=0,\"{a129}\",0", "0x010a6043")]
    [InlineData("-", "AT+MQTTSUB=0,\"a/#\",0", "0x010a6001")]
    [InlineData("-", "AT+MQTTSUB=0,\"#\",0", "0x010a6001")]
    [InlineData("-", "AT+MQTTSUB=0,\"+\",0", "0x010a6001")]
    [InlineData("-", "AT+MQTTSUB=0,\"a/+/b\",0", "0x010a6001")]
    [InlineData("-", "AT+MQTTSUB=0,\"+/+/#\",0", "0x010a6001")]
    [InlineData("-", "AT+MQTTSUB=0,\"a#\",0", "0x010a6041")]
    [InlineData("-", "AT+MQTTSUB=0,\"a+/b\",0", "0x010a6041")]
    [InlineData("-", "AT+MQTTSUB=0,\"a/#/b\",0", "0x010a6041")]
    [InlineData("-", "AT+MQTTSUB=0,\"a/b+\",0", "0x010a6041")]
    [InlineData("-", "AT+MQTTSUB=0,\"##\",0", "0x010a6041")]
    [InlineData("-", "AT+MQTTSUB=0,\"t\",2", "0x010a6001")]
    [InlineData("-", "AT+MQTTSUB=0,\"t\",3", "0x010a6048")]
    [InlineData("-", "AT+MQTTSUB=0,\"t\",", "0x010a6047")]
    [InlineData("-", "AT+MQTTSUB=0,\"t\",0,3000", "0x010a6001")]
    [InlineData("-", "AT+MQTTSUB=0,\"t\",0,60000", "0x010a6001")]
    [InlineData("-", "AT+MQTTSUB=0,\"t\",0,2999", "0x010a6008")]
    [InlineData("-", "AT+MQTTSUB=0,\"t\",0,60001", "0x010a6008")]
    [InlineData("-", "AT+MQTTSUB=0,\"t\"", "0x01060302")]
    [InlineData("-", "AT+MQTTSUB=0,\"t\",0,3000,1", "0x01060405")]
    [InlineData("-", "AT+MQTTSUB=0,\"t,0", "0x01080001")]
    // ---- AT+MQTTUNSUB=<LinkID>,<"topic">[,<timeout_ms>]
    [InlineData("-", "AT+MQTTUNSUB=1,\"t\"", "0x010a6011")]
    [InlineData("-", "AT+MQTTUNSUB=0,\"\"", "0x010a6042")]
    [InlineData("-", "AT+MQTTUNSUB=0,\"a#\"", "0x010a6041")]
    [InlineData("-", "AT+MQTTUNSUB=0,\"{a129}\"", "0x010a6043")]
    [InlineData("-", "AT+MQTTUNSUB=0,\"t\",2999", "0x010a6008")]
    [InlineData("-", "AT+MQTTUNSUB=0,\"t\",60001", "0x010a6008")]
    [InlineData("-", "AT+MQTTUNSUB=0", "0x01060201")]
    [InlineData("-", "AT+MQTTUNSUB=0,\"t\",3000,1", "0x01060304")]
    [InlineData("-", "AT+MQTTUNSUB=0,\"t", "0x01080001")]
    // ---- AT+MQTTCLEAN=<LinkID>
    [InlineData("-", "AT+MQTTCLEAN=1", "0x010a6011")]
    [InlineData("-", "AT+MQTTCLEAN=", "0x010a6010")]
    [InlineData("-", "AT+MQTTCLEAN=x", "0x010a6010")]
    [InlineData("-", "AT+MQTTCLEAN=\"0\"", "0x010a6010")]
    [InlineData("-", "AT+MQTTCLEAN=0,0", "0x01060102")]
    [InlineData("U", "AT+MQTTCLEAN=1", "0x010a6011")]
    public async Task Bad_input_is_ERROR_changes_nothing_and_AT_still_works(string setup, string template, string code)
    {
        var line = Text.Expand(template);
        Assert.True(line.Length <= 256, $"row too long for one line: {line.Length}");
        await using var s = await SetUpAsync(setup);

        await s.SysLogOnAsync();
        await s.CommandAsync(line, Text.Error(code));
        await s.AssertAliveAsync();
        await s.CommandAsync("AT+MQTTCONN?", QueryFor(setup));

        await s.CommandAsync("AT+SYSLOG=0", "\r\nOK\r\n");
        await s.CommandAsync(line, "\r\nERROR\r\n");
        await s.AssertAliveAsync();
        await s.CommandAsync("AT+MQTTCONN?", QueryFor(setup));
    }

    [Theory]
    [InlineData("-", "AT+MQTTUSERCFG=0,1,\"c\",\"u\",\"p\",0,0,\"\"")]
    [InlineData("-", "AT+MQTTUSERCFG=0,2,\"c\",\"u\",\"p\",0,0,\"\"")]
    [InlineData("-", "AT+MQTTUSERCFG=0,1,c,u,p,0,0,path")]
    [InlineData("-", "AT+MQTTUSERCFG=0,1,\"{c221}\",\"\",\"\",0,0,\"\"")]
    [InlineData("-", "AT+MQTTUSERCFG=0,1,\"c\",\"{u64}\",\"{p64}\",0,0,\"{/32}\"")]
    [InlineData("-", "AT+MQTTUSERCFG=0,1,\"c\",\"{é32}\",\"{ü32}\",0,0,\"\"")]
    [InlineData("-", "AT+MQTTUSERCFG=0,1,\"c\",\"{a62}\\,\\\"\",\"{b63}\\\\\",0,0,\"\"")]
    [InlineData("-", "AT+MQTTUSERCFG=0,1,c\\,d,u\\\"v,\"\",0,0,\"\"")]
    [InlineData("-", "AT+MQTTUSERCFG=0,1,\"c\",\"\",\"\",0,0,\"\"")]
    [InlineData("-", "AT+MQTTUSERCFG=00,001,\"c\",\"\",\"\",00,0,\"\"")]
    [InlineData("U", "AT+MQTTUSERCFG=0,1,\"again\",\"\",\"\",0,0,\"\"")]
    [InlineData("U", "AT+MQTTCONNCFG=0,0,0,\"\",\"\",0,0")]
    [InlineData("U", "AT+MQTTCONNCFG=0,7200,1,\"{t128}\",\"{m64}\",2,1")]
    [InlineData("U", "AT+MQTTCONNCFG=0,120,0,\"t\",\"{é32}\",1,0")]
    [InlineData("U", "AT+MQTTCONNCFG=0,120,0,\"t\",\"m\"")]
    [InlineData("U", "AT+MQTTCONNCFG=0,120,0,\"t\",\"m\",,1")]
    [InlineData("U", "AT+MQTTCONNCFG=0,120,0,\"t\",\"m\",1,")]
    [InlineData("U", "AT+MQTTCONNCFG=0,120,0,\"t\",\"m\",1")]
    [InlineData("U", "AT+MQTTCONNCFG=0,120,0,t,bye bye,1,0")]
    [InlineData("-", "AT+MQTTCLEAN=0")]
    [InlineData("U", "AT+MQTTCLEAN=0")]
    public async Task Values_at_their_limits_are_accepted(string setup, string template)
    {
        var line = Text.Expand(template);
        Assert.True(line.Length <= 256, $"row too long for one line: {line.Length}");
        await using var s = await SetUpAsync(setup);
        await s.CommandAsync(line, "\r\nOK\r\n");
        await s.AssertAliveAsync();
    }

    [Fact]
    public async Task A_good_usercfg_shows_in_the_query_and_a_bad_one_leaves_it()
    {
        await using var s = await InMemoryModem.StartAsync();
        await s.CommandAsync("AT+MQTTCONN?", "+MQTTCONN:0,disconnect,0,\"\",0,0\r\n\r\nOK\r\n");
        await s.CommandAsync("AT+MQTTUSERCFG=0,3,\"c\",\"u\",\"p\",0,0,\"\"", "\r\nERROR\r\n");
        await s.CommandAsync("AT+MQTTCONN?", "+MQTTCONN:0,disconnect,0,\"\",0,0\r\n\r\nOK\r\n");
        await s.CommandAsync("AT+MQTTUSERCFG=0,1,\"c\",\"u\",\"p\",0,0,\"\"", "\r\nOK\r\n");
        await s.CommandAsync("AT+MQTTCONN?", "+MQTTCONN:0,disconnect,1,\"\",0,0\r\n\r\nOK\r\n");
    }

    [Fact]
    public async Task Unsub_while_not_connected_is_NO_UNSUBSCRIBE_then_OK()
    {
        await using var s = await InMemoryModem.StartAsync();
        await s.CommandAsync("AT+MQTTUNSUB=0,\"t\"", "NO UNSUBSCRIBE\r\n\r\nOK\r\n");
        await s.UserConfigAsync("unsub");
        await s.CommandAsync("AT+MQTTUNSUB=0,\"a/#\",3000", "NO UNSUBSCRIBE\r\n\r\nOK\r\n");
        await s.AssertAliveAsync();
    }

    [Fact]
    public async Task Clean_is_OK_any_time_and_repeatable()
    {
        await using var s = await InMemoryModem.StartAsync();
        await s.CommandAsync("AT+MQTTCLEAN=0", "\r\nOK\r\n");
        await s.CommandAsync("AT+MQTTCLEAN=0", "\r\nOK\r\n");
        await s.UserConfigAsync("clean");
        await s.CommandAsync("AT+MQTTCONNCFG=0,120,0,\"t\",\"m\",0,0", "\r\nOK\r\n");
        await s.CommandAsync("AT+MQTTCLEAN=0", "\r\nOK\r\n");
        await s.CommandAsync("AT+MQTTCONN?", "+MQTTCONN:0,disconnect,0,\"\",0,0\r\n\r\nOK\r\n");
        await s.CommandAsync("AT+MQTTCONNCFG=0,120,0,\"t\",\"m\",0,0", "\r\nERROR\r\n");
        await s.CommandAsync("AT+MQTTCLEAN=0", "\r\nOK\r\n");
        await s.AssertAliveAsync();
    }

    [Fact]
    public async Task Non_UTF8_strings_are_refused()
    {
        await using var s = await InMemoryModem.StartAsync();
        await s.SysLogOnAsync();
        var line = Text.Concat(Text.Utf8("AT+MQTTUSERCFG=0,1,\"c"), [0xFF, 0xFE], Text.Utf8("\",\"\",\"\",0,0,\"\"\r\n"));
        await s.SendAsync(line);
        await s.ExpectAsync(Text.Concat(line, Text.Utf8(Text.Error("0x010a6014"))));
        await s.AssertAliveAsync();
    }
}
