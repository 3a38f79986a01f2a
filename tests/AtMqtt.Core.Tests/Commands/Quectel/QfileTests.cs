using AtMqtt.Testing;
using Xunit;

namespace AtMqtt.Core.Tests.Commands.Quectel;

/// <summary>AT+QFUPL, AT+QFLST, AT+QFDEL, AT+QFLDS (src/AtMqtt.Core/Commands/Quectel/Qfile.cs), byte for byte.</summary>
public class QfileTests
{
    private const string Ok = Quectel.Ok;
    private const string Error = Quectel.Error;

    [Fact]
    public async Task An_upload_answers_CONNECT_then_its_size_and_the_modules_checksum()
    {
        await using var m = await Quectel.StartAsync();

        // A real BG95 answered exactly this for these 28 bytes (a PEM line ended by a bare CR; docs/quectel.md).
        await m.SendAsync("AT+QFUPL=\"probe.pem\",28\r\n");
        await m.ExpectAsync("AT+QFUPL=\"probe.pem\",28\r\n\r\nCONNECT\r\n");
        await m.SendAsync("-----BEGIN CERTIFICATE-----\r");
        await m.ExpectAsync("\r\n+QFUPL: 28,6c53\r\n" + Ok);

        // An odd length: the last byte is the high half of a word (0x6162 ^ 0x6300).
        await m.SendAsync("AT+QFUPL=\"UFS:odd.txt\",3,10\r\n");
        await m.ExpectAsync("AT+QFUPL=\"UFS:odd.txt\",3,10\r\n\r\nCONNECT\r\n");
        await m.SendAsync("abc");
        await m.ExpectAsync("\r\n+QFUPL: 3,262\r\n" + Ok);

        // Any byte, CR LF and the command's own terminator included, is data.
        byte[] all = [.. Enumerable.Range(0, 256).Select(i => (byte)i)];
        await m.SendAsync("AT+QFUPL=\"all.bin\",256\r\n");
        await m.ExpectAsync("AT+QFUPL=\"all.bin\",256\r\n\r\nCONNECT\r\n");
        await m.SendAsync(all);
        await m.ExpectAsync("\r\n+QFUPL: 256,0\r\n" + Ok);
        Assert.Equal(all, Core.Commands.Quectel.Qfile.Store(m.Modem).Read("all.bin"));

        await m.CommandAsync("AT+QFLST", "\r\n+QFLST: \"probe.pem\",28\r\n+QFLST: \"odd.txt\",3\r\n+QFLST: \"all.bin\",256\r\n" + Ok);
        await m.CommandAsync("AT+QFLST=\"*\"", "\r\n+QFLST: \"probe.pem\",28\r\n+QFLST: \"odd.txt\",3\r\n+QFLST: \"all.bin\",256\r\n" + Ok);
        await m.CommandAsync("AT+QFLST=\"UFS:odd.txt\"", "\r\n+QFLST: \"odd.txt\",3\r\n" + Ok);
        await m.CommandAsync("AT+QFLDS", "\r\n+QFLDS: 287,3\r\n" + Ok);
        await m.CommandAsync("AT+QFLDS=\"UFS\"", "\r\n+QFLDS: 1048289,1048576\r\n" + Ok);
        await m.AssertAliveAsync();
    }

    [Fact]
    public async Task Delete_list_and_the_file_errors_follow_CMEE()
    {
        await using var m = await Quectel.StartAsync();
        await m.SendAsync("AT+QFUPL=\"ca.pem\",2\r\nxy");
        await m.ExpectAsync("AT+QFUPL=\"ca.pem\",2\r\n\r\nCONNECT\r\n\r\n+QFUPL: 2,7879\r\n" + Ok);

        // The BG95 starts with AT+CMEE=1: numeric codes of the FILE manual.
        await m.CommandAsync("AT+QFUPL=\"ca.pem\",2", "\r\n+CME ERROR: 407\r\n");
        await m.CommandAsync("AT+QFUPL=\"RAM:ca.pem\",2", "\r\n+CME ERROR: 406\r\n");
        await m.CommandAsync("AT+QFUPL=\"big.pem\",1048577", "\r\n+CME ERROR: 403\r\n");
        await m.CommandAsync("AT+QFDEL=\"nothere.pem\"", "\r\n+CME ERROR: 405\r\n");
        await m.CommandAsync("AT+CMEE=2", Ok);
        await m.CommandAsync("AT+QFDEL=\"nothere.pem\"", "\r\n+CME ERROR: file not found\r\n");
        await m.CommandAsync("AT+CMEE=0", Ok);
        await m.CommandAsync("AT+QFDEL=\"nothere.pem\"", Error);

        // Malformed: plain ERROR whatever AT+CMEE says; ACK mode is not simulated.
        await m.CommandAsync("AT+CMEE=1", Ok);
        await m.CommandAsync("AT+QFUPL=\"x.pem\",0", Error);
        await m.CommandAsync("AT+QFUPL=\"x.pem\",10,5,1", Error);
        await m.CommandAsync("AT+QFDEL", Error);

        await m.CommandAsync("AT+QFDEL=\"UFS:ca.pem\"", Ok);
        await m.CommandAsync("AT+QFLST", Ok);
        await m.SendAsync("AT+QFUPL=\"a.pem\",1\r\nA");
        await m.ExpectAsync("AT+QFUPL=\"a.pem\",1\r\n\r\nCONNECT\r\n\r\n+QFUPL: 1,4100\r\n" + Ok);
        await m.CommandAsync("AT+QFDEL=\"*\"", Ok);
        await m.CommandAsync("AT+QFLST=\"*\"", Ok);
        await m.CommandAsync("AT+QFUPL=?", "\r\n+QFUPL: <filename>[,(1-1048576)[,(1-65535)[,(0,1)]]]\r\n" + Ok);
    }

    [Fact]
    public async Task An_upload_that_stalls_for_its_timeout_stores_nothing()
    {
        await using var m = await Quectel.StartAsync();
        await m.SendAsync("AT+QFUPL=\"slow.pem\",10,1\r\n");
        await m.ExpectAsync("AT+QFUPL=\"slow.pem\",10,1\r\n\r\nCONNECT\r\n");
        await m.SendAsync("12345");
        await m.ExpectAsync("\r\n+CME ERROR: 420\r\n", TimeSpan.FromSeconds(30));
        await m.CommandAsync("AT+QFLST", Ok);
        Assert.Null(Core.Commands.Quectel.Qfile.Store(m.Modem).Read("slow.pem"));
    }
}
