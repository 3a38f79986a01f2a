using AtMqtt.Testing;
using Xunit;
using static AtMqtt.Core.Tests.Commands.Simcom.SimcomHost;

namespace AtMqtt.Core.Tests.Commands.Simcom;

/// <summary>simcom-a7670's test and read forms, its plain ERRORs and each result code it produces, byte for byte.</summary>
public class CmqttAnswerTests(BrokerFixture broker) : IClassFixture<BrokerFixture>
{
    [Fact]
    public async Task Test_forms_answer_as_the_A76XX_manual()
    {
        await using var m = await StartAsync();
        await m.CommandAsync("AT+CMQTTACCQ=?", Info("+CMQTTACCQ: (0-1),(1-128)[,(0-1)]"));
        await m.CommandAsync("AT+CMQTTREL=?", Info("+CMQTTREL: (0-1)"));
        await m.CommandAsync("AT+CMQTTSSLCFG=?", Info("+CMQTTSSLCFG: (0,1),(0-9)"));
        await m.CommandAsync("AT+CMQTTWILLTOPIC=?", Info("+CMQTTWILLTOPIC: (0-1),(1-1024)"));
        await m.CommandAsync("AT+CMQTTWILLMSG=?", Info("+CMQTTWILLMSG: (0-1),(1-1024),(0-2)"));
        await m.CommandAsync("AT+CMQTTCONNECT=?", Info("+CMQTTCONNECT: (0-1),(9-256),(1-64800),(0-1)[,<user_name>,<pass_word>]"));
        await m.CommandAsync("AT+CMQTTDISC=?", Info("+CMQTTDISC: (0-1),(0,1-180)"));
        await m.CommandAsync("AT+CMQTTTOPIC=?", Info("+CMQTTTOPIC: (0-1),(1-1024)"));
        await m.CommandAsync("AT+CMQTTPAYLOAD=?", Info("+CMQTTPAYLOAD: (0-1),(1-10240)"));
        await m.CommandAsync("AT+CMQTTPUB=?", Info("+CMQTTPUB: (0-1),(0-2),(1-180),(0-1),(0-1)"));
        await m.CommandAsync("AT+CMQTTSUBTOPIC=?", Info("+CMQTTSUBTOPIC: (0-1),(1-1024),(0-2)"));
        await m.CommandAsync("AT+CMQTTSUB=?", Info("+CMQTTSUB: (0-1),(1-1024),(0-2),(0-1)"));
        await m.CommandAsync("AT+CMQTTUNSUBTOPIC=?", Info("+CMQTTUNSUBTOPIC: (0-1),(1-1024)"));
        await m.CommandAsync("AT+CMQTTUNSUB=?", Info("+CMQTTUNSUB: (0-1),(1-1024),(0-1)"));
        await m.CommandAsync("AT+CMQTTCFG=?", Info(
            "+CMQTTCFG: \"checkUTF8\",(0-1),(0-1)",
            "+CMQTTCFG: \"optimeout \",(0-1),(20-120)",
            "+CMQTTCFG: \"aliauth\",(0-1),\"productkey\",\"devicename\",\"devicesecret\"",
            "+CMQTTCFG: \"version\",(0-1),(3-4)"));
    }

    [Fact]
    public async Task With_no_result_delay_a_result_line_still_follows_the_OKs_written_with_its_command()
    {
        // The result is queued by another thread as the handler returns; the OK of a command that answers at once is
        // written after that (batched with the rest of the read). Without the wait for it, the line could come first.
        await using var m = await StartAsync();
        for (int i = 0; i < 40; i++)
        {
            string command = i % 2 == 0 ? "AT+CMQTTSTART" : "AT+CMQTTSTOP";
            await m.SendAsync(command + "\r\nAT\r\n");
            await m.ExpectAsync(command + "\r\n" + Ok + "AT\r\n" + Ok + Urc(command[2..] + ": 0"));
        }
    }

    [Fact]
    public async Task Before_START_every_command_answers_ERROR_and_START_and_STOP_keep_their_rules()
    {
        await using var m = await StartAsync();
        foreach (string line in (string[])["AT+CMQTTACCQ=0,\"a\"", "AT+CMQTTACCQ?", "AT+CMQTTREL?", "AT+CMQTTCFG?", "AT+CMQTTSSLCFG=0,0", "AT+CMQTTTOPIC=0,3", "AT+CMQTTSTOP"])
        {
            await m.CommandAsync(line, Error);
        }

        await m.CommandAsync("AT+CMQTTSTART", Ok + Urc("+CMQTTSTART: 0"));
        await m.CommandAsync("AT+CMQTTSTART", Error);
        await m.CommandAsync("AT+CMQTTREL?", Ok);
        await m.CommandAsync("AT+CMQTTACCQ=1,\"one\",1", Ok);
        await m.CommandAsync("AT+CMQTTACCQ?", Info("+CMQTTACCQ: 0,\"\",0", "+CMQTTACCQ: 1,\"one\",1"));
        await m.CommandAsync("AT+CMQTTACCQ=1,\"again\"", Refused("+CMQTTACCQ: 1,19"));
        await m.CommandAsync("AT+CMQTTSTOP", Refused("+CMQTTSTOP: 21"));
        await m.CommandAsync("AT+CMQTTREL=0", Refused("+CMQTTREL: 0,20"));
        await m.CommandAsync("AT+CMQTTREL=1", Ok);
        await m.CommandAsync("AT+CMQTTSTOP", Ok + Urc("+CMQTTSTOP: 0"));
        await m.CommandAsync("AT+CMQTTSTOP", Error);
    }

    [Fact]
    public async Task CFG_and_SSLCFG_set_and_read_per_client()
    {
        await using var m = await StartAsync();
        await m.CommandAsync("AT+CMQTTSTART", Ok + Urc("+CMQTTSTART: 0"));
        await m.CommandAsync("AT+CMQTTCFG=\"optimeout\",0,24", Error); // not acquired
        await m.CommandAsync("AT+CMQTTACCQ=0,\"c\"", Ok);
        await m.CommandAsync("AT+CMQTTCFG=\"optimeout\",0,24", Ok);
        await m.CommandAsync("AT+CMQTTCFG=\"checkUTF8\",0,0", Ok);
        await m.CommandAsync("AT+CMQTTCFG=\"version\",0,4", Ok);
        await m.CommandAsync("AT+CMQTTCFG=\"aliauth\",0,\"pk\",\"dn\",\"ds\"", Ok);
        await m.CommandAsync("AT+CMQTTCFG=\"optimeout\",0,19", Error);
        await m.CommandAsync("AT+CMQTTCFG=\"version\",0,5", Error);
        await m.CommandAsync("AT+CMQTTCFG=\"argtopic\",0,2", Error);
        await m.CommandAsync("AT+CMQTTCFG?", Info("+CMQTTCFG: 0,0,24", "+CMQTTCFG: 1,1,120"));
        await m.CommandAsync("AT+CMQTTSSLCFG=1,3", Ok);
        await m.CommandAsync("AT+CMQTTSSLCFG=1,10", Error);
        await m.CommandAsync("AT+CMQTTSSLCFG?", Info("+CMQTTSSLCFG: 0,", "+CMQTTSSLCFG: 1,3"));

        // REL clears CFG.
        await m.CommandAsync("AT+CMQTTREL=0", Ok);
        await m.CommandAsync("AT+CMQTTCFG?", Info("+CMQTTCFG: 0,1,120", "+CMQTTCFG: 1,1,120"));
    }

    [Fact]
    public async Task Data_entry_refusals_carry_their_codes()
    {
        await using var m = await StartAsync();
        await m.CommandAsync("AT+CMQTTSTART", Ok + Urc("+CMQTTSTART: 0"));
        await m.CommandAsync("AT+CMQTTTOPIC=0,3", Refused("+CMQTTTOPIC: 0,20"));
        await m.CommandAsync("AT+CMQTTWILLTOPIC=0,3", Refused("+CMQTTWILLTOPIC: 0,20"));
        await m.CommandAsync("AT+CMQTTPUB=0,0,60", Refused("+CMQTTPUB: 0,20"));
        await m.CommandAsync("AT+CMQTTACCQ=0,\"c\"", Ok);
        await m.CommandAsync("AT+CMQTTTOPIC=0,0", Refused("+CMQTTTOPIC: 0,22"));
        await m.CommandAsync("AT+CMQTTTOPIC=0,1025", Refused("+CMQTTTOPIC: 0,22"));
        await m.CommandAsync("AT+CMQTTPAYLOAD=0,10241", Refused("+CMQTTPAYLOAD: 0,22"));
        await m.CommandAsync("AT+CMQTTWILLMSG=0,1025,0", Refused("+CMQTTWILLMSG: 0,22"));
        await m.CommandAsync("AT+CMQTTSUB=0,1025,0", Refused("+CMQTTSUB: 0,22"));
        await m.CommandAsync("AT+CMQTTWILLMSG=0,3,3", Error);
        await m.CommandAsync("AT+CMQTTPUB=0,0,181", Error);
        await m.CommandAsync("AT+CMQTTPUB=2,0,60", Error);

        // checkUTF8 on (the default): bytes that are not UTF-8 are refused with err 2.
        await m.CommandAsync("AT+CMQTTTOPIC=0,2", "\r\n>");
        await m.SendAsync([0xC3, 0x28]);
        await m.ExpectAsync(Refused("+CMQTTTOPIC: 0,2"));
        await m.CommandAsync("AT+CMQTTPUB=0,0,60", Refused("+CMQTTPUB: 0,18"));

        // Not connected yet: PUB and SUB are "client is busy" (14).
        await EnterAsync(m, "AT+CMQTTTOPIC=0,3", "a/b");
        await m.CommandAsync("AT+CMQTTPUB=0,1,60", Refused("+CMQTTPUB: 0,14"));
        await m.CommandAsync("AT+CMQTTSUB=0,3,1", "\r\n>");
        await m.SendAsync("a/b");
        await m.ExpectAsync(Refused("+CMQTTSUB: 0,14"));
        await m.CommandAsync("AT+CMQTTDISC=0,60", Refused("+CMQTTDISC: 0,11"));

        // A data entry whose bytes stop: ERROR after the data timeout, and the modem carries on.
        await m.AssertAliveAsync();
    }

    [Fact]
    public async Task CONNECT_failures_answer_as_the_module()
    {
        await using var m = await StartAsync();
        await m.CommandAsync("AT+CMQTTSTART", Ok + Urc("+CMQTTSTART: 0"));
        await m.CommandAsync($"AT+CMQTTCONNECT=0,\"tcp://127.0.0.1:{broker.Port}\",60,1", Refused("+CMQTTCONNECT: 0,20"));
        await m.CommandAsync("AT+CMQTTACCQ=0,\"" + Unique.Id("cf") + "\"", Ok);
        await m.CommandAsync("AT+CMQTTCONNECT=0,\"http://127.0.0.1:1883\",60,1", Error);
        await m.CommandAsync("AT+CMQTTCONNECT=0,\"tcp://127.0.0.1:1883\",0,1", Error);

        // Nothing listens there: the socket fails before the answer (a real A7670E: URC, then ERROR).
        int closed = FreePort.Get();
        await m.CommandAsync($"AT+CMQTTCONNECT=0,\"tcp://127.0.0.1:{closed}\",60,1", Refused("+CMQTTCONNECT: 0,3"));
        await m.CommandAsync("AT+CMQTTCONNECT=0,\"tcp://no-such-host.invalid:1883\",60,1", Refused("+CMQTTCONNECT: 0,25"));

        // The broker refuses the user: CONNACK 4 is err 30.
        await m.CommandAsync($"AT+CMQTTCONNECT=0,\"tcp://127.0.0.1:{broker.Port}\",60,1,\"{BrokerFixture.RefusedUser}\",\"pw\"", Ok + Urc("+CMQTTCONNECT: 0,30"));

        // Connected: a second CONNECT is not supported (13); a refused SUBSCRIBE is 12; a publish that fails is 17.
        await m.CommandAsync($"AT+CMQTTCONNECT=0,\"tcp://127.0.0.1:{broker.Port}\",60,1,\"user\",\"secret\"", Ok + Urc("+CMQTTCONNECT: 0,0"));
        await m.CommandAsync($"AT+CMQTTCONNECT?", Info($"+CMQTTCONNECT: 0,\"tcp://127.0.0.1:{broker.Port}\",60,1,\"user\"", "+CMQTTCONNECT: 1"));
        await m.CommandAsync($"AT+CMQTTCONNECT=0,\"tcp://127.0.0.1:{broker.Port}\",60,1", Refused("+CMQTTCONNECT: 0,13"));
        string denied = BrokerFixture.DeniedPrefix + "x";
        await EnterAsync(m, $"AT+CMQTTSUB=0,{denied.Length},1", denied);
        await m.ExpectAsync(Urc("+CMQTTSUB: 0,12"));
        m.Modem.Faults.Start(new AtMqtt.Core.Instrument.FaultSpec { Kind = "publish-fail", Count = 1 });
        await EnterAsync(m, "AT+CMQTTTOPIC=0,3", "a/b");
        await m.CommandAsync("AT+CMQTTPUB=0,1,60", Ok + Urc("+CMQTTPUB: 0,17"));
        await m.CommandAsync("AT+CMQTTREL=0", Refused("+CMQTTREL: 0,14"));
    }
}
