namespace AtMqtt.Modem.Tests.Control;

/// <summary>
/// The real program with <c>--tcp</c> and <c>--control</c> on free ports, started by the package's
/// <see cref="AtMqttModem"/> (no embedded broker: these tests use mosquitto), and the raw exchange with its
/// control API through the package's <see cref="AtMqttControlClient"/>: the tests read the HTTP answers
/// themselves, status, headers and JSON, so that they prove the API, not the client's reading of it.
/// </summary>
internal sealed class ControlApi : IAsyncDisposable
{
    public static readonly TimeSpan Timeout = AtMqttModem.DefaultTimeout;

    private ControlApi(AtMqttModem modem) => Modem = modem;

    public AtMqttModem Modem { get; }

    public ModemProcess Process => Modem.Process;

    public AtMqttControlClient Control => Modem.Control;

    public static async Task<ControlApi> StartAsync(params string[] extra) =>
        new(await AtMqttModem.StartAsync(new AtMqttModemOptions { EmbeddedBroker = false, Arguments = extra }));

    /// <summary>A host on the modem's channel, <c>ready</c> read.</summary>
    public Task<AtHost> HostAsync() => Modem.AttachAtHostAsync(Timeout);

    public async Task<(int Status, string Body, ControlResponse Response)> SendAsync(HttpMethod method, string path, string? json = null)
    {
        var response = await Control.SendAsync(method, path, json);
        return (response.Status, response.Body, response);
    }

    public async Task<System.Text.Json.JsonElement> StateAsync()
    {
        var response = await Control.SendAsync(HttpMethod.Get, "/api/state");
        Xunit.Assert.Equal(200, response.Status);
        Xunit.Assert.Equal("application/json", response.MediaType);
        return response.Json;
    }

    /// <summary>Opens GET /api/events; once this returns, the stream has its headers (and so misses nothing after).</summary>
    public Task<ControlEventStream> EventsAsync() => Control.OpenEventsAsync();

    public ValueTask DisposeAsync() => Modem.DisposeAsync();
}

/// <summary>The events the control tests wait for, matched on the wire's fields (a line's text as escaped there).</summary>
internal static class EventStreamWaits
{
    public static Task<AtMqttEvent> LineAsync(this ControlEventStream events, string direction, string text) =>
        events.NextAsync(e => e.Type == "line" && e.Direction == direction && e.Text == text, $"line {direction} {text}");

    public static Task<AtMqttEvent> StateAsync(this ControlEventStream events, string name, string value) =>
        events.NextAsync(e => e.Type == "state" && e.Name == name && e.Value == value, $"state {name}={value}");
}
