using System.Text;
using AtMqtt.Core.Profiles;
using Xunit;
using static AtMqtt.Testing.InMemoryModem;

namespace AtMqtt.Core.Tests.Commands;

/// <summary>
/// AT+SYSFLASH on the esp-at-2.2 profile: the ESP32 partition table in the real line format, erase, write
/// (only where erased, through <c>&gt;</c>), read back, every refusal with its code, the data timeout,
/// and what AT+RST and AT+RESTORE keep. Exact bytes on the wire.
/// </summary>
public sealed class SysFlashTests
{
    private const uint ExecFail = 0x010a0000;

    private static Task<InMemoryModem> StartAsync(TimeSpan? dataTimeout = null) =>
        InMemoryModem.StartAsync(new ModemOptions { Profile = Profile.FromName("esp-at-2.2"), DataTimeout = dataTimeout ?? TimeSpan.FromSeconds(5) });

    [Fact]
    public async Task The_query_lists_the_esp32_user_partitions_as_esp_at_2_x_does()
    {
        await using var m = await StartAsync();
        await m.CommandAsync("AT+SYSFLASH?",
            "+SYSFLASH:\"ble_data\",64,1,0x21000,0x3000\r\n"
            + "+SYSFLASH:\"server_cert\",64,2,0x24000,0x2000\r\n"
            + "+SYSFLASH:\"server_key\",64,3,0x26000,0x2000\r\n"
            + "+SYSFLASH:\"server_ca\",64,4,0x28000,0x2000\r\n"
            + "+SYSFLASH:\"client_cert\",64,5,0x2a000,0x2000\r\n"
            + "+SYSFLASH:\"client_key\",64,6,0x2c000,0x2000\r\n"
            + "+SYSFLASH:\"client_ca\",64,7,0x2e000,0x2000\r\n"
            + "+SYSFLASH:\"factory_param\",64,8,0x30000,0x1000\r\n"
            + "+SYSFLASH:\"wpa2_cert\",64,9,0x31000,0x2000\r\n"
            + "+SYSFLASH:\"wpa2_key\",64,10,0x33000,0x2000\r\n"
            + "+SYSFLASH:\"wpa2_ca\",64,11,0x35000,0x2000\r\n"
            + "+SYSFLASH:\"mqtt_cert\",64,12,0x37000,0x2000\r\n"
            + "+SYSFLASH:\"mqtt_key\",64,13,0x39000,0x2000\r\n"
            + "+SYSFLASH:\"mqtt_ca\",64,14,0x3b000,0x2000\r\n"
            + "+SYSFLASH:\"fatfs\",1,129,0x70000,0x90000\r\n"
            + Ok);
    }

    [Fact]
    public async Task Erase_write_and_read_back_give_the_exact_bytes()
    {
        await using var m = await StartAsync();

        // Raw bytes, CR LF and a NUL among them: the data phase takes exactly <length> bytes.
        byte[] data = [0xF1, 0xF1, 0x0D, 0x0A, 0x00, (byte)'A', 0xFF, (byte)','];
        await m.CommandAsync("AT+SYSFLASH=0,\"mqtt_ca\"", Ok);
        await m.CommandAsync("AT+SYSFLASH=1,\"mqtt_ca\",0,8", "\r\n>");
        await m.SendAsync(data);
        await m.ExpectAsync(Ok);

        await m.SendAsync("AT+SYSFLASH=2,\"mqtt_ca\",0,8\r\n");
        await m.ExpectAsync([.. Encoding.ASCII.GetBytes("AT+SYSFLASH=2,\"mqtt_ca\",0,8\r\n+SYSFLASH:8,"), .. data, .. Encoding.ASCII.GetBytes("\r\n" + Ok)]);

        // Offsets and lengths in hexadecimal (Espressif's example writes 0x1C000); erased bytes read 0xFF.
        await m.SendAsync("AT+SYSFLASH=2,\"mqtt_ca\",0x6,0x4\r\n");
        await m.ExpectAsync([.. Encoding.ASCII.GetBytes("AT+SYSFLASH=2,\"mqtt_ca\",0x6,0x4\r\n+SYSFLASH:4,"), 0xFF, (byte)',', 0xFF, 0xFF, .. Encoding.ASCII.GetBytes("\r\n" + Ok)]);

        // The last sector, written at an offset.
        await m.CommandAsync("AT+SYSFLASH=1,\"mqtt_ca\",8190,2", "\r\n>");
        await m.SendAsync("yz");
        await m.ExpectAsync(Ok);
        await m.CommandAsync("AT+SYSFLASH=2,\"mqtt_ca\",0x1ffe,2", "+SYSFLASH:2,yz\r\n" + Ok);
        await m.AssertAliveAsync();
    }

    [Fact]
    public async Task Writing_over_written_bytes_is_refused_until_they_are_erased()
    {
        await using var m = await StartAsync();
        await m.SysLogOnAsync();
        await m.CommandAsync("AT+SYSFLASH=1,\"mqtt_cert\",4096,3", "\r\n>");
        await m.SendAsync("abc");
        await m.ExpectAsync(Ok);

        // Overlapping the written bytes: no prompt.
        await m.CommandAsync("AT+SYSFLASH=1,\"mqtt_cert\",4098,2", Err(ExecFail));
        await m.CommandAsync("AT+SYSFLASH=1,\"mqtt_cert\",4000,100", Err(ExecFail));

        // Beside them: fine.
        await m.CommandAsync("AT+SYSFLASH=1,\"mqtt_cert\",4099,1", "\r\n>");
        await m.SendAsync("d");
        await m.ExpectAsync(Ok);

        // Erasing the other sector leaves them; erasing theirs clears them.
        await m.CommandAsync("AT+SYSFLASH=0,\"mqtt_cert\",0,4096", Ok);
        await m.CommandAsync("AT+SYSFLASH=2,\"mqtt_cert\",4096,4", "+SYSFLASH:4,abcd\r\n" + Ok);
        await m.CommandAsync("AT+SYSFLASH=0,\"mqtt_cert\",4096,4096", Ok);
        await m.SendAsync("AT+SYSFLASH=2,\"mqtt_cert\",4096,4\r\n");
        await m.ExpectAsync([.. Encoding.ASCII.GetBytes("AT+SYSFLASH=2,\"mqtt_cert\",4096,4\r\n+SYSFLASH:4,"), 0xFF, 0xFF, 0xFF, 0xFF, .. Encoding.ASCII.GetBytes("\r\n" + Ok)]);
        await m.CommandAsync("AT+SYSFLASH=1,\"mqtt_cert\",4098,2", "\r\n>");
        await m.SendAsync("ok");
        await m.ExpectAsync(Ok);
    }

    [Theory]
    [InlineData("AT+SYSFLASH=0,\"mqtt_crt\"", ExecFail)] // no such partition
    [InlineData("AT+SYSFLASH=2,\"fatfs\",0,20", ExecFail)] // not an ESP-AT data partition (espressif/esp-at#67)
    [InlineData("AT+SYSFLASH=3,\"mqtt_ca\",0,4", 0x01070000u)]
    [InlineData("AT+SYSFLASH=x,\"mqtt_ca\",0,4", 0x01080000u)]
    [InlineData("AT+SYSFLASH=2,\"mqtt_ca\",8192,1", 0x01070002u)] // offset past the end
    [InlineData("AT+SYSFLASH=2,\"mqtt_ca\",8000,193", 0x01070003u)] // length past the end
    [InlineData("AT+SYSFLASH=1,\"mqtt_ca\",0,8193", 0x01070003u)]
    [InlineData("AT+SYSFLASH=1,\"mqtt_ca\",0,0", 0x01070003u)]
    [InlineData("AT+SYSFLASH=2,\"mqtt_ca\",0,0x", 0x01080003u)]
    [InlineData("AT+SYSFLASH=2,\"mqtt_ca\",-1,4", 0x01070002u)]
    [InlineData("AT+SYSFLASH=2,\"mqtt_ca\",1-,4", 0x01080002u)]
    [InlineData("AT+SYSFLASH=0,\"mqtt_ca\",100,4096", 0x01070002u)] // erase whole sectors only
    [InlineData("AT+SYSFLASH=0,\"mqtt_ca\",0,100", 0x01070003u)]
    [InlineData("AT+SYSFLASH=0,\"mqtt_ca\",0", 0x01060403u)]
    [InlineData("AT+SYSFLASH=1,\"mqtt_ca\"", 0x01060402u)]
    [InlineData("AT+SYSFLASH=2,\"mqtt_ca\",0,4,5", 0x01060405u)]
    public async Task Bad_requests_answer_error_with_their_code_and_change_nothing(string line, uint code)
    {
        await using var m = await StartAsync();
        await m.SysLogOnAsync();
        await m.CommandAsync(line, Err(code));
        Assert.True(m.Modem.Device.Flash.Partitions.IsErased(m.Modem.Device.Flash.Partitions.Find("mqtt_ca")!, 0, 0x2000));
        await m.AssertAliveAsync();
    }

    [Fact]
    public async Task A_data_phase_that_stops_answers_error_and_writes_nothing()
    {
        await using var m = await StartAsync(TimeSpan.FromMilliseconds(300));
        await m.CommandAsync("AT+SYSFLASH=1,\"mqtt_key\",0,10", "\r\n>");
        await m.SendAsync("secret");
        await m.ExpectAsync(Error, TimeSpan.FromSeconds(5));
        await m.AssertAliveAsync();
        var partitions = m.Modem.Device.Flash.Partitions;
        Assert.True(partitions.IsErased(partitions.Find("mqtt_key")!, 0, 0x2000));

        // The range is still writable.
        await m.CommandAsync("AT+SYSFLASH=1,\"mqtt_key\",0,2", "\r\n>");
        await m.SendAsync("ok");
        await m.ExpectAsync(Ok);
    }

    [Fact]
    public async Task The_partitions_outlive_AT_RST_and_AT_RESTORE()
    {
        await using var m = await StartAsync();
        await m.CommandAsync("AT+SYSFLASH=1,\"mqtt_ca\",0,4", "\r\n>");
        await m.SendAsync("kept");
        await m.ExpectAsync(Ok);
        await m.CommandAsync("AT+RST", Ok + "ready\r\n");
        await m.CommandAsync("AT+SYSFLASH=2,\"mqtt_ca\",0,4", "+SYSFLASH:4,kept\r\n" + Ok);
        await m.CommandAsync("AT+RESTORE", Ok + "ready\r\n");
        await m.CommandAsync("AT+SYSFLASH=2,\"mqtt_ca\",0,4", "+SYSFLASH:4,kept\r\n" + Ok);
    }

    /// <summary>Each modem has a flash of its own.</summary>
    [Fact]
    public async Task Two_modems_do_not_share_their_flash()
    {
        await using var a = await StartAsync();
        await using var b = await StartAsync();
        await a.CommandAsync("AT+SYSFLASH=1,\"mqtt_ca\",0,1", "\r\n>");
        await a.SendAsync("a");
        await a.ExpectAsync(Ok);
        await b.CommandAsync("AT+SYSFLASH=1,\"mqtt_ca\",0,1", "\r\n>");
        await b.SendAsync("b");
        await b.ExpectAsync(Ok);
        await a.CommandAsync("AT+SYSFLASH=2,\"mqtt_ca\",0,1", "+SYSFLASH:1,a\r\n" + Ok);
    }

    /// <summary>The seed page's module has no TLS certificates; v2.2 has no manufacturing NVS yet.</summary>
    [Theory]
    [InlineData("bk7238", "AT+SYSFLASH?")]
    [InlineData("bk7238", "AT+SYSFLASH=0,\"mqtt_ca\"")]
    [InlineData("bk7238", "AT+SYSMFG?")]
    [InlineData("esp-at-2.2", "AT+SYSMFG?")]
    [InlineData("esp-at-2.2", "AT+SYSMFG=1,\"mqtt_ca\"")]
    public async Task A_release_without_the_command_does_not_know_it(string profile, string line)
    {
        await using var m = await InMemoryModem.StartAsync(new ModemOptions { Profile = Profile.FromName(profile) });
        await m.SysLogOnAsync();
        await m.CommandAsync(line, Err(0x01090000));
    }
}
