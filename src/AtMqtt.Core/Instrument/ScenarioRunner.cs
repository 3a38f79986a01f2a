using System.Globalization;
using System.Text;
using Microsoft.Extensions.Logging;
using MQTTnet;
using MQTTnet.Formatter;
using MQTTnet.Protocol;

namespace AtMqtt.Core.Instrument;

/// <summary>
/// Runs a <see cref="Scenario"/> on a modem: each step waits for its trigger after the previous step
/// ran, then does its action. Progress is <see cref="Progress"/> (the modem's snapshot shows it) and
/// <c>scenario</c> events. A step that fails ends the scenario (the rest stay pending).
/// </summary>
/// <remarks>
/// Command and URC triggers are seen by hooks in the modem itself (the line before it is answered, the
/// URC once written), so the same inputs give the same run: a fault a command trigger starts applies to
/// that command already, and one a URC trigger starts to whatever follows that URC.
/// </remarks>
public sealed class ScenarioRunner
{
    public const string Pending = "pending";
    public const string Running = "running";
    public const string Done = "done";
    public const string Failed = "failed";

    private static readonly TimeSpan PublishTimeout = TimeSpan.FromSeconds(10);

    private readonly Scenario _scenario;
    private readonly IReadOnlyList<ScenarioStep> _steps;
    private readonly Modem _modem;
    private readonly ILogger _log;
    private readonly Lock _gate = new();
    private readonly string[] _status;
    private readonly DateTimeOffset?[] _at;
    private readonly string?[] _detail;
    private readonly string[] _descriptions;
    private readonly Dictionary<string, string> _faultIds = new(StringComparer.Ordinal);
    private string _overall = Pending;

    // The step waiting for its trigger (-1: none), its command count, and how it is told.
    private int _armed = -1;
    private int _commands;
    private readonly TaskCompletionSource<bool>[] _fired;
    private readonly bool[] _ranInline;

    public ScenarioRunner(Scenario scenario, Modem modem, ILogger log)
    {
        _scenario = scenario;
        _steps = scenario.Steps ?? [];
        _modem = modem;
        _log = log;
        _status = [.. _steps.Select(_ => Pending)];
        _at = new DateTimeOffset?[_steps.Count];
        _detail = new string?[_steps.Count];
        _ranInline = new bool[_steps.Count];
        _fired = [.. _steps.Select(_ => new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously))];
        _descriptions = [.. _steps.Select(ScenarioLoader.Describe)];
    }

    public string Name => _scenario.Name ?? "scenario";

    /// <summary>The scenario's progress now.</summary>
    public ScenarioProgress Progress
    {
        get
        {
            lock (_gate)
            {
                return new ScenarioProgress(Name, _overall, [.. _steps.Select((s, i) => new ScenarioStepProgress(i + 1, Label(i) + ": " + _descriptions[i], _status[i], _at[i], _detail[i]))]);
            }
        }
    }

    /// <summary>Runs every step; true when each ran. Ends early (false) when <paramref name="cancellationToken"/> fires or the scenario's timeout passes.</summary>
    public async Task<bool> RunAsync(CancellationToken cancellationToken)
    {
        var time = _modem.Options.TimeProvider;
        using var limit = _scenario.Timeout is { } seconds
            ? new CancellationTokenSource(TimeSpan.FromSeconds(seconds), time)
            : new CancellationTokenSource();
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, limit.Token);
        _modem.Scenario = this;
        var events = _modem.Events.Watch(stop.Token);
        var phases = WatchPhasesAsync(events, stop.Token);
        _modem.LineHook = OnLine;
        _modem.Urcs.Written = OnUrc;
        SetOverall(Running, $"scenario \"{Name}\" started ({_steps.Count} steps)");
        int step = 0;
        try
        {
            lock (_gate)
            {
                Arm(0);
            }

            for (; step < _steps.Count; step++)
            {
                if (_steps[step].After is { } after)
                {
                    // Seconds after the previous step's action is done.
                    _ = FireAfterAsync(step, TimeSpan.FromSeconds(after), time, stop.Token);
                }

                await _fired[step].Task.WaitAsync(stop.Token).ConfigureAwait(false);
                if (!await ActAsync(step, stop.Token).ConfigureAwait(false))
                {
                    lock (_gate)
                    {
                        _armed = -1;

                        // The steps after a failure do not run (one may be armed already).
                        for (int later = step + 1; later < _steps.Count; later++)
                        {
                            if (_status[later] == Running)
                            {
                                _status[later] = Pending;
                            }
                        }
                    }

                    break;
                }
            }
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
            string why = limit.IsCancellationRequested ? $"the scenario's timeout ({Seconds(_scenario.Timeout ?? 0)} s) passed" : "the program stopped";
            lock (_gate)
            {
                if (step < _steps.Count && _status[step] == Running)
                {
                    _status[step] = Failed;
                    _detail[step] = $"not done when {why}";
                }
            }

            if (step < _steps.Count)
            {
                Publish(step, Failed, $"not done when {why}");
            }
        }
        finally
        {
            _modem.LineHook = null;
            _modem.Urcs.Written = null;
            Disarm();
            await stop.CancelAsync().ConfigureAwait(false);
            await phases.ConfigureAwait(false);
        }

        bool all = Progress.Steps.All(s => s.Status == Done);
        SetOverall(all ? Done : Failed, all ? $"scenario \"{Name}\": every step ran" : $"scenario \"{Name}\" failed: {Progress.Steps.Count(s => s.Status == Done)} of {_steps.Count} steps ran");
        return all;
    }

    /// <summary>The step starts waiting for its trigger (under the gate).</summary>
    private void Arm(int step)
    {
        var s = _steps[step];
        _status[step] = Running;
        _armed = step;
        _commands = 0;
        Publish(step, Running, _descriptions[step]);

        // No trigger: at once.
        if (s.After is null && s.Command is null && s.Urc is null && s.Phase is null)
        {
            FireLocked(step, inline: false);
        }
    }

    private void Disarm()
    {
        lock (_gate)
        {
            _armed = -1;
        }
    }

    private async Task FireAfterAsync(int step, TimeSpan delay, TimeProvider time, CancellationToken cancellationToken)
    {
        try
        {
            await Task.Delay(delay, time, cancellationToken).ConfigureAwait(false);
            Fire(step, inline: false);
        }
        catch (OperationCanceledException)
        {
        }
    }

    /// <summary>The modem's hook: a line from the host, before it is answered.</summary>
    private void OnLine(ReadOnlySpan<byte> line)
    {
        int step = Volatile.Read(ref _armed);
        if (step < 0 || _steps[step].Command is not { } command || !IsCommand(line, command))
        {
            return;
        }

        bool fire;
        lock (_gate)
        {
            fire = _armed == step && ++_commands == (_steps[step].Count ?? 1);
        }

        if (fire)
        {
            Fire(step, inline: true);
        }
    }

    /// <summary>The receive queue's hook: a URC written to the host.</summary>
    private void OnUrc(ReadOnlySpan<byte> line)
    {
        int step = Volatile.Read(ref _armed);
        if (step >= 0 && _steps[step].Urc is { } prefix && line.StartsWith(Encoding.UTF8.GetBytes(prefix)))
        {
            Fire(step, inline: true);
        }
    }

    private async Task WatchPhasesAsync(System.Threading.Channels.ChannelReader<ModemEvent> events, CancellationToken cancellationToken)
    {
        try
        {
            await foreach (var e in events.ReadAllAsync(cancellationToken).ConfigureAwait(false))
            {
                int step = Volatile.Read(ref _armed);
                if (e.Type == EventTypes.State && e.Name == StateNames.Link && step >= 0 && _steps[step].Phase is { } phase && e.Value == phase)
                {
                    Fire(step, inline: false);
                }
            }
        }
        catch (OperationCanceledException)
        {
        }
    }

    /// <summary>
    /// The step's trigger came. Starting and ending faults take no time, so a hook does them at once
    /// (the fault applies to the line or URC that triggered it); the rest is the run loop's.
    /// </summary>
    private void Fire(int step, bool inline)
    {
        lock (_gate)
        {
            FireLocked(step, inline);
        }
    }

    private void FireLocked(int step, bool inline)
    {
        if (_armed != step)
        {
            return;
        }

        _armed = -1;
        if (inline && _steps[step] is { Start: not null } or { End: not null })
        {
            _ranInline[step] = true;
            Record(step, ActOnFaults(step));
        }

        _fired[step].TrySetResult(true);

        // The next step's trigger counts from now, in this same moment: the line or URC after this
        // one may be it, and what this step's action causes may be it (a fault it starts or ends
        // then does not wait for this step's action to finish; the run loop does the rest in order).
        if (step + 1 < _steps.Count && !(_ranInline[step] && _status[step] == Failed))
        {
            Arm(step + 1);
        }
    }

    /// <summary>Does the step's action unless a hook did; false when it failed.</summary>
    private async Task<bool> ActAsync(int step, CancellationToken cancellationToken)
    {
        bool ranInline;
        lock (_gate)
        {
            ranInline = _ranInline[step];
        }

        (bool Ok, string Detail) result;
        var s = _steps[step];
        if (ranInline)
        {
            lock (_gate)
            {
                result = (_status[step] == Done, _detail[step] ?? "");
            }
        }
        else
        {
            try
            {
                if (s.Start is not null || s.End is not null)
                {
                    lock (_gate)
                    {
                        result = ActOnFaults(step);
                    }
                }
                else if (s.Reset == true)
                {
                    await _modem.ResetPinAsync().ConfigureAwait(false);
                    result = (true, "reset pin pulled");
                }
                else
                {
                    result = await PublishAsync(s.Publish!, cancellationToken).ConfigureAwait(false);
                }
            }
            catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
            {
                result = (false, ex.Message);
            }

            lock (_gate)
            {
                Record(step, result);
            }
        }

        Publish(step, result.Ok ? Done : Failed, result.Detail);
        if (result.Ok)
        {
            _log.LogInformation("Scenario \"{Scenario}\" {Step}: {Detail}", Name, Label(step), result.Detail);
        }
        else
        {
            _log.LogWarning("Scenario \"{Scenario}\" {Step} failed: {Detail}", Name, Label(step), result.Detail);
        }

        return result.Ok;
    }

    /// <summary>Starts or ends a fault (under the gate).</summary>
    private (bool Ok, string Detail) ActOnFaults(int step)
    {
        var s = _steps[step];
        try
        {
            if (s.Start is { } spec)
            {
                var fault = _modem.Faults.Start(spec);
                if (s.As is { } name)
                {
                    _faultIds[name] = fault.Id;
                }

                return (true, $"fault {fault.Id} started: {FaultValidation.Describe(spec)}");
            }

            if (s.End == "*")
            {
                return (true, $"{_modem.Faults.EndAll()} faults ended");
            }

            string id = _faultIds[s.End!];
            return (true, _modem.Faults.End(id) ? $"fault {id} ended" : $"fault {id} had ended already");
        }
        catch (FaultSpecException ex)
        {
            return (false, ex.Message);
        }
    }

    private async Task<(bool, string)> PublishAsync(ScenarioPublish publish, CancellationToken cancellationToken)
    {
        string host;
        int port;
        if (_scenario.Broker is { } broker)
        {
            (host, port) = (broker.Host!, broker.Port!.Value);
        }
        else if (_modem.Link.Target is { } target && _modem.Link.User is { Scheme: 1 })
        {
            (host, port) = (target.Host, target.Port);
        }
        else
        {
            return (false, "no broker to publish to: the link has not connected over plain TCP (scheme 1); give \"broker\" in the scenario");
        }

        using var client = new MqttClientFactory().CreateMqttClient();
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(PublishTimeout);
        var options = new MqttClientOptionsBuilder()
            .WithTcpServer(host, port)
            .WithClientId("atmqtt-scenario-" + Guid.NewGuid().ToString("N")[..8])
            .WithProtocolVersion(MqttProtocolVersion.V311)
            .WithTimeout(PublishTimeout)
            .Build();
        var connected = await client.ConnectAsync(options, timeout.Token).ConfigureAwait(false);
        if (connected.ResultCode != MqttClientConnectResultCode.Success)
        {
            return (false, $"the broker at {host}:{port} refused the connection: {connected.ResultCode}");
        }

        var message = new MqttApplicationMessageBuilder()
            .WithTopic(publish.Topic)
            .WithPayload(Encoding.UTF8.GetBytes(publish.Payload ?? ""))
            .WithQualityOfServiceLevel((MqttQualityOfServiceLevel)(publish.Qos ?? 0))
            .WithRetainFlag(publish.Retain == true)
            .Build();
        var result = await client.PublishAsync(message, timeout.Token).ConfigureAwait(false);
        await client.DisconnectAsync(cancellationToken: timeout.Token).ConfigureAwait(false);
        return result.IsSuccess
            ? (true, string.Create(CultureInfo.InvariantCulture, $"published {Encoding.UTF8.GetByteCount(publish.Payload ?? "")} bytes to \"{publish.Topic}\" via {host}:{port}"))
            : (false, $"the broker refused the publish: {result.ReasonCode}");
    }

    private void Record(int step, (bool Ok, string Detail) result)
    {
        _status[step] = result.Ok ? Done : Failed;
        _at[step] = _modem.Options.TimeProvider.GetUtcNow();
        _detail[step] = result.Detail;
    }

    private void SetOverall(string status, string text)
    {
        lock (_gate)
        {
            _overall = status;
        }

        _modem.Events.Publish(new ModemEvent { Type = EventTypes.Scenario, Name = Name, Value = status, Text = text });
        _log.LogInformation("{Text}", text);
    }

    private void Publish(int step, string status, string text) =>
        _modem.Events.Publish(new ModemEvent { Type = EventTypes.Scenario, Name = Label(step), Value = status, Text = text });

    private string Label(int step) => _steps[step].Name ?? string.Create(CultureInfo.InvariantCulture, $"step {step + 1}");

    private static string Seconds(double seconds) => seconds.ToString(CultureInfo.InvariantCulture);

    /// <summary>The line is <paramref name="command"/> itself, or it followed by '=' or '?'.</summary>
    private static bool IsCommand(ReadOnlySpan<byte> line, string command)
    {
        if (line.Length < command.Length)
        {
            return false;
        }

        for (int i = 0; i < command.Length; i++)
        {
            if (line[i] != command[i])
            {
                return false;
            }
        }

        return line.Length == command.Length || line[command.Length] is (byte)'=' or (byte)'?';
    }
}
