using Xunit;

namespace AtMqtt.Core.Tests.Profiles;

/// <summary>
/// urc-in-prompt: the URCs waiting once a prompt's <c>OK</c> has gone out come before its <c>&gt;</c>, as
/// ESP-AT writes a +MQTTSUBRECV there (its issue #539). The host holds the OK (HeldHost) while a message
/// arrives, so the URC is waiting at that moment by construction.
/// </summary>
public sealed partial class QuirkTests
{
    private const string PubRaw = "AT+MQTTPUBRAW=0,\"t/raw\",5,0,0";

    /// <summary>A held modem (<paramref name="quirks"/>) connected to the class's broker and subscribed to <paramref name="topic"/>.</summary>
    private async Task<HeldHost> HeldAndSubscribedAsync(string topic, params string[] quirks)
    {
        var held = await HeldHost.StartAsync(With(quirks));
        try
        {
            await held.CommandAsync($"AT+MQTTUSERCFG=0,1,\"{Unique.Id("held")}\",\"\",\"\",0,0,\"\"", Ok);
            await held.CommandAsync($"AT+MQTTCONN=0,\"127.0.0.1\",{broker.Port},0", $"+MQTTCONNECTED:0,1,\"127.0.0.1\",{broker.Port},0\r\n" + Ok);
            await held.CommandAsync($"AT+MQTTSUB=0,\"{topic}\",0", Ok);
        }
        catch
        {
            await held.DisposeAsync();
            throw;
        }

        return held;
    }

    [Fact]
    public async Task Urc_in_prompt_writes_a_waiting_URC_between_OK_and_the_prompt()
    {
        string topic = Text.Unique("prompt");
        await using var held = await HeldAndSubscribedAsync(topic, "urc-in-prompt");
        await using var probe = await broker.ProbeAsync();
        await held.SendAsync(PubRaw + "\r\n");
        await held.SeeAsync(PubRaw + "\r\n\r\nOK\r\n");

        // A message arrives while the host has the OK and not yet the '>'.
        await probe.SubscribeAsync("t/raw", 0);
        await probe.PublishAsync(topic, "in,\r\n", 0);
        await Poll.UntilAsync(() => held.Modem.Urcs.Pending == 1, "the message waiting for the host");

        await held.TakeAsync(PubRaw + "\r\n\r\nOK\r\n" + $"+MQTTSUBRECV:0,\"{topic}\",5,in,\r\n\r\n" + "\r\n>");
        await held.SendAsync("hello");
        await held.TakeAsync("\r\n+MQTTPUBRAW:OK\r\n");
        Assert.Equal("hello", (await probe.NextAsync()).PayloadText);
        await held.CommandAsync("AT", Ok);
    }

    /// <summary>With nothing waiting, the prompt's bytes are those of a modem without the quirk.</summary>
    [Fact]
    public async Task Urc_in_prompt_with_nothing_waiting_changes_no_byte()
    {
        string topic = Text.Unique("prompt");
        await using var held = await HeldAndSubscribedAsync(topic, "urc-in-prompt");
        await held.CommandAsync(PubRaw, "\r\nOK\r\n\r\n>");
        await held.SendAsync("hello");
        await held.TakeAsync("\r\n+MQTTPUBRAW:OK\r\n");
        await held.AssertSilentAsync(TimeSpan.FromMilliseconds(200));
    }

    /// <summary>Without the quirk (SPEC section 2), the same message waits until the PUBRAW's result.</summary>
    [Fact]
    public async Task Without_urc_in_prompt_a_waiting_URC_comes_after_the_result()
    {
        string topic = Text.Unique("prompt");
        await using var held = await HeldAndSubscribedAsync(topic);
        await using var probe = await broker.ProbeAsync();
        await held.SendAsync(PubRaw + "\r\n");
        await held.SeeAsync(PubRaw + "\r\n\r\nOK\r\n\r\n>");
        await probe.PublishAsync(topic, "in,\r\n", 0);
        await Poll.UntilAsync(() => held.Modem.Urcs.Pending == 1, "the message waiting for the host");

        await held.TakeAsync(PubRaw + "\r\n\r\nOK\r\n\r\n>");
        await held.SendAsync("hello");
        await held.TakeAsync("\r\n+MQTTPUBRAW:OK\r\n" + $"+MQTTSUBRECV:0,\"{topic}\",5,in,\r\n\r\n");
        await held.AssertSilentAsync(TimeSpan.FromMilliseconds(200));
    }
}
