using System.Text;
using AtMqtt.Core.Device;
using AtMqtt.Core.Profiles;
using Xunit;
using static AtMqtt.Testing.InMemoryModem;

namespace AtMqtt.Core.Tests.Commands;

/// <summary>
/// AT+SYSMFG on the ESP-AT v3+ profiles: the namespaces, writes of every type (numbers inline, strings and
/// binaries through <c>OK</c> <c>&gt;</c>), reads of keys, values and parts of values, erasing, every
/// refusal with its code, the data timeout, the partition's bound, and what AT+RST and AT+RESTORE keep.
/// </summary>
public sealed class SysMfgTests
{
    private const uint ExecFail = 0x010a0000;
    private const string Prompt = "\r\nOK\r\n\r\n>";

    private const string NamespaceList =
        "+SYSMFG:\"factory_param\"\r\n+SYSMFG:\"client_cert\"\r\n+SYSMFG:\"client_key\"\r\n+SYSMFG:\"client_ca\"\r\n"
        + "+SYSMFG:\"server_cert\"\r\n+SYSMFG:\"server_key\"\r\n+SYSMFG:\"server_ca\"\r\n"
        + "+SYSMFG:\"mqtt_cert\"\r\n+SYSMFG:\"mqtt_key\"\r\n+SYSMFG:\"mqtt_ca\"\r\n";

    private static Task<InMemoryModem> StartAsync(string profile = "esp-at-4.1", TimeSpan? dataTimeout = null) =>
        InMemoryModem.StartAsync(new ModemOptions { Profile = Profile.FromName(profile), DataTimeout = dataTimeout ?? TimeSpan.FromSeconds(5) });

    [Theory]
    [InlineData("esp-at-3.2")]
    [InlineData("esp-at-4.1")]
    [InlineData("esp-at-5.0")]
    public async Task The_query_and_a_read_without_namespace_list_the_namespaces(string profile)
    {
        await using var m = await StartAsync(profile);
        await m.CommandAsync("AT+SYSMFG?", NamespaceList + Ok);
        await m.CommandAsync("AT+SYSMFG=1", NamespaceList + Ok);
    }

    [Fact]
    public async Task A_binary_value_is_written_after_the_prompt_and_read_back_whole_or_in_part()
    {
        await using var m = await StartAsync();
        byte[] value = [(byte)'-', (byte)'-', 0x0D, 0x0A, 0x00, 0xFF, (byte)'"', (byte)','];
        await m.CommandAsync("AT+SYSMFG=2,\"mqtt_ca\",\"mqtt_ca\",8,8", Prompt);
        await m.SendAsync(value);
        await m.ExpectAsync(Ok);

        await m.CommandAsync("AT+SYSMFG=1,\"mqtt_ca\"", "+SYSMFG:\"mqtt_ca\",\"mqtt_ca\",8\r\n" + Ok);
        await m.SendAsync("AT+SYSMFG=1,\"mqtt_ca\",\"mqtt_ca\"\r\n");
        await m.ExpectAsync([.. Ascii("AT+SYSMFG=1,\"mqtt_ca\",\"mqtt_ca\"\r\n+SYSMFG:\"mqtt_ca\",\"mqtt_ca\",8,8,"), .. value, .. Ascii("\r\n" + Ok)]);
        await m.SendAsync("AT+SYSMFG=1,\"mqtt_ca\",\"mqtt_ca\",2,3\r\n");
        await m.ExpectAsync([.. Ascii("AT+SYSMFG=1,\"mqtt_ca\",\"mqtt_ca\",2,3\r\n+SYSMFG:\"mqtt_ca\",\"mqtt_ca\",8,3,"), 0x0D, 0x0A, 0x00, .. Ascii("\r\n" + Ok)]);

        // A second write replaces the value; keys keep the order they were first written in.
        await m.CommandAsync("AT+SYSMFG=2,\"mqtt_ca\",\"mqtt_ca.1\",7,2", Prompt);
        await m.SendAsync("CN");
        await m.ExpectAsync(Ok);
        await m.CommandAsync("AT+SYSMFG=2,\"mqtt_ca\",\"mqtt_ca\",8,3", Prompt);
        await m.SendAsync("new");
        await m.ExpectAsync(Ok);
        await m.CommandAsync("AT+SYSMFG=1,\"mqtt_ca\"", "+SYSMFG:\"mqtt_ca\",\"mqtt_ca\",8\r\n+SYSMFG:\"mqtt_ca\",\"mqtt_ca.1\",7\r\n" + Ok);
        await m.CommandAsync("AT+SYSMFG=1,\"mqtt_ca\",\"mqtt_ca\"", "+SYSMFG:\"mqtt_ca\",\"mqtt_ca\",8,3,new\r\n" + Ok);
        await m.CommandAsync("AT+SYSMFG=1,\"mqtt_ca\",\"mqtt_ca.1\"", "+SYSMFG:\"mqtt_ca\",\"mqtt_ca.1\",7,2,CN\r\n" + Ok);
    }

    /// <summary>Types 1..6 take the number on the line; the read shows its decimal text and that text's length.</summary>
    [Theory]
    [InlineData(1, "255", "255")]
    [InlineData(2, "-128", "-128")]
    [InlineData(3, "65535", "65535")]
    [InlineData(4, "-32768", "-32768")]
    [InlineData(5, "4294967295", "4294967295")]
    [InlineData(6, "-2147483648", "-2147483648")]
    [InlineData(6, "115200", "115200")]
    [InlineData(1, "0x11", "17")]
    public async Task A_number_is_written_inline_and_read_as_text(int type, string written, string shown)
    {
        await using var m = await StartAsync();
        await m.CommandAsync($"AT+SYSMFG=2,\"factory_param\",\"uart_port\",{type},{written}", Ok);
        await m.CommandAsync("AT+SYSMFG=1,\"factory_param\",\"uart_port\"", $"+SYSMFG:\"factory_param\",\"uart_port\",{type},{shown.Length},{shown}\r\n" + Ok);
    }

    [Theory]
    [InlineData(1, "256")]
    [InlineData(1, "-1")]
    [InlineData(2, "128")]
    [InlineData(3, "65536")]
    [InlineData(4, "32768")]
    [InlineData(5, "4294967296")]
    [InlineData(6, "2147483648")]
    public async Task A_number_out_of_its_type_s_range_is_refused(int type, string written)
    {
        await using var m = await StartAsync();
        await m.SysLogOnAsync();
        await m.CommandAsync($"AT+SYSMFG=2,\"factory_param\",\"uart_port\",{type},{written}", Err(0x01070004));
        await m.CommandAsync("AT+SYSMFG=1,\"factory_param\"", Ok);
    }

    [Fact]
    public async Task Erasing_a_key_or_a_namespace()
    {
        await using var m = await StartAsync();
        await m.SysLogOnAsync();
        await m.CommandAsync("AT+SYSMFG=2,\"client_cert\",\"client_cert.0\",1,1", Ok);
        await m.CommandAsync("AT+SYSMFG=2,\"client_cert\",\"client_cert.1\",1,2", Ok);
        await m.CommandAsync("AT+SYSMFG=0,\"client_cert\",\"client_cert.0\"", Ok);
        await m.CommandAsync("AT+SYSMFG=0,\"client_cert\",\"client_cert.0\"", Err(ExecFail));
        await m.CommandAsync("AT+SYSMFG=1,\"client_cert\",\"client_cert.0\"", Err(ExecFail));
        await m.CommandAsync("AT+SYSMFG=1,\"client_cert\"", "+SYSMFG:\"client_cert\",\"client_cert.1\",1\r\n" + Ok);
        await m.CommandAsync("AT+SYSMFG=0,\"client_cert\"", Ok);
        await m.CommandAsync("AT+SYSMFG=1,\"client_cert\"", Ok);

        // An empty namespace erases fine.
        await m.CommandAsync("AT+SYSMFG=0,\"client_cert\"", Ok);
    }

    [Theory]
    [InlineData("AT+SYSMFG=2,\"mqtt_pem\",\"mqtt_pem\",8,10", ExecFail)] // no such namespace
    [InlineData("AT+SYSMFG=1,\"https_ca\"", ExecFail)]
    [InlineData("AT+SYSMFG=0,\"mqtt_ca\",\"mqtt_ca\"", ExecFail)] // nothing to erase
    [InlineData("AT+SYSMFG=2,\"mqtt_ca\",\"a_key_of_16_char\",8,10", 0x01070002u)] // NVS keys have at most 15 characters
    [InlineData("AT+SYSMFG=2,\"mqtt_ca\",\"\",8,10", 0x01070002u)]
    [InlineData("AT+SYSMFG=2,\"mqtt_ca\",\"mqtt_ca\",9,10", 0x01070003u)]
    [InlineData("AT+SYSMFG=2,\"mqtt_ca\",\"mqtt_ca\",0,10", 0x01070003u)]
    [InlineData("AT+SYSMFG=2,\"mqtt_ca\",\"mqtt_ca\",8,0", 0x01070004u)]
    [InlineData("AT+SYSMFG=2,\"mqtt_ca\",\"mqtt_ca\",7,4000", 0x01070004u)] // an NVS string holds 3999 bytes and its NUL
    [InlineData("AT+SYSMFG=2,\"mqtt_ca\",\"mqtt_ca\",8,107936", 0x01070004u)] // NVS's bound for a blob in this partition
    [InlineData("AT+SYSMFG=2,\"mqtt_ca\",\"mqtt_ca\",8,x", 0x01080004u)]
    [InlineData("AT+SYSMFG=2,\"mqtt_ca\",\"mqtt_ca\",8", 0x01060504u)]
    [InlineData("AT+SYSMFG=1,\"mqtt_ca\",\"mqtt_ca\",0", 0x01060504u)]
    [InlineData("AT+SYSMFG=0,\"mqtt_ca\",\"mqtt_ca\",0", 0x01060304u)]
    [InlineData("AT+SYSMFG=3,\"mqtt_ca\"", 0x01070000u)]
    [InlineData("AT+SYSMFG=2", 0x01080001u)]
    public async Task Bad_requests_answer_error_with_their_code_and_change_nothing(string line, uint code)
    {
        await using var m = await StartAsync();
        await m.SysLogOnAsync();
        await m.CommandAsync(line, Err(code));
        await m.CommandAsync("AT+SYSMFG=1,\"mqtt_ca\"", Ok);
        await m.AssertAliveAsync();
    }

    [Fact]
    public async Task Reading_outside_a_value_is_refused()
    {
        await using var m = await StartAsync();
        await m.SysLogOnAsync();
        await m.CommandAsync("AT+SYSMFG=2,\"mqtt_cert\",\"mqtt_cert\",8,4", Prompt);
        await m.SendAsync("abcd");
        await m.ExpectAsync(Ok);
        await m.CommandAsync("AT+SYSMFG=1,\"mqtt_cert\",\"mqtt_cert\",3,1", "+SYSMFG:\"mqtt_cert\",\"mqtt_cert\",8,1,d\r\n" + Ok);
        await m.CommandAsync("AT+SYSMFG=1,\"mqtt_cert\",\"mqtt_cert\",4,1", Err(0x01070003));
        await m.CommandAsync("AT+SYSMFG=1,\"mqtt_cert\",\"mqtt_cert\",1,4", Err(0x01070004));
        await m.CommandAsync("AT+SYSMFG=1,\"mqtt_cert\",\"mqtt_cert\",0,0", Err(0x01070004));
    }

    [Fact]
    public async Task A_data_phase_that_stops_answers_error_and_keeps_the_old_value()
    {
        await using var m = await StartAsync(dataTimeout: TimeSpan.FromMilliseconds(300));
        await m.CommandAsync("AT+SYSMFG=2,\"mqtt_key\",\"mqtt_key\",8,3", Prompt);
        await m.SendAsync("old");
        await m.ExpectAsync(Ok);
        await m.CommandAsync("AT+SYSMFG=2,\"mqtt_key\",\"mqtt_key\",8,100", Prompt);
        await m.SendAsync("partial");
        await m.ExpectAsync(Error, TimeSpan.FromSeconds(5));
        await m.AssertAliveAsync();
        await m.CommandAsync("AT+SYSMFG=1,\"mqtt_key\",\"mqtt_key\"", "+SYSMFG:\"mqtt_key\",\"mqtt_key\",8,3,old\r\n" + Ok);
    }

    [Fact]
    public async Task The_partition_holds_what_fits_and_refuses_the_rest()
    {
        await using var m = await StartAsync();
        await m.SysLogOnAsync();
        byte[] big = new byte[MfgNvs.MaxBinaryBytes];
        Random.Shared.NextBytes(big);
        await m.CommandAsync($"AT+SYSMFG=2,\"server_cert\",\"server_cert.0\",8,{big.Length}", Prompt);
        await m.SendAsync(big);
        await m.ExpectAsync(Ok);

        // A second value that size does not fit beside it: refused after its data, the first kept.
        await m.CommandAsync($"AT+SYSMFG=2,\"server_cert\",\"server_cert.1\",8,{big.Length}", Prompt);
        await m.SendAsync(big);
        await m.ExpectAsync(Err(ExecFail));
        await m.CommandAsync("AT+SYSMFG=1,\"server_cert\"", "+SYSMFG:\"server_cert\",\"server_cert.0\",8\r\n" + Ok);

        // Replacing the first with one as large fits (its own room is given back).
        await m.CommandAsync($"AT+SYSMFG=2,\"server_cert\",\"server_cert.0\",8,{big.Length}", Prompt);
        await m.SendAsync(big);
        await m.ExpectAsync(Ok);

        // Erased, it makes room again.
        await m.CommandAsync("AT+SYSMFG=0,\"server_cert\"", Ok);
        await m.CommandAsync($"AT+SYSMFG=2,\"server_cert\",\"server_cert.1\",8,{big.Length}", Prompt);
        await m.SendAsync(big);
        await m.ExpectAsync(Ok);
    }

    [Fact]
    public async Task Values_outlive_AT_RST_and_AT_RESTORE()
    {
        await using var m = await StartAsync();
        await m.CommandAsync("AT+SYSMFG=2,\"mqtt_cert\",\"mqtt_cert\",8,4", Prompt);
        await m.SendAsync("kept");
        await m.ExpectAsync(Ok);
        await m.CommandAsync("AT+RST", Ok + "ready\r\n");
        await m.CommandAsync("AT+SYSMFG=1,\"mqtt_cert\",\"mqtt_cert\"", "+SYSMFG:\"mqtt_cert\",\"mqtt_cert\",8,4,kept\r\n" + Ok);
        await m.CommandAsync("AT+RESTORE", Ok + "ready\r\n");
        await m.CommandAsync("AT+SYSMFG=1,\"mqtt_cert\",\"mqtt_cert\"", "+SYSMFG:\"mqtt_cert\",\"mqtt_cert\",8,4,kept\r\n" + Ok);
    }

    private static byte[] Ascii(string text) => Encoding.ASCII.GetBytes(text);
}
