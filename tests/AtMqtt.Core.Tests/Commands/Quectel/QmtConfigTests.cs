using Xunit;

namespace AtMqtt.Core.Tests.Commands.Quectel;

/// <summary>AT+QMTCFG (src/AtMqtt.Core/Commands/Quectel/QmtConfig.cs): every item of the BG95's list, byte for byte.</summary>
public class QmtConfigTests
{
    private const string Ok = Quectel.Ok;
    private const string Error = Quectel.Error;

    [Fact]
    public async Task The_test_command_lists_the_BG95_items_as_the_module_does()
    {
        await using var m = await Quectel.StartAsync();
        await m.CommandAsync("AT+QMTCFG=?",
            "\r\n+QMTCFG: \"version\",(0-5),(3,4)\r\n"
            + "+QMTCFG: \"pdpcid\",(0-5),(1-16)\r\n"
            + "+QMTCFG: \"ssl\",(0-5),(0,1),(0-5)\r\n"
            + "+QMTCFG: \"keepalive\",(0-5),(0-3600)\r\n"
            + "+QMTCFG: \"session\",(0-5),(0,1)\r\n"
            + "+QMTCFG: \"timeout\",(0-5),(1-60),(0-10),(0,1)\r\n"
            + "+QMTCFG: \"will\",(0-5),(0,1),(0-2),(0,1),<will_topic>,<will_message>\r\n"
            + "+QMTCFG: \"recv/mode\",(0-5),(0,1),(0,1)\r\n"
            + "+QMTCFG: \"aliauth\",(0-5),<product_key>,<device_name>,<device_secret>\r\n"
            + Ok);
    }

    [Theory]
    [InlineData("version", "4")]
    [InlineData("pdpcid", "1")]
    [InlineData("ssl", "0")]
    [InlineData("keepalive", "120")]
    [InlineData("session", "1")]
    [InlineData("timeout", "5,3,0")]
    [InlineData("will", "0")]
    [InlineData("recv/mode", "0,0")]
    public async Task Each_item_reads_back_its_default(string item, string values)
    {
        await using var m = await Quectel.StartAsync();
        await m.CommandAsync($"AT+QMTCFG=\"{item}\",3", $"\r\n+QMTCFG: \"{item}\",{values}\r\n" + Ok);
    }

    [Theory]
    [InlineData("\"version\",2,3", "\"version\",2", "\"version\",3")]
    [InlineData("\"pdpcid\",2,16", "\"pdpcid\",2", "\"pdpcid\",16")]
    [InlineData("\"ssl\",2,1,4", "\"ssl\",2", "\"ssl\",1,4")]
    [InlineData("\"SSL\",2,1,5", "\"ssl\",2", "\"ssl\",1,5")]
    [InlineData("\"keepalive\",2,0", "\"keepalive\",2", "\"keepalive\",0")]
    [InlineData("\"KEEPALIVE\",2,3600", "\"keepalive\",2", "\"keepalive\",3600")]
    [InlineData("\"session\",2,0", "\"session\",2", "\"session\",0")]
    [InlineData("\"timeout\",2,60,10,1", "\"timeout\",2", "\"timeout\",60,10,1")]
    [InlineData("\"timeout\",2,9", "\"timeout\",2", "\"timeout\",9,3,0")]
    [InlineData("\"will\",2,1,2,1,\"w/t\",\"bye, all\"", "\"will\",2", "\"will\",1,2,1,\"w/t\",\"bye, all\"")]
    [InlineData("\"recv/mode\",2,1,1", "\"recv/mode\",2", "\"recv/mode\",1,1")]
    [InlineData("\"recv/mode\",2,1", "\"recv/mode\",2", "\"recv/mode\",1,0")]
    [InlineData("\"aliauth\",2,\"pk\",\"dn\",\"ds\"", "\"aliauth\",2", "\"aliauth\",\"pk\",\"dn\",\"ds\"")]
    public async Task A_setting_is_kept_per_client_and_read_back(string set, string query, string shown)
    {
        await using var m = await Quectel.StartAsync();
        await m.CommandAsync($"AT+QMTCFG={set}", Ok);
        await m.CommandAsync($"AT+QMTCFG={query}", $"\r\n+QMTCFG: {shown}\r\n" + Ok);

        // Client 3 keeps its own (default) settings.
        string other = query.Replace(",2", ",3", StringComparison.Ordinal);
        string reply = await m.QueryAsync($"AT+QMTCFG={other}");
        Assert.DoesNotContain(shown, reply, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("\"version\",0,5")]
    [InlineData("\"version\",6,4")]
    [InlineData("\"pdpcid\",0,0")]
    [InlineData("\"pdpcid\",0,17")]
    [InlineData("\"ssl\",0,2")]
    [InlineData("\"ssl\",0,1,6")]
    [InlineData("\"keepalive\",0,3601")]
    [InlineData("\"session\",0,2")]
    [InlineData("\"timeout\",0,0")]
    [InlineData("\"timeout\",0,61")]
    [InlineData("\"timeout\",0,5,11")]
    [InlineData("\"will\",0,1")]
    [InlineData("\"will\",0,1,3,0,\"t\",\"m\"")]
    [InlineData("\"will\",0,1,0,0,\"\",\"m\"")]
    [InlineData("\"recv/mode\",0,2")]
    [InlineData("\"clean_session\",0,1")]
    [InlineData("\"message_recieve_mode\",0,1")]
    [InlineData("\"keepalive\"")]
    [InlineData("\"keepalive\",x")]
    public async Task A_bad_setting_is_plain_ERROR_and_changes_nothing(string set)
    {
        await using var m = await Quectel.StartAsync();
        await m.CommandAsync($"AT+QMTCFG={set}", Error);
        await m.CommandAsync("AT+QMTCFG=\"keepalive\",0", "\r\n+QMTCFG: \"keepalive\",120\r\n" + Ok);
        await m.CommandAsync("AT+QMTCFG=\"version\",0", "\r\n+QMTCFG: \"version\",4\r\n" + Ok);
        await m.AssertAliveAsync();
    }

    [Fact]
    public async Task Will_off_forgets_the_will()
    {
        await using var m = await Quectel.StartAsync();
        await m.CommandAsync("AT+QMTCFG=\"will\",0,1,1,0,\"w\",\"m\"", Ok);
        await m.CommandAsync("AT+QMTCFG=\"will\",0,0", Ok);
        await m.CommandAsync("AT+QMTCFG=\"will\",0", "\r\n+QMTCFG: \"will\",0\r\n" + Ok);
    }
}
