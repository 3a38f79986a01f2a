using System.Text;
using AtMqtt.Core.Commands;
using AtMqtt.Core.Parsing;
using Xunit;

namespace AtMqtt.Core.Tests.Parsing;

public class ParsingTests
{
    [Theory]
    [InlineData("AT", "", CommandKind.Execute, null)]
    [InlineData("ATE0", "E0", CommandKind.Execute, null)]
    [InlineData("AT+RST", "+RST", CommandKind.Execute, null)]
    [InlineData("AT+MQTTCONN?", "+MQTTCONN", CommandKind.Query, null)]
    [InlineData("AT+MQTTSUB=?", "+MQTTSUB", CommandKind.Test, null)]
    [InlineData("AT+MQTTPUB=0,\"a\",\"b\",0,0", "+MQTTPUB", CommandKind.Set, "0,\"a\",\"b\",0,0")]
    [InlineData("AT+MQTTCLEAN=", "+MQTTCLEAN", CommandKind.Set, "")]
    [InlineData("AT+UART_CUR=115200,8,1,0,0", "+UART_CUR", CommandKind.Set, "115200,8,1,0,0")]
    [InlineData("AT+X=?1", "+X", CommandKind.Set, "?1")]
    [InlineData("AT?", "", CommandKind.Query, null)]
    public void Splits_name_kind_and_parameters(string line, string name, CommandKind kind, string? parameters)
    {
        var bytes = Encoding.ASCII.GetBytes(line);
        Assert.True(CommandLine.TryParse(bytes, out var n, out var k, out var p));
        Assert.Equal(name, Encoding.ASCII.GetString(bytes[n]));
        Assert.Equal(kind, k);
        if (parameters is not null)
        {
            Assert.Equal(parameters, Encoding.ASCII.GetString(bytes[p]));
        }
    }

    [Theory]
    [InlineData("")]
    [InlineData("A")]
    [InlineData("at")]
    [InlineData("At")]
    [InlineData("aT")]
    [InlineData(" AT")]
    [InlineData("AT ")]
    [InlineData("AT+mqttpub=0")]
    [InlineData("AT+X?1")]
    [InlineData("AT+X??")]
    [InlineData("ATE0 ")]
    [InlineData("AT+X\0")]
    public void Rejects_what_is_not_an_AT_command(string line)
    {
        Assert.False(CommandLine.TryParse(Encoding.Latin1.GetBytes(line), out _, out _, out _));
    }
}

public class ParamListTests
{
    private sealed record P(string Value, bool Quoted, bool Omitted);

    private static List<P> Parse(string text, int offset = 0)
    {
        var line = Encoding.UTF8.GetBytes(new string('#', offset) + text);
        var list = new ParamList();
        Assert.True(list.Parse(line.AsSpan(offset), offset, out _), $"'{text}' should parse");
        var result = new List<P>();
        var scratch = new byte[line.Length];
        for (int i = 0; i < list.Count; i++)
        {
            var slot = list[i];
            Assert.InRange(slot.Start, offset, line.Length);
            var raw = line.AsSpan(slot.Start, slot.Length);
            string value = slot.Escaped
                ? Encoding.UTF8.GetString(scratch, 0, ParamList.Unescape(raw, scratch))
                : Encoding.UTF8.GetString(raw);
            result.Add(new P(value, slot.Quoted, slot.Omitted));
        }

        return result;
    }

    private static int Bad(string text)
    {
        var list = new ParamList();
        Assert.False(list.Parse(Encoding.UTF8.GetBytes(text), 0, out int bad), $"'{text}' should not parse");
        return bad;
    }

    [Fact]
    public void Quoted_and_bare_values()
    {
        Assert.Equal(
            [new P("0", false, false), new P("test/abc", false, false), new P("hello world", true, false), new P("1", false, false)],
            Parse("0,test/abc,\"hello world\",1"));
    }

    [Fact]
    public void Offsets_point_into_the_whole_line()
    {
        Assert.Equal([new P("a", true, false), new P("b", false, false)], Parse("\"a\",b", offset: 11));
    }

    [Theory]
    [InlineData("\"a\\\"b\"", "a\"b")]
    [InlineData("\"a\\,b\"", "a,b")]
    [InlineData("\"a\\\\b\"", "a\\b")]
    [InlineData("\"a\\xb\"", "axb")]
    [InlineData("\"\\\\\"", "\\")]
    [InlineData("\"\\\"\"", "\"")]
    [InlineData("\"a,b\"", "a,b")]
    [InlineData("a\\,b", "a,b")]
    [InlineData("a\\\\b", "a\\b")]
    [InlineData("\"\"", "")]
    [InlineData("\"é\"", "é")]
    public void Escapes_resolve_to_the_character(string text, string value)
    {
        var p = Assert.Single(Parse(text));
        Assert.Equal(value, p.Value);
        Assert.False(p.Omitted);
    }

    [Fact]
    public void Omitted_parameters_keep_their_comma()
    {
        Assert.Equal(
            [new P("0", false, false), new P("", false, true), new P("2", false, false), new P("", false, true)],
            Parse("0,,2,"));
        Assert.Equal([new P("", false, true)], Parse(""));
        Assert.Equal([new P("", true, false)], Parse("\"\""));
        Assert.Equal([new P("", false, true), new P("", false, true)], Parse(","));
    }

    [Theory]
    [InlineData("\"abc", 0)]
    [InlineData("0,\"abc", 1)]
    [InlineData("0,1,\"abc\\\"", 2)]
    [InlineData("0,1,2,\"abc\\", 3)]
    [InlineData("\"a\"b", 0)]
    [InlineData("0,\"a\" ,1", 1)]
    [InlineData("0,\"a\"\"b\"", 1)]
    [InlineData("a\"b", 0)]
    [InlineData("0,1,ab\"", 2)]
    [InlineData("0,abc\\", 1)]
    [InlineData("\"", 0)]
    [InlineData("0,0,0,0,\"", 4)]
    public void Broken_quotes_and_escapes_name_the_parameter(string text, int index)
    {
        Assert.Equal(index, Bad(text));
    }

    [Fact]
    public void Sixteen_parameters_is_the_most()
    {
        var sixteen = string.Join(",", Enumerable.Range(0, 16));
        Assert.Equal(16, Parse(sixteen).Count);
        Assert.Equal(16, Bad(sixteen + ",16"));
        Assert.Equal(16, Bad(sixteen + ","));
    }

    [Fact]
    public void A_failed_parse_does_not_leave_old_parameters_behind()
    {
        var list = new ParamList();
        Assert.True(list.Parse("1,2,3"u8, 0, out _));
        Assert.Equal(3, list.Count);
        Assert.True(list.Parse("9"u8, 0, out _));
        Assert.Equal(1, list.Count);
    }
}

/// <summary>
/// Limits a 256-byte command line cannot reach (client_id 256/257 bytes), checked by calling the
/// command handler directly with a longer line.
/// </summary>
public class HandlerLimitTests
{
    private static async Task<string> RunSetAsync(string command, string parameters)
    {
        await using var modem = new Modem(new ModemOptions());
        modem.SysLog = true;
        return Invoke(modem, command, parameters);
    }

    private static string Invoke(Modem modem, string command, string parameters)
    {
        var line = Encoding.UTF8.GetBytes(command + "=" + parameters);
        Assert.True(CommandLine.TryParse(line, out var name, out var kind, out var range));
        Assert.Equal(CommandKind.Set, kind);
        var handler = AtMqtt.Core.Profiles.Profile.FromName("esp-at-5.0")!.Commands.Find(line.AsSpan()[name])?.Set;
        Assert.NotNull(handler);
        var list = new ParamList();
        Assert.True(list.Parse(line.AsSpan()[range], range.Start.Value, out _));
        var args = new ArgReader(line, list, new byte[line.Length]);
        modem.Response.Reset();
        var done = handler(modem, ref args);
        Assert.True(done.IsCompletedSuccessfully);
        return Encoding.Latin1.GetString(modem.Response.Written.Span);
    }

    [Fact]
    public async Task Usercfg_client_id_of_256_bytes_is_accepted()
    {
        Assert.Equal("\r\nOK\r\n", await RunSetAsync("AT+MQTTUSERCFG", $"0,1,\"{new string('c', 256)}\",\"\",\"\",0,0,\"\""));
        Assert.Equal("\r\nOK\r\n", await RunSetAsync("AT+MQTTUSERCFG", $"0,1,\"{string.Concat(Enumerable.Repeat("é", 128))}\",\"\",\"\",0,0,\"\""));
    }

    [Fact]
    public async Task Usercfg_client_id_of_257_bytes_is_refused()
    {
        Assert.Equal("ERR CODE:0x010a6016\r\n\r\nERROR\r\n", await RunSetAsync("AT+MQTTUSERCFG", $"0,1,\"{new string('c', 257)}\",\"\",\"\",0,0,\"\""));
        Assert.Equal("ERR CODE:0x010a6016\r\n\r\nERROR\r\n", await RunSetAsync("AT+MQTTUSERCFG", $"0,1,\"{string.Concat(Enumerable.Repeat("é", 128))}x\",\"\",\"\",0,0,\"\""));
    }

    [Fact]
    public async Task A_refused_usercfg_changes_nothing()
    {
        await using var modem = new Modem(new ModemOptions());
        Assert.Equal("\r\nOK\r\n", Invoke(modem, "AT+MQTTUSERCFG", "0,1,\"first\",\"u\",\"p\",0,0,\"\""));
        Assert.Equal("\r\nERROR\r\n", Invoke(modem, "AT+MQTTUSERCFG", $"0,1,\"{new string('c', 257)}\",\"\",\"\",0,0,\"\""));
        Assert.Equal("first", modem.Link.User?.ClientId);
        Assert.Equal("u", modem.Link.User?.Username);
    }

    [Fact]
    public async Task Huge_numbers_are_out_of_range_not_wrapped()
    {
        Assert.Equal("ERR CODE:0x010a6011\r\n\r\nERROR\r\n", await RunSetAsync("AT+MQTTCLEAN", "4294967296"));
        Assert.Equal("ERR CODE:0x010a6011\r\n\r\nERROR\r\n", await RunSetAsync("AT+MQTTCLEAN", new string('9', 300)));
        Assert.Equal("ERR CODE:0x010a603e\r\n\r\nERROR\r\n", await RunSetAsync("AT+MQTTCONN", "0,\"h\",4294968831,0"));
    }
}
