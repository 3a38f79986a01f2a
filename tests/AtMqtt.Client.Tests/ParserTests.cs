using System.Text;
using AtMqtt.Client.Internal;
using Xunit;

namespace AtMqtt.Client.Tests;

/// <summary>The byte-level pieces: the stream parser, the line builder and the response readers.</summary>
public sealed class ParserTests
{
    /// <summary>A transcript with every kind of token, as a module may write it.</summary>
    private static readonly byte[] Transcript =
    [
        .. "\r\nready\r\nAT\r\n\r\nOK\r\n"u8.ToArray(),
        .. "+MQTTSUBRECV:0,\"a/b\",5,x\r\ny\n\r\n"u8.ToArray(),
        .. "+MQTTSUBRECV:0,\"we\"ird\",3,>,\"\r\n"u8.ToArray(),
        .. "+MQTTSUB:0,6,\"t\",1\rOK\r"u8.ToArray(),
        .. "+MQTTSUBRECV:0,bare/topic,0,\r\n"u8.ToArray(),
        .. "+MQTTSUBRECV:0,\"bin\",4,"u8.ToArray(), 0, 255, 13, 10, .. "\r\n"u8.ToArray(),
        .. "+MQTTSUBRECV:broken\r\n\r\n>"u8.ToArray(),
        .. "busy p...\r\n"u8.ToArray(),
    ];

    private static readonly string[] Expected =
    [
        "line ready", "line AT", "line OK",
        "msg a/b 78-0D-0A-79-0A",
        "msg we\"ird 3E-2C-22",
        "line +MQTTSUB:0,6,\"t\",1", "line OK",
        "msg bare/topic ",
        "msg bin 00-FF-0D-0A",
        "line +MQTTSUBRECV:broken",
        "prompt",
        "line busy p...",
    ];

    [Fact]
    public void Every_token_is_found_whole_in_one_read()
    {
        Assert.Equal(Expected, Parse([Transcript]));
    }

    [Fact]
    public void Every_split_into_two_reads_gives_the_same_tokens()
    {
        for (int cut = 1; cut < Transcript.Length; cut++)
        {
            var tokens = Parse([Transcript[..cut], Transcript[cut..]]);
            Assert.True(Expected.SequenceEqual(tokens), $"cut at {cut}: {string.Join(" | ", tokens)}");
        }
    }

    [Fact]
    public void Byte_by_byte_reads_give_the_same_tokens()
    {
        Assert.Equal(Expected, Parse([.. Transcript.Select(b => new[] { b })]));
    }

    [Fact]
    public void The_prompt_is_only_a_prompt_when_one_is_expected()
    {
        var parser = new AtStreamParser();
        parser.Append("> not a prompt\r\n"u8);
        Assert.Equal(AtTokenKind.Line, parser.Next());
        Assert.Equal("> not a prompt", Encoding.ASCII.GetString(parser.Line));
    }

    [Fact]
    public void Garbage_without_a_terminator_is_given_up_at_the_line_limit()
    {
        var parser = new AtStreamParser();
        parser.Append(new byte[AtStreamParser.MaxLineBytes + 10]);
        Assert.Equal(AtTokenKind.Line, parser.Next());
        parser.Append("\r\nOK\r\n"u8);
        Assert.Equal(AtTokenKind.Line, parser.Next());
        Assert.Equal("OK", Encoding.ASCII.GetString(parser.Line));
    }

    [Fact]
    public void A_large_message_grows_the_buffer()
    {
        var parser = new AtStreamParser();
        byte[] payload = [.. Enumerable.Range(0, 300_000).Select(i => (byte)i)];
        byte[] all = [.. "+MQTTSUBRECV:0,\"big\",300000,"u8.ToArray(), .. payload, .. "\r\n"u8.ToArray()];
        for (int i = 0; i < all.Length; i += 4096)
        {
            Assert.Equal(AtTokenKind.None, parser.Next());
            var chunk = all.AsSpan(i, Math.Min(4096, all.Length - i));
            chunk.CopyTo(parser.GetWriteBuffer().Span);
            parser.Advance(chunk.Length);
        }

        Assert.Equal(AtTokenKind.Message, parser.Next());
        Assert.Equal(payload, parser.Message!.Payload.ToArray());
    }

    [Fact]
    public void Quoted_values_escape_quote_comma_and_backslash()
    {
        var line = new AtLine("AT+X").Int(0).Quoted("a\"b,c\\d").Quoted("").Int(12);
        Assert.Equal("AT+X=0,\"a\\\"b\\,c\\\\d\",\"\",12", Encoding.UTF8.GetString(line.Span));
        Assert.Equal(line.Length, AtLine.QuotedLength("a\"b,c\\d"u8) + AtLine.QuotedLength([]) + "AT+X=0,,,12".Length);
        Assert.Equal("AT+X\r\n", Encoding.ASCII.GetString(new AtLine("AT+X").ToWire()));
        Assert.True(AtLine.IsPlainText("ünïcødé, \"x\""u8));
        Assert.False(AtLine.IsPlainText("a\tb"u8));
        Assert.False(AtLine.IsPlainText([0xC3]));
        Assert.False(AtLine.FitsInLine("a\nb"u8));
    }

    [Theory]
    [InlineData("+MQTTCONN:0,connected,1,\"h\",1883,1", AtMqttLinkState.Connected, false, 1, "h", 1883, "", true)]
    [InlineData("+MQTTCONN:0,disconnect,0,\"\",0,0", AtMqttLinkState.Disconnected, false, 0, "", 0, "", false)]
    [InlineData("+MQTTCONN:0,6,1,\"thingsboard.iotprojects.eu\",\"9082\",\"\",0", AtMqttLinkState.ConnectedSubscribed, true, 1, "thingsboard.iotprojects.eu", 9082, "", false)]
    [InlineData("+MQTTCONN:0,4,7,\"h\",\"443\",\"/mqtt\",1", AtMqttLinkState.Connected, true, 7, "h", 443, "/mqtt", true)]
    [InlineData("+MQTTCONN:0,1,1", AtMqttLinkState.UserConfigured, true, 1, "", 0, "", false)]
    [InlineData("+MQTTCONN:0,0", AtMqttLinkState.NotInitialized, true, 0, "", 0, "", false)]
    public void Connection_lines_of_both_dialects_are_read(string line, AtMqttLinkState state, bool numeric, int scheme, string host, int port, string path, bool reconnect)
    {
        var info = Internal.Responses.ParseConnection(line, out bool isNumeric);
        Assert.NotNull(info);
        Assert.Equal(numeric, isNumeric);
        Assert.Equal(new AtMqttConnectionInfo { State = state, Scheme = scheme, Host = host, Port = port, Path = path, AutoReconnect = reconnect }, info);
    }

    [Fact]
    public void Connected_lines_of_both_dialects_are_read()
    {
        Assert.Equal(("h", 1883, "", false), Describe(Internal.Responses.ParseConnected("+MQTTCONNECTED:0,1,\"h\",1883,0")));
        Assert.Equal(("192.168.3.102", 8883, "", true), Describe(Internal.Responses.ParseConnected("+MQTTCONNECTED:0,1,\"192.168.3.102\",\"8883\",\"\",1")));
        Assert.Equal(("h", 80, "/mqtt", true), Describe(Internal.Responses.ParseConnected("+MQTTCONNECTED:0,6,\"h\",\"80\",\"/mqtt\",1")));

        static (string, int, string, bool) Describe(AtMqttConnectionInfo i) => (i.Host, i.Port, i.Path, i.AutoReconnect);
    }

    [Fact]
    public void Subscription_lines_are_read()
    {
        Assert.Equal(new AtMqttSubscription("a/+/#", MqttQos.ExactlyOnce), Internal.Responses.ParseSubscription("+MQTTSUB:0,connected,\"a/+/#\",2"));
        Assert.Equal(new AtMqttSubscription("x,\"y\"", MqttQos.AtLeastOnce), Internal.Responses.ParseSubscription("+MQTTSUB:0,6,\"x,\"y\"\",1"));
        Assert.Null(Internal.Responses.ParseSubscription("+MQTTSUB:0,0,\"\",0"));
    }

    [Theory]
    [InlineData("ERR CODE:0x010a6044", AtErrorCategory.CommandExecutionFailed, AtMqttError.DataReadFailed, null)]
    [InlineData("0x01080002", AtErrorCategory.ParameterParseFailed, null, 2)]
    [InlineData("ERR CODE:0x01090000", AtErrorCategory.UnsupportedCommand, null, null)]
    [InlineData("ERR CODE:0x010a6052", AtErrorCategory.CommandExecutionFailed, AtMqttError.HostnameVerifyFailed, null)]
    public void Error_codes_are_decoded(string text, AtErrorCategory category, AtMqttError? mqtt, int? parameter)
    {
        Assert.True(AtErrorCode.TryParse(text, out var code));
        Assert.Equal(category, code.Category);
        Assert.Equal(mqtt, code.MqttError);
        Assert.Equal(parameter, code.ParameterIndex);
        Assert.StartsWith("0x01", code.ToString(), StringComparison.Ordinal);
    }

    private static List<string> Parse(IEnumerable<byte[]> reads)
    {
        var parser = new AtStreamParser();
        var tokens = new List<string>();
        bool promptPending = true;
        foreach (var read in reads)
        {
            // Expect the prompt only near the end, as a command would.
            parser.PromptExpected = promptPending && tokens.Contains("line +MQTTSUBRECV:broken");
            parser.Append(read);
            while (true)
            {
                parser.PromptExpected = promptPending && tokens.Contains("line +MQTTSUBRECV:broken");
                var kind = parser.Next();
                if (kind == AtTokenKind.None)
                {
                    break;
                }

                tokens.Add(kind switch
                {
                    AtTokenKind.Line => "line " + Encoding.UTF8.GetString(parser.Line),
                    AtTokenKind.Message => $"msg {parser.Message!.Topic} {BitConverter.ToString(parser.Message.Payload.ToArray())}",
                    _ => "prompt",
                });
                if (kind == AtTokenKind.Prompt)
                {
                    promptPending = false;
                }
            }
        }

        return tokens;
    }
}
