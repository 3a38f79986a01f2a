using System.Text;
using AtMqtt.Cli.Transcript;
using Xunit;

namespace AtMqtt.Modem.Tests.Transcript;

/// <summary>
/// The transcript's redaction on its own: every secret hidden however the bytes are chunked, and
/// nothing else hidden in an ordinary session.
/// </summary>
public sealed class RedactorTests
{
    private const Direction H = Direction.HostToModem;
    private const Direction M = Direction.ModemToHost;

    [Theory]
    [InlineData("AT+MQTTUSERCFG=0,1,\"cid\",\"user\",\"hunter2\",0,0,\"\"\r\n", "AT+MQTTUSERCFG=0,1,\"cid\",\"user\",***,0,0,\"\"\\r\\n")]
    [InlineData("AT+MQTTUSERCFG=0,1,cid,user,hunter2,0,0,\r\n", "AT+MQTTUSERCFG=0,1,cid,user,***,0,0,\\r\\n")]
    [InlineData("AT+MQTTUSERCFG=0,1,\"c\\,i\\\"d\",\"u\",\"hu\\\"n,t\\\\er\\,2\",0,0,\"\"\r\n", "AT+MQTTUSERCFG=0,1,\"c\\\\,i\\\\\"d\",\"u\",***,0,0,\"\"\\r\\n")]
    [InlineData("AT+MQTTUSERCFG=0,1,\"cid\",\"user\",\"hunter2\"\r", "AT+MQTTUSERCFG=0,1,\"cid\",\"user\",***\\r")]
    [InlineData("at+mqttusercfg=0,1,\"cid\",\"user\",\"hunter2\",0,0,\"\"\n", "at+mqttusercfg=0,1,\"cid\",\"user\",***,0,0,\"\"\\n")]
    [InlineData("AT+MQTTPASSWORD=0,\"hunter2\"\r\n", "AT+MQTTPASSWORD=0,***\\r\\n")]
    [InlineData("AT+MQTTPASSWORD=0,\"hu\\,n\\\"ter2\"\r\n", "AT+MQTTPASSWORD=0,***\\r\\n")]
    [InlineData("AT+CWJAP=\"home\",\"hunter2\"\r\n", "AT+CWJAP=\"home\",***\\r\\n")]
    [InlineData("AT+CWJAP_DEF=\"home\",\"hunter2\",\"aa:bb\"\r\n", "AT+CWJAP_DEF=\"home\",***,\"aa:bb\"\\r\\n")]
    [InlineData("AT+QICSGP=1,1,\"iot.example\",\"user\",\"hunter2\",1\r\n", "AT+QICSGP=1,1,\"iot.example\",\"user\",***,1\\r\\n")]
    [InlineData("AT+QMTCONN=0,\"dev1\",\"user\",\"hunter2\"\r\n", "AT+QMTCONN=0,\"dev1\",\"user\",***\\r\\n")]
    [InlineData("AT+CMQTTCONNECT=1,\"tcp://127.0.0.1:1883\",60,1,\"user\",\"hunter2\"\r\n", "AT+CMQTTCONNECT=1,\"tcp://127.0.0.1:1883\",60,1,\"user\",***\\r\\n")]
    [InlineData("AT+MQTTPUB=0,\"t\",\"a*b \\\\ c\",0,0\r\n", "AT+MQTTPUB=0,\"t\",\"a\\*b \\\\\\\\ c\",0,0\\r\\n")]
    public void APasswordParameter_IsHidden_WhateverTheChunking(string line, string shown)
    {
        foreach (int chunk in new[] { 1, 2, 3, 7, line.Length })
        {
            Assert.Equal(shown, Show(Feed(new Redactor(), [(H, line)], chunk)[H]));
            Assert.Equal(shown, Show(Feed(new Redactor(), [(M, line)], chunk)[M])); // the modem's echo
        }
    }

    [Theory]
    [InlineData(1)]
    [InlineData(5)]
    [InlineData(1000)]
    public void QicsgpReadBack_HidesThePassword(int chunk)
    {
        var shown = Feed(new Redactor(), [(H, "AT+QICSGP=1\r"), (M, "AT+QICSGP=1\r\r\n+QICSGP: 1,\"iot.example\",\"user\",\"hunter2\",1\r\n\r\nOK\r\n")], chunk);
        Assert.Equal("AT+QICSGP=1\\r\\r\\n+QICSGP: 1,\"iot.example\",\"user\",***,1\\r\\n\\r\\nOK\\r\\n", Show(shown[M]));
    }

    [Theory]
    [InlineData(1)]
    [InlineData(4)]
    [InlineData(1000)]
    public void LongPasswordData_IsHidden_FromTheEndOfItsLine(int chunk)
    {
        var traffic = new (Direction, string)[]
        {
            (H, "AT+MQTTLONGPASSWORD=0,10\r\n"),
            (M, "AT+MQTTLONGPASSWORD=0,10\r\n\r\nOK\r\n\r\n>"),
            (H, "0123\r\n6789"),
            (M, "\r\nOK\r\n"),
            (H, "AT\r\n"),
        };
        var shown = Feed(new Redactor(), traffic, chunk);
        Assert.Equal("AT+MQTTLONGPASSWORD=0,10\\r\\n***AT\\r\\n", Show(shown[H]));
        Assert.Equal("AT+MQTTLONGPASSWORD=0,10\\r\\n\\r\\nOK\\r\\n\\r\\n>\\r\\nOK\\r\\n", Show(shown[M]));
    }

    [Fact]
    public void LongPasswordData_SentBeforeThePrompt_IsHiddenToo()
    {
        var shown = Feed(new Redactor(), [(H, "AT+MQTTLONGPASSWORD=0,6\rsecret"), (M, "AT+MQTTLONGPASSWORD=0,6\r\r\nOK\r\n\r\n>\r\nOK\r\n"), (H, "AT\r")], 3);
        Assert.Equal("AT+MQTTLONGPASSWORD=0,6\\r***AT\\r", Show(shown[H]));
    }

    [Fact]
    public void ARefusedLongPassword_LeavesTheNextCommandsAlone()
    {
        var shown = Feed(new Redactor(), [(H, "AT+MQTTLONGPASSWORD=0,64\r\n"), (M, "AT+MQTTLONGPASSWORD=0,64\r\nERR CODE:0x01016019\r\n\r\nERROR\r\n"), (H, "AT+MQTTCONN?\r\n")], 5);
        Assert.Equal("AT+MQTTLONGPASSWORD=0,64\\r\\nAT+MQTTCONN?\\r\\n", Show(shown[H]));
    }

    [Fact]
    public void WithEchoOff_ARefusedLongPassword_HidesTheNextBytes_RatherThanRisk()
    {
        // Without the echo the modem's ERROR cannot be told from a message's payload.
        var shown = Feed(new Redactor(), [(H, "AT+MQTTLONGPASSWORD=0,5\r\n"), (M, "\r\nERROR\r\n"), (H, "AT+GMR\r\n")], 100);
        Assert.Equal("AT+MQTTLONGPASSWORD=0,5\\r\\n***R\\r\\n", Show(shown[H]));
    }

    [Fact]
    public void PubRawData_IsShown_AndNotTakenForCommands()
    {
        var traffic = new (Direction, string)[]
        {
            (H, "AT+MQTTPUBRAW=0,\"t\",33,1,0\r\n"),
            (M, "AT+MQTTPUBRAW=0,\"t\",33,1,0\r\n\r\nOK\r\n\r\n>"),
            (H, "AT+MQTTLONGPASSWORD=0,4\r\nAT+X\r\n"),
            (M, "\r\n+MQTTPUBRAW:OK\r\n"),
            (H, "AT+MQTTCONN?\r\n"),
        };
        var shown = Feed(new Redactor(), traffic, 2);
        Assert.Equal("AT+MQTTPUBRAW=0,\"t\",33,1,0\\r\\nAT+MQTTLONGPASSWORD=0,4\\r\\nAT+X\\r\\nAT+MQTTCONN?\\r\\n", Show(shown[H]));
    }

    [Fact]
    public void APubRawWhoseDataStopped_EndsWithTheModemsFailLine()
    {
        var traffic = new (Direction, string)[]
        {
            (H, "AT+MQTTPUBRAW=0,\"t\",100,1,0\r\n"),
            (M, "AT+MQTTPUBRAW=0,\"t\",100,1,0\r\n\r\nOK\r\n\r\n>"),
            (H, "short"),
            (M, "\r\n+MQTTPUBRAW:FAIL\r\n"),
            (H, "AT+MQTTUSERCFG=0,1,\"c\",\"u\",\"pw\",0,0,\"\"\r\n"),
        };
        var shown = Feed(new Redactor(), traffic, 3);
        Assert.EndsWith("shortAT+MQTTUSERCFG=0,1,\"c\",\"u\",***,0,0,\"\"\\r\\n", Show(shown[H]), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(5)]
    [InlineData(1000)]
    public void ConfiguredSecrets_AreHiddenWherever_TheyAppear(int chunk)
    {
        var redactor = new Redactor();
        redactor.AddSecret("00112233445566778899AABBCCDDEEFF");
        redactor.AddSecret("abc"); // too short to hunt for
        var shown = Feed(redactor, [(M, "+MQTTSUBRECV:0,\"t\",40,key=00112233445566778899AABBCCDDEEFF;abc\r\n"), (H, "0011223344x\r\n")], chunk);
        Assert.Equal("+MQTTSUBRECV:0,\"t\",40,key=***;abc\\r\\n", Show(shown[M]));
        Assert.Equal("0011223344x\\r\\n", Show(shown[H]));
    }

    [Fact]
    public void AnOrdinarySession_IsShownWhole()
    {
        string session = "AT\r\nATE1\r\nAT+MQTTCONN=0,\"127.0.0.1\",1883,1\r\nAT+MQTTSUB=0,\"a/#\",1\r\nAT+GMR\r\n";
        var shown = Feed(new Redactor(), [(H, session), (M, "+MQTTSUBRECV:0,\"a/b\",3,\r\n>\r\n")], 1);
        Assert.Equal(Show(Escape(session)), Show(shown[H]));
        Assert.Equal("+MQTTSUBRECV:0,\"a/b\",3,\\r\\n>\\r\\n", Show(shown[M]));
    }

    [Theory]
    [InlineData(1)]
    [InlineData(3)]
    [InlineData(1000)]
    public void AKeyWrittenWithSysMfg_IsHidden_ACertificate_IsShown(int chunk)
    {
        var traffic = new (Direction, string)[]
        {
            (H, "AT+SYSMFG=2,\"mqtt_key\",\"mqtt_key\",8,12\r\n"),
            (M, "AT+SYSMFG=2,\"mqtt_key\",\"mqtt_key\",8,12\r\n\r\nOK\r\n\r\n>"),
            (H, "-----BEGIN\r\n"),
            (M, "\r\nOK\r\n"),
            (H, "AT+SYSMFG=2,\"mqtt_cert\",\"mqtt_cert\",8,6\r\n"),
            (M, "AT+SYSMFG=2,\"mqtt_cert\",\"mqtt_cert\",8,6\r\n\r\nOK\r\n\r\n>"),
            (H, "AT+X\r\n"),
            (M, "\r\nOK\r\n"),
            (H, "AT\r\n"),
        };
        var shown = Feed(new Redactor(), traffic, chunk);
        Assert.Equal(
            Escape("AT+SYSMFG=2,\"mqtt_key\",\"mqtt_key\",8,12\r\n") + TextEscape.RedactedMarker + Escape("AT+SYSMFG=2,\"mqtt_cert\",\"mqtt_cert\",8,6\r\nAT+X\r\nAT\r\n"),
            shown[H]);
    }

    /// <summary>Quectel AT+QFUPL and SIMCom AT+CCERTDOWN: any uploaded file may be a key, so every upload's data is hidden.</summary>
    [Theory]
    [InlineData(1)]
    [InlineData(3)]
    [InlineData(1000)]
    public void EveryCellularFileUpload_IsHidden_AndARefusedOneHidesNothingAfterIt(int chunk)
    {
        var traffic = new (Direction, string)[]
        {
            (H, "AT+QFUPL=\"device.pem\",12,5\r\n"),
            (M, "AT+QFUPL=\"device.pem\",12,5\r\n\r\nCONNECT\r\n"),
            (H, "-----BEGIN\r\n"),
            (M, "\r\n+QFUPL: 12,1234\r\n\r\nOK\r\n"),
            (H, "AT+QFUPL=\"device.pem\",12\r\n"),
            (M, "AT+QFUPL=\"device.pem\",12\r\n\r\n+CME ERROR: 407\r\n"),
            (H, "AT+CCERTDOWN=\"k.pem\",4\r\n"),
            (M, "AT+CCERTDOWN=\"k.pem\",4\r\n\r\n>"),
            (H, "k\r\ny"),
            (M, "\r\nOK\r\n"),
            (H, "AT+CCERTLIST\r\n"),
        };
        var shown = Feed(new Redactor(), traffic, chunk);
        Assert.Equal(
            Escape("AT+QFUPL=\"device.pem\",12,5\r\n") + TextEscape.RedactedMarker
            + Escape("AT+QFUPL=\"device.pem\",12\r\nAT+CCERTDOWN=\"k.pem\",4\r\n") + TextEscape.RedactedMarker + Escape("AT+CCERTLIST\r\n"),
            shown[H]);
    }

    [Fact]
    public void ANumberWrittenWithSysMfg_StartsNoDataPhase()
    {
        var shown = Feed(new Redactor(), [(H, "AT+SYSMFG=2,\"mqtt_key\",\"n\",6,17\r\n"), (M, "AT+SYSMFG=2,\"mqtt_key\",\"n\",6,17\r\n\r\nOK\r\n"), (H, "AT+CWJAP=\"home\",\"hunter2\"\r\n")], 4);
        Assert.Equal(Escape("AT+SYSMFG=2,\"mqtt_key\",\"n\",6,17\r\nAT+CWJAP=\"home\",") + TextEscape.RedactedMarker + Escape("\r\n"), shown[H]);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(5)]
    [InlineData(1000)]
    public void AKeyWrittenWithSysFlash_IsHidden_EvenWithAHexLength(int chunk)
    {
        var traffic = new (Direction, string)[]
        {
            (H, "AT+SYSFLASH=1,\"mqtt_key\",0,0x8\r\n"),
            (M, "AT+SYSFLASH=1,\"mqtt_key\",0,0x8\r\n\r\n>"),
            (H, "\xF1\xF1\x01\x00KEY!"),
            (M, "\r\nOK\r\n"),
            (H, "AT+SYSFLASH=1,\"mqtt_ca\",0,4\r\n"),
            (M, "AT+SYSFLASH=1,\"mqtt_ca\",0,4\r\n\r\n>"),
            (H, "\xF1\xF1CA"),
            (M, "\r\nOK\r\n"),
        };
        var shown = Feed(new Redactor(), traffic, chunk);
        Assert.Equal(Escape("AT+SYSFLASH=1,\"mqtt_key\",0,0x8\r\n") + TextEscape.RedactedMarker + Escape("AT+SYSFLASH=1,\"mqtt_ca\",0,4\r\n\xF1\xF1CA"), shown[H]);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(4)]
    [InlineData(1000)]
    public void AKeyReadBack_IsHidden_ACertificateReadBack_IsShown(int chunk)
    {
        var traffic = new (Direction, string)[]
        {
            (H, "AT+SYSMFG=1,\"mqtt_key\",\"mqtt_key\"\r\n"),
            (M, "AT+SYSMFG=1,\"mqtt_key\",\"mqtt_key\"\r\n+SYSMFG:\"mqtt_key\",\"mqtt_key\",8,6,k\r\ney!\r\n\r\nOK\r\n"),
            (H, "AT+SYSMFG=1,\"mqtt_cert\",\"mqtt_cert\"\r\n"),
            (M, "AT+SYSMFG=1,\"mqtt_cert\",\"mqtt_cert\"\r\n+SYSMFG:\"mqtt_cert\",\"mqtt_cert\",8,3,abc\r\n\r\nOK\r\n"),
            (H, "AT+SYSFLASH=2,\"mqtt_key\",0,4\r\n"),
            (M, "AT+SYSFLASH=2,\"mqtt_key\",0,4\r\n+SYSFLASH:4,\xF1\r\n,\r\n\r\nOK\r\n"),
            (H, "AT+SYSFLASH=2,\"mqtt_cert\",0,2\r\n"),
            (M, "AT+SYSFLASH=2,\"mqtt_cert\",0,2\r\n+SYSFLASH:2,ab\r\n\r\nOK\r\n"),
        };
        var shown = Feed(new Redactor(), traffic, chunk);
        Assert.Equal(
            Escape("AT+SYSMFG=1,\"mqtt_key\",\"mqtt_key\"\r\n+SYSMFG:\"mqtt_key\",\"mqtt_key\",8,6,") + TextEscape.RedactedMarker
            + Escape("\r\n\r\nOK\r\nAT+SYSMFG=1,\"mqtt_cert\",\"mqtt_cert\"\r\n+SYSMFG:\"mqtt_cert\",\"mqtt_cert\",8,3,abc\r\n\r\nOK\r\n")
            + Escape("AT+SYSFLASH=2,\"mqtt_key\",0,4\r\n+SYSFLASH:4,") + TextEscape.RedactedMarker
            + Escape("\r\n\r\nOK\r\nAT+SYSFLASH=2,\"mqtt_cert\",0,2\r\n+SYSFLASH:2,ab\r\n\r\nOK\r\n"),
            shown[M]);
    }

    private static string Escape(string text)
    {
        var sb = new StringBuilder();
        foreach (byte b in Encoding.Latin1.GetBytes(text))
        {
            TextEscape.Append(sb, b);
        }

        return sb.ToString();
    }

    private static string Show(string text) => text;

    private static Dictionary<Direction, string> Feed(Redactor redactor, (Direction Direction, string Text)[] traffic, int chunk)
    {
        var sink = new Sink();
        foreach (var (direction, text) in traffic)
        {
            var bytes = Encoding.Latin1.GetBytes(text);
            for (int i = 0; i < bytes.Length; i += chunk)
            {
                redactor.Feed(direction, bytes.AsSpan(i, Math.Min(chunk, bytes.Length - i)), sink);
            }
        }

        redactor.Flush(sink);
        return new() { [H] = sink.Text[0].ToString(), [M] = sink.Text[1].ToString() };
    }

    private sealed class Sink : IRedactedSink
    {
        public StringBuilder[] Text { get; } = [new(), new()];

        public void Byte(Direction direction, byte value) => TextEscape.Append(Text[(int)direction], value);

        public void Redacted(Direction direction) => Text[(int)direction].Append(TextEscape.RedactedMarker);
    }
}
