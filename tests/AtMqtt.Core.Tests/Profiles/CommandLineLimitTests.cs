using AtMqtt.Core.Framing;
using AtMqtt.Core.Profiles;
using AtMqtt.Core.Tests.Commands.Quectel;
using AtMqtt.Core.Tests.Commands.Simcom;
using Xunit;

namespace AtMqtt.Core.Tests.Profiles;

/// <summary>
/// The command line limit is profile data (docs/profiles.md, "Command line limit"): ESP-AT's 256 bytes on every
/// Wi-Fi profile, 559 on quectel-bg95 (Qualcomm's 560-byte line buffer with its NUL), 1024 on simcom-a7670. A line
/// at the limit is executed; one byte more is discarded with ERROR and changes nothing. The padding is leading
/// zeros of a number, so the line's length is all that differs.
/// </summary>
public sealed class CommandLineLimitTests
{
    private static string Padded(string head, int value, int length) => head + value.ToString("D" + (length - head.Length), System.Globalization.CultureInfo.InvariantCulture);

    [Fact]
    public void The_Wi_Fi_profiles_keep_256_bytes_and_the_cellular_ones_have_their_own()
    {
        Assert.All(Profile.Names, n => Assert.Equal(256, Profile.FromName(n)!.MaxLineBytes));
        Assert.Equal(256, LineFramer.MaxLineBytes);
        Assert.Equal(559, Profile.FromName("quectel-bg95")!.MaxLineBytes);
        Assert.Equal(1024, Profile.FromName("simcom-a7670")!.MaxLineBytes);
    }

    [Theory]
    [InlineData(559, true)]
    [InlineData(560, false)]
    public async Task Quectel_takes_a_line_of_559_bytes_and_refuses_560(int length, bool taken)
    {
        await using var m = await Quectel.StartAsync();
        string line = Padded("AT+QMTCFG=\"keepalive\",0,", 77, length);
        Assert.Equal(length, line.Length);
        if (taken)
        {
            await m.CommandAsync(line, Quectel.Ok);
        }
        else
        {
            // Too long: no echo, ERROR, nothing changed.
            await m.SendAsync(line + "\r\n");
            await m.ExpectAsync(Quectel.Error);
        }

        await m.CommandAsync("AT+QMTCFG=\"keepalive\",0", $"\r\n+QMTCFG: \"keepalive\",{(taken ? 77 : 120)}\r\n" + Quectel.Ok);
    }

    [Fact]
    public async Task Quectel_takes_a_300_byte_inline_PUBEX_that_256_bytes_refused()
    {
        await using var m = await Quectel.StartAsync();
        string line = "AT+QMTPUBEX=0,0,0,0,\"t\",\"" + new string('m', 300) + "\"";
        Assert.True(line.Length is > 256 and <= 559);

        // Parsed, not discarded: the client is not connected, so QMTPUBEX itself answers ERROR, after the line's echo.
        await m.SendAsync(line + "\r\n");
        await m.ExpectAsync(line + "\r\n" + Quectel.Error);
    }

    [Theory]
    [InlineData(1024, true)]
    [InlineData(1025, false)]
    public async Task SIMCom_takes_a_line_of_1024_bytes_and_refuses_1025(int length, bool taken)
    {
        await using var m = await SimcomHost.StartAsync();
        await m.CommandAsync("AT+CMQTTSTART", SimcomHost.Ok + SimcomHost.Urc("+CMQTTSTART: 0"));
        await m.CommandAsync("AT+CMQTTACCQ=0,\"limit\"", SimcomHost.Ok);
        string line = Padded("AT+CMQTTCFG=\"optimeout\",0,", 77, length);
        Assert.Equal(length, line.Length);
        if (taken)
        {
            await m.CommandAsync(line, SimcomHost.Ok);
        }
        else
        {
            await m.SendAsync(line + "\r\n");
            await m.ExpectAsync(SimcomHost.Error);
        }

        await m.CommandAsync("AT+CMQTTCFG?", SimcomHost.Info($"+CMQTTCFG: 0,1,{(taken ? 77 : 120)}", "+CMQTTCFG: 1,1,120"));
    }
}
