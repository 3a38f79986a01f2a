using System.Diagnostics;
using System.Globalization;
using AtMqtt.Core;
using AtMqtt.Core.Dialects;
using AtMqtt.Core.Mqtt.Transport;
using AtMqtt.Core.Profiles;
using Xunit;

namespace AtMqtt.Testing;

/// <summary>
/// The real modem with a host attached, either in this process (an <see cref="InMemoryModem"/> whose logs
/// are captured at every level) or as the atmqtt program on stdio (so that its command-line options are
/// what provisions it). Either way an <see cref="AtHost"/> talks to it, the opening <c>ready</c> has been
/// read, and the same AT helpers (dialect-aware) apply.
/// </summary>
public sealed class ModemUnderTest : IAsyncDisposable
{
    /// <summary>Generous for one successful command on a loaded two-core machine.</summary>
    public static readonly TimeSpan Timeout = TimeSpan.FromSeconds(20);

    /// <summary>A failing AT+MQTTCONN must answer within this (its own default timeout is 15 s).</summary>
    public static readonly TimeSpan FailFast = TimeSpan.FromSeconds(5);

    private readonly InMemoryModem? _inMemory;
    private readonly LogCapture? _logs;

    private ModemUnderTest(Dialect dialect, AtHost host, InMemoryModem? inMemory = null, LogCapture? logs = null, ModemProcess? process = null) =>
        (Dialect, Host, _inMemory, _logs, Process) = (dialect, host, inMemory, logs, process);

    /// <summary>The dialect the modem speaks.</summary>
    public Dialect Dialect { get; }

    /// <summary>The host attached to the modem.</summary>
    public AtHost Host { get; }

    /// <summary>The program (<see cref="ProcessAsync(string[])"/>); null in process.</summary>
    public ModemProcess? Process { get; }

    /// <summary>Everything logged so far: the captured log (in process) or the program's stderr.</summary>
    public string Logs => _logs?.Text ?? Process!.StdErr;

    /// <summary>A <see cref="Modem"/> in this process, provisioned with <paramref name="credentials"/>; every log level captured.</summary>
    public static async Task<ModemUnderTest> InProcessAsync(Dialect dialect, TlsCredentials? credentials = null)
    {
        var logs = new LogCapture();
        var modem = await InMemoryModem.StartAsync(new ModemOptions { Dialect = dialect, Credentials = credentials ?? TlsCredentials.None, LoggerFactory = logs });
        return new ModemUnderTest(dialect, modem.Host, modem, logs);
    }

    /// <summary>A <see cref="Modem"/> in this process of the firmware <paramref name="profile"/>, provisioned with <paramref name="credentials"/> (its factory defaults).</summary>
    public static async Task<ModemUnderTest> InProcessAsync(Profile profile, TlsCredentials? credentials = null)
    {
        var logs = new LogCapture();
        var modem = await InMemoryModem.StartAsync(new ModemOptions { Profile = profile, Credentials = credentials ?? TlsCredentials.None, LoggerFactory = logs });
        return new ModemUnderTest(profile.Dialect, modem.Host, modem, logs);
    }

    /// <summary>The atmqtt program on stdio with <paramref name="args"/> (add <c>--dialect esp-at</c> or an ESP-AT <c>--profile</c> yourself).</summary>
    public static Task<ModemUnderTest> ProcessAsync(params string[] args) => ProcessAsync(null, args);

    /// <summary>The atmqtt program on stdio with <paramref name="args"/> and extra <paramref name="environment"/> variables.</summary>
    public static async Task<ModemUnderTest> ProcessAsync(IReadOnlyDictionary<string, string?>? environment, params string[] args)
    {
        var process = await ModemProcess.StartAsync(args, environment);
        var dialect = args.Any(a => a == "esp-at" || a.StartsWith("esp-at-", StringComparison.Ordinal)) ? Dialect.EspAt() : Dialect.Seed;
        var m = new ModemUnderTest(dialect, process.CreateStdioHost(), process: process);
        try
        {
            await m.Host.ExpectBytesAsync("ready\r\n", Timeout);
        }
        catch
        {
            await m.DisposeAsync();
            throw;
        }

        return m;
    }

    /// <summary>Sends <paramref name="line"/> and returns everything through its final result, the echo included.</summary>
    public Task<string> CommandAsync(string line, TimeSpan? timeout = null) => Host.CommandAsync(line, timeout ?? Timeout);

    /// <summary>Sends <paramref name="line"/> and asserts the exact bytes: its echo, then <paramref name="response"/>.</summary>
    public Task ExpectAsync(string line, string response, TimeSpan? timeout = null) => Host.ExpectAsync(line, response, timeout ?? Timeout);

    /// <summary>Asserts that <paramref name="line"/> answers exactly its echo and <c>\r\nOK\r\n</c>.</summary>
    public Task OkAsync(string line) => Host.OkAsync(line, Timeout);

    /// <summary>
    /// Sends <paramref name="line"/> and asserts that exactly its echo and <paramref name="response"/> arrive,
    /// then that <c>AT</c> answers its own echo and <c>OK</c> at once: nothing else came in between (for
    /// responses with more than one final result, like AT+RST's OK and ready).
    /// </summary>
    public async Task ExpectExactlyAsync(string line, string response)
    {
        await Host.SendAsync(line + "\r\n");
        await Host.ExpectBytesAsync(AtHost.Wire(line + "\r\n") + response, Timeout);

        // The marker's answer proves that the modem had written all it would about the line before.
        await OkAsync("AT");
    }

    /// <summary>Waits for exactly <paramref name="expected"/> (an unsolicited line) and consumes it.</summary>
    public Task ExpectUrcAsync(string expected) => Host.ExpectBytesAsync(expected, Timeout);

    /// <summary>AT+MQTTUSERCFG with the scheme, a client id and the WebSocket path.</summary>
    public Task UserCfgAsync(int scheme, string clientId, string path = "") =>
        OkAsync($"AT+MQTTUSERCFG=0,{scheme},\"{clientId}\",\"\",\"\",0,0,\"{path}\"");

    /// <summary>The exact +MQTTCONNECTED line (no CR LF) for this dialect and the loopback host.</summary>
    public string ConnectedLine(int scheme, int port, string path = "", int reconnect = 0) => Dialect.QuotedPortAndPath
        ? string.Create(CultureInfo.InvariantCulture, $"+MQTTCONNECTED:0,{scheme},\"{FreePort.Host}\",\"{port}\",\"{path}\",{reconnect}")
        : string.Create(CultureInfo.InvariantCulture, $"+MQTTCONNECTED:0,{scheme},\"{FreePort.Host}\",{port},{reconnect}");

    /// <summary>AT+MQTTCONN to 127.0.0.1:<paramref name="port"/>; asserts the exact <c>+MQTTCONNECTED</c> and <c>OK</c>.</summary>
    public Task ConnectAsync(int scheme, int port, string path = "", int reconnect = 0) =>
        ExpectAsync(ConnLine(port, reconnect), ConnectedLine(scheme, port, path, reconnect) + "\r\n\r\nOK\r\n");

    /// <summary>
    /// AT+MQTTCONN to 127.0.0.1:<paramref name="port"/> that must fail quickly: exactly
    /// <c>+MQTTDISCONNECTED:0</c>, the ERR CODE (when <paramref name="errCode"/> is given; AT+SYSLOG=1 must be on) and
    /// <c>ERROR</c>, within <see cref="FailFast"/>; then the modem still answers <c>AT</c>.
    /// </summary>
    public async Task ConnectFailsAsync(int port, uint? errCode)
    {
        var watch = Stopwatch.StartNew();
        string err = errCode is { } code ? string.Create(CultureInfo.InvariantCulture, $"ERR CODE:0x{code:x8}\r\n") : "";
        await ExpectAsync(ConnLine(port), $"+MQTTDISCONNECTED:0\r\n{err}\r\nERROR\r\n");
        watch.Stop();
        Assert.True(watch.Elapsed < FailFast, $"AT+MQTTCONN took {watch.Elapsed.TotalSeconds:F1} s to fail (at most {FailFast.TotalSeconds} s expected). Logs:\n{Logs}");
        await OkAsync("AT");
    }

    /// <summary>Waits until the logs contain <paramref name="text"/> (stderr of a process arrives asynchronously).</summary>
    public async Task<string> LogContainsAsync(string text)
    {
        if (Process is not null)
        {
            return await Process.WaitForStdErrAsync(text, Timeout);
        }

        string logs = Logs;
        Assert.True(logs.Contains(text, StringComparison.Ordinal), $"expected the log to contain \"{text}\". Log:\n{logs}");
        return logs;
    }

    /// <summary>The last log line that contains <paramref name="text"/> (empty if none).</summary>
    public string LastLogLine(string text) =>
        Logs.Split('\n').LastOrDefault(l => l.Contains(text, StringComparison.Ordinal)) ?? "";

    /// <summary>
    /// Both directions through the broker: the modem subscribes and receives what <paramref name="probe"/>
    /// publishes, then publishes (QoS 1) what the probe receives.
    /// </summary>
    public async Task RoundTripAsync(MqttProbe probe, string topicPrefix)
    {
        string down = topicPrefix + "/down";
        string up = topicPrefix + "/up";
        await probe.SubscribeAsync(up, 1);
        await OkAsync($"AT+MQTTSUB=0,\"{down}\",1");
        await probe.PublishAsync(down, "to-modem", qos: 1);
        await ExpectUrcAsync($"+MQTTSUBRECV:0,\"{down}\",8,to-modem\r\n");
        await OkAsync($"AT+MQTTPUB=0,\"{up}\",\"from-modem\",1,0");
        var message = await probe.NextAsync(Timeout);
        Assert.Equal(up, message.Topic);
        Assert.Equal("from-modem", message.PayloadText);
    }

    /// <summary>
    /// A link (reconnect=1) with a subscription to <paramref name="topic"/> outlives a restart of
    /// <paramref name="broker"/>: exactly <c>+MQTTDISCONNECTED</c>, then <c>+MQTTCONNECTED</c> to
    /// <paramref name="port"/>, then a message published to the topic arrives, once.
    /// </summary>
    public async Task AssertLinkComesBackAfterARestartAsync(MosquittoBroker broker, int scheme, int port, string topic)
    {
        await broker.RestartAsync();
        await ExpectUrcAsync("+MQTTDISCONNECTED:0\r\n");
        await ExpectUrcAsync(ConnectedLine(scheme, port, reconnect: 1) + "\r\n");

        // The restoring SUBSCRIBE follows +MQTTCONNECTED (SPEC section 4), so the message is
        // retained: it arrives once whether the SUBSCRIBE comes before it or after (as the retained copy).
        await using var probe = await MqttProbe.ConnectAsync(FreePort.Host, broker.Port);
        await probe.PublishAsync(topic, "back", qos: 1, retain: true);
        await ExpectUrcAsync($"+MQTTSUBRECV:0,\"{topic}\",4,back\r\n");
        await ExpectExactlyAsync("AT", "\r\nOK\r\n");
    }

    /// <summary>After a failure: answers AT, forgets the link, and still connects with <paramref name="scheme"/> to <paramref name="port"/>.</summary>
    public async Task AssertHealthyAsync(int scheme, int port, string path = "")
    {
        await OkAsync("AT");
        await OkAsync("AT+MQTTCLEAN=0");
        await UserCfgAsync(scheme, Unique.Id("healthy"), path);
        await ConnectAsync(scheme, port, path);
        await OkAsync("AT+MQTTCLEAN=0");
    }

    /// <summary>
    /// Writes one key-value pair of the manufacturing NVS (ESP-AT v3 and later):
    /// <c>AT+SYSMFG=2,"ns","key",8,N</c>, exactly <c>OK</c> and <c>&gt;</c>, the bytes, then exactly <c>OK</c>.
    /// </summary>
    public async Task SysMfgWriteAsync(string ns, string key, byte[] value, int type = 8)
    {
        await PromptAsync(string.Create(CultureInfo.InvariantCulture, $"AT+SYSMFG=2,\"{ns}\",\"{key}\",{type},{value.Length}"), "\r\nOK\r\n\r\n>");
        await Host.SendBytesAsync(value);
        await Host.ExpectBytesAsync("\r\nOK\r\n", Timeout);
    }

    /// <summary>
    /// Replaces a user partition's content (ESP-AT v2.x): <c>AT+SYSFLASH=0,"partition"</c> (erase), then
    /// <c>AT+SYSFLASH=1,"partition",0,N</c>, exactly <c>&gt;</c>, the bytes, then exactly <c>OK</c>.
    /// </summary>
    public async Task SysFlashWriteAsync(string partition, byte[] content)
    {
        await OkAsync($"AT+SYSFLASH=0,\"{partition}\"");
        await PromptAsync(string.Create(CultureInfo.InvariantCulture, $"AT+SYSFLASH=1,\"{partition}\",0,{content.Length}"), "\r\n>");
        await Host.SendBytesAsync(content);
        await Host.ExpectBytesAsync("\r\nOK\r\n", Timeout);
    }

    /// <summary>Sends <paramref name="line"/> and asserts exactly its echo and <paramref name="prompt"/> (a data phase's opening).</summary>
    public async Task PromptAsync(string line, string prompt)
    {
        await Host.SendAsync(line + "\r\n");
        await Host.ExpectBytesAsync(AtHost.Wire(line + "\r\n") + prompt, Timeout);
    }

    /// <summary>Detaches the host and stops the modem (in process) or kills the program.</summary>
    public async ValueTask DisposeAsync()
    {
        if (_inMemory is not null)
        {
            await _inMemory.DisposeAsync();
        }
        else
        {
            await Host.DisposeAsync();
        }

        if (Process is not null)
        {
            await Process.DisposeAsync();
        }
    }

    private static string ConnLine(int port, int reconnect = 0) =>
        string.Create(CultureInfo.InvariantCulture, $"AT+MQTTCONN=0,\"{FreePort.Host}\",{port},{reconnect}");
}
