using AtMqtt.Core.Device;
using AtMqtt.Core.Instrument;
using Xunit;
using static AtMqtt.Core.Tests.Commands.Cellular.CellularHost;

namespace AtMqtt.Core.Tests.Commands.Cellular;

/// <summary>
/// Every +CME ERROR code the modem produces (<see cref="CmeErrors.All"/>), from the command that produces
/// it, in each AT+CMEE mode: 0 plain ERROR, 1 the number, 2 the 27.007 text.
/// </summary>
public sealed class CmeErrorTests
{
    public static TheoryData<string, int, string, string> Failures => new()
    {
        { Bg95, CmeErrors.OperationNotAllowed, "", "AT+CPIN=\"1234\"" },
        { A7670, CmeErrors.OperationNotAllowed, "", "AT+CGACT=1,4" },
        { Bg95, CmeErrors.SimFailure, "AT+CFUN=0", "AT+CPIN?" },
        { A7670, CmeErrors.SimFailure, "AT+CFUN=0", "AT+CPIN=\"1234\"" },
        { Bg95, CmeErrors.NoNetworkService, "AT+CFUN=4", "AT+CGATT=1" },
        { A7670, CmeErrors.NoNetworkService, "AT+COPS=2", "AT+CGACT=1,1" },
        { Bg95, CmeErrors.UnspecifiedGprsError, "pdp-deactivated", "AT+CGACT=1,1" },
        { A7670, CmeErrors.UnspecifiedGprsError, "pdp-deactivated", "AT+CGACT=1" },
    };

    [Theory]
    [MemberData(nameof(Failures))]
    public async Task Each_code_is_written_as_cmee_asks(string profile, int code, string before, string line)
    {
        await using var h = await StartAsync(profile);
        if (before == "pdp-deactivated")
        {
            h.Modem.Faults.Start(new FaultSpec { Kind = FaultKinds.PdpDeactivated });
            if (profile == A7670)
            {
                await h.ExpectAsync("\r\n+CGEV: NW PDN DEACT 1\r\n");
            }
        }
        else if (before.Length > 0)
        {
            await h.SendAsync(before + "\r\n");
            await h.ExpectAsync(before + "\r\n" + Ok);
            await h.Host.DrainAsync(TimeSpan.FromMilliseconds(100), TimeSpan.FromSeconds(1));
        }

        await h.CommandAsync("AT+CMEE=0", Ok);
        await h.CommandAsync(line, Error);
        await h.CommandAsync("AT+CMEE=1", Ok);
        await h.CommandAsync(line, $"\r\n+CME ERROR: {code}\r\n");
        await h.CommandAsync("AT+CMEE=2", Ok);
        await h.CommandAsync(line, $"\r\n+CME ERROR: {CmeErrors.Text(code)}\r\n");
        await h.AssertSilentAsync(TimeSpan.FromMilliseconds(100));
    }

    [Fact]
    public void The_codes_are_the_27007_ones_with_their_texts()
    {
        Assert.Equal(new[] { 3, 13, 30, 148 }, CmeErrors.All);
        Assert.Equal(
            new[] { "operation not allowed", "SIM failure", "no network service", "unspecified GPRS error" },
            CmeErrors.All.Select(CmeErrors.Text));
        Assert.Equal(CmeErrors.All, Failures.Select(row => (int)row[1]).Distinct().Order());
    }

    [Fact]
    public async Task A_syntax_error_is_plain_error_whatever_cmee_says()
    {
        await using var h = await StartAsync(Bg95);
        await h.CommandAsync("AT+CMEE=2", Ok);
        await h.CommandAsync("AT+CGACT=1,99", Error);
        await h.CommandAsync("AT+NONEXISTENT", Error);
        await h.CommandAsync("ATBOGUS", Error);
    }
}
