using AtMqtt.Core.Profiles;
using Xunit;

namespace AtMqtt.Core.Tests.Commands.Quectel;

/// <summary>
/// quectel-ec21 (src/AtMqtt.Core/Profiles/QuectelEc21.cs): each way it answers unlike quectel-bg95, one row each in
/// docs/quectel.md ("quectel-ec21"): identification, boot and SIM-ready lines, LTE registration, AT+CGDCONT?'s
/// fields, QMTCFG "version" 3 at power-on, and AT+QMTPUBEX's length-and-prompt form with +QMTPUBEX.
/// </summary>
public sealed class QuectelEc21Tests(BrokerFixture broker) : IClassFixture<BrokerFixture>
{
    private const string Ok = Quectel.Ok;
    private const string Boot = "\r\nRDY\r\n\r\n+CPIN: READY\r\n\r\n+QUSIM: 1\r\n\r\n+QIND: SMS DONE\r\n\r\n+QIND: PB DONE\r\n";
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(15);

    private static string Info(params string[] lines) => "\r\n" + string.Concat(lines.Select(l => l + "\r\n")) + Ok;

    private static async Task<InMemoryModem> StartAsync()
    {
        var p = Profile.FromName("quectel-ec21")!;
        var modem = InMemoryModem.CreateDetached(new ModemOptions { Profile = p, Dialect = p.Dialect, ResultDelay = TimeSpan.Zero, DataTimeout = TimeSpan.FromSeconds(5) });
        modem.Attach();
        try
        {
            await modem.ExpectAsync(Boot);
        }
        catch
        {
            await modem.DisposeAsync();
            throw;
        }

        return modem;
    }

    [Fact]
    public async Task It_names_itself_an_EC21_and_registers_on_LTE()
    {
        await using var m = await StartAsync();
        await m.CommandAsync("ATI", Info("Quectel", "EC21", "Revision: EC21EFAR06A08M4G"));
        await m.CommandAsync("AT+GMR", Info("EC21EFAR06A08M4G"));
        await m.CommandAsync("AT+CGMM", Info("EC21"));
        await m.CommandAsync("AT+QGMR", Info("EC21EFAR06A08M4G_20.200.20.200"));
        await m.CommandAsync("AT+COPS?", Info("+COPS: 0,0,\"AtMqtt\",7"));
        await m.CommandAsync("AT+CGDCONT?", Info("+CGDCONT: 1,\"IP\",\"\",\"0.0.0.0\",0,0,0,0"));

        // A SIM that becomes ready again says PB DONE too.
        await m.CommandAsync("AT+CFUN=0", Ok);
        await m.CommandAsync("AT+CFUN=1", Ok);
        await m.ExpectAsync("\r\n+CPIN: READY\r\n\r\n+QUSIM: 1\r\n\r\n+QIND: SMS DONE\r\n\r\n+QIND: PB DONE\r\n");
        Assert.Equal(559, m.Modem.Profile.MaxLineBytes);
    }

    [Fact]
    public async Task QMTCFG_version_is_3_at_power_on_and_MQTT_3_1_connects()
    {
        await using var m = await StartAsync();
        await m.CommandAsync("AT+QMTCFG=\"version\",0", Info("+QMTCFG: \"version\",3"));

        // The broker's side: the CONNECT is MQTT 3.1 (protocol name MQIsdp, level 3).
        string id = Text.Unique("ec21v");
        var version = new TaskCompletionSource<MQTTnet.Formatter.MqttProtocolVersion>(TaskCreationOptions.RunContinuationsAsynchronously);
        Func<MQTTnet.Server.ValidatingConnectionEventArgs, Task> seen = e =>
        {
            if (e.ClientId == id)
            {
                version.TrySetResult(e.ProtocolVersion);
            }

            return Task.CompletedTask;
        };
        broker.Server.ValidatingConnectionAsync += seen;
        try
        {
            await m.QmtConnectAsync(0, broker.Port, id);
            Assert.Equal(MQTTnet.Formatter.MqttProtocolVersion.V310, await version.Task.WaitAsync(Wait));
        }
        finally
        {
            broker.Server.ValidatingConnectionAsync -= seen;
        }
    }

    [Theory]
    [InlineData(0, 0)]
    [InlineData(1, 5)]
    [InlineData(2, 65535)]
    public async Task PUBEX_takes_its_data_after_the_prompt_and_answers_with_QMTPUBEX(int qos, int msgId)
    {
        await using var m = await StartAsync();
        await m.CommandAsync("AT+QMTPUBEX=?", Info("+QMTPUBEX: (0-5), <msgid>,(0-2),(0,1),\"topic\",\"length\""));
        await m.QmtConnectAsync(0, broker.Port);
        string t = Text.Unique("pubex");
        await using var probe = await broker.ProbeAsync();
        await probe.SubscribeAsync(t, 2);
        byte[] data = [.. Enumerable.Range(0, 256).Select(i => (byte)i)];
        await m.SendAsync($"AT+QMTPUBEX=0,{msgId},{qos},0,\"{t}\",256\r\n");
        await m.ExpectAsync($"AT+QMTPUBEX=0,{msgId},{qos},0,\"{t}\",256\r\n\r\n> ");
        await m.SendAsync(data);
        await m.ExpectAsync(Text.Concat(data, Text.Utf8(Ok + $"\r\n+QMTPUBEX: 0,{msgId},0\r\n")));
        var got = await probe.NextAsync(Wait);
        Assert.Equal((t, qos), (got.Topic, got.Qos));
        Assert.Equal(data, got.Payload);
    }

    [Fact]
    public async Task The_BG95s_inline_PUBEX_is_not_this_modules_form()
    {
        await using var m = await StartAsync();
        await m.QmtConnectAsync(0, broker.Port);
        await m.CommandAsync("AT+QMTPUBEX=0,0,0,0,\"t\",\"inline\"", Quectel.Error);
        await m.CommandAsync("AT+QMTPUBEX=0,0,0,0,\"t\",0", Quectel.Error);
        await m.CommandAsync("AT+QMTPUBEX=0,0,0,0,\"t\",4097", Quectel.Error);
        await m.AssertAliveAsync();
    }
}
