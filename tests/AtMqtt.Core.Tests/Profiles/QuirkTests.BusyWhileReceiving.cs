using Xunit;

namespace AtMqtt.Core.Tests.Profiles;

/// <summary>
/// busy-while-receiving: a line that arrives while a URC is being written (from the start of its write
/// until its flush completed) gets <c>busy p...</c> and is dropped, as ESP-AT answers a command sent while
/// messages come in (its issues #531, #731). The host holds the URC's write (HeldHost), and the modem's
/// line hook says when the line has been taken, so the line arrives during the write by construction.
/// </summary>
public sealed partial class QuirkTests
{
    private static readonly byte[] AUrc = "+MQTTSUBRECV:0,\"t\",3,a\r\n\r\n"u8.ToArray();

    /// <summary>Starts a write of a URC that the host holds, then sends <paramref name="line"/> and waits until the modem has taken it.</summary>
    private static async Task LineDuringAUrcAsync(HeldHost held, string line)
    {
        var taken = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        held.Modem.LineHook = _ => taken.TrySetResult();
        held.Modem.Urcs.Enqueue(AUrc);
        await held.SeeAsync(System.Text.Encoding.Latin1.GetString(AUrc));
        Assert.True(held.Modem.Output.UrcWriting);
        await held.SendAsync(line + "\r\n");
        await taken.Task.WaitAsync(InMemoryModem.Timeout);
        held.Modem.LineHook = null;
    }

    [Theory]
    [InlineData(false, "AT\r\nbusy p...\r\n")]
    [InlineData(true, "AT\r\nERR CODE:0x010b0000\r\n\r\nbusy p...\r\n")]
    public async Task Busy_while_receiving_answers_a_line_sent_during_a_URC_busy(bool sysLog, string answer)
    {
        await using var held = await HeldHost.StartAsync(With("busy-while-receiving"));
        if (sysLog)
        {
            await held.CommandAsync("AT+SYSLOG=1", Ok);
        }

        await LineDuringAUrcAsync(held, "AT");
        await held.TakeAsync(System.Text.Encoding.Latin1.GetString(AUrc) + answer);

        // The line was dropped, not executed; once the URC is written, lines are answered again.
        Assert.False(held.Modem.Output.UrcWriting);
        await held.CommandAsync("AT+SYSLOG?", $"+SYSLOG:{(sysLog ? 1 : 0)}\r\n" + Ok);
    }

    /// <summary>A command that would change something is not executed either.</summary>
    [Fact]
    public async Task Busy_while_receiving_drops_the_command()
    {
        await using var held = await HeldHost.StartAsync(With("busy-while-receiving"));
        await LineDuringAUrcAsync(held, "ATE0");
        await held.TakeAsync(System.Text.Encoding.Latin1.GetString(AUrc) + "ATE0\r\nbusy p...\r\n");
        await held.CommandAsync("AT", Ok); // still echoing
    }

    /// <summary>Without the quirk, the same line waits for the URC's write and is answered.</summary>
    [Fact]
    public async Task Without_busy_while_receiving_a_line_sent_during_a_URC_is_answered()
    {
        await using var held = await HeldHost.StartAsync(With());
        await LineDuringAUrcAsync(held, "AT");
        await held.TakeAsync(System.Text.Encoding.Latin1.GetString(AUrc) + "AT\r\n" + Ok);
    }
}
