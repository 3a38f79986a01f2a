using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace AtMqtt.Core.Instrument;

/// <summary>A scenario file that cannot run: the message names the step and the field.</summary>
public sealed class ScenarioException(string message) : Exception(message);

/// <summary>Reads and checks a scenario (JSON, docs/scenarios.md): everything a step needs is checked before anything runs.</summary>
public static partial class ScenarioLoader
{
    /// <summary>The link phases a <c>phase</c> trigger may wait for.</summary>
    public static readonly IReadOnlyList<string> Phases = ["idle", "connecting", "connected", "reconnecting", "failed", "dropped"];

    public static Scenario Load(string path)
    {
        string json;
        try
        {
            json = File.ReadAllText(path);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new ScenarioException($"{path}: cannot read it: {ex.Message}");
        }

        return Parse(json, path);
    }

    /// <summary>Parses and checks <paramref name="json"/>; <paramref name="source"/> names it in messages.</summary>
    public static Scenario Parse(string json, string source = "scenario")
    {
        Scenario? scenario;
        try
        {
            scenario = JsonSerializer.Deserialize(json, ScenarioJson.Default.Scenario);
        }
        catch (JsonException ex)
        {
            throw new ScenarioException($"{source}: {Where(ex.Path)}{Reason(ex)} (line {ex.LineNumber + 1}).");
        }

        if (scenario is null)
        {
            throw new ScenarioException($"{source}: the file holds null, not a scenario object.");
        }

        Check(scenario, source);
        return scenario;
    }

    /// <summary>What a step does, in a few words (progress and events).</summary>
    public static string Describe(ScenarioStep step)
    {
        string trigger = step.After is { } after ? string.Create(CultureInfo.InvariantCulture, $"after {after} s")
            : step.Command is { } command ? string.Create(CultureInfo.InvariantCulture, $"at {command} #{step.Count ?? 1}")
            : step.Urc is { } urc ? $"at URC \"{urc}\""
            : step.Phase is { } phase ? $"when the link is {phase}"
            : "at once";
        string action = step.Start is { } spec ? $"start {FaultValidation.Describe(spec)}{(step.As is null ? "" : $" as \"{step.As}\"")}"
            : step.End is "*" ? "end every fault"
            : step.End is { } end ? $"end \"{end}\""
            : step.Reset == true ? "reset pin"
            : step.Publish is { } p ? string.Create(CultureInfo.InvariantCulture, $"publish to \"{p.Topic}\" (QoS {p.Qos ?? 0}{(p.Retain == true ? ", retained" : "")})")
            : "nothing";
        return $"{trigger}: {action}";
    }

    private static void Check(Scenario scenario, string source)
    {
        if (string.IsNullOrWhiteSpace(scenario.Name))
        {
            throw new ScenarioException($"{source}: field \"name\": the scenario needs a name.");
        }

        if (scenario.Timeout is { } timeout && !(timeout > 0 && timeout <= 86_400))
        {
            throw new ScenarioException($"{source}: field \"timeout\": {Num(timeout)} is not a number of seconds from 0 (exclusive) to 86400.");
        }

        if (scenario.Broker is { } broker)
        {
            if (string.IsNullOrWhiteSpace(broker.Host))
            {
                throw new ScenarioException($"{source}: field \"broker.host\": missing or empty.");
            }

            if (broker.Port is not (>= 1 and <= 65535))
            {
                throw new ScenarioException($"{source}: field \"broker.port\": missing or not from 1 to 65535.");
            }
        }

        if (scenario.Steps is not { Count: > 0 } steps)
        {
            throw new ScenarioException($"{source}: field \"steps\": the scenario needs at least one step.");
        }

        var names = new HashSet<string>(StringComparer.Ordinal);
        for (int i = 0; i < steps.Count; i++)
        {
            var step = steps[i] ?? throw new ScenarioException($"{source}: step {i + 1}: null is not a step.");
            string at = $"{source}: step {i + 1}{(step.Name is null ? "" : $" (\"{step.Name}\")")}";
            CheckStep(step, at, names);
        }
    }

    private static void CheckStep(ScenarioStep step, string at, HashSet<string> names)
    {
        int triggers = (step.After is null ? 0 : 1) + (step.Command is null ? 0 : 1) + (step.Urc is null ? 0 : 1) + (step.Phase is null ? 0 : 1);
        if (triggers > 1)
        {
            throw new ScenarioException($"{at}: give at most one trigger (after, command, urc or phase).");
        }

        if (step.After is { } after && !(after >= 0 && after <= 86_400))
        {
            throw new ScenarioException($"{at}: field \"after\": {Num(after)} is not a number of seconds from 0 to 86400.");
        }

        if (step.Command is { } command && !CommandName().IsMatch(command))
        {
            throw new ScenarioException($"{at}: field \"command\": \"{command}\" is not a command name as the host writes it (AT, ATE0, AT+MQTTPUB...).");
        }

        if (step.Count is { } count && (step.Command is null || count < 1))
        {
            throw new ScenarioException(step.Command is null ? $"{at}: field \"count\": only with \"command\"." : $"{at}: field \"count\": {count} is not 1 or more.");
        }

        if (step.Urc is { Length: 0 })
        {
            throw new ScenarioException($"{at}: field \"urc\": empty (give the start of the line, e.g. \"+MQTTSUBRECV:\").");
        }

        if (step.Phase is { } phase && !Phases.Contains(phase))
        {
            throw new ScenarioException($"{at}: field \"phase\": \"{phase}\" is not one of {string.Join(", ", Phases)}.");
        }

        int actions = (step.Start is null ? 0 : 1) + (step.End is null ? 0 : 1) + (step.Reset is null ? 0 : 1) + (step.Publish is null ? 0 : 1);
        if (actions != 1)
        {
            throw new ScenarioException($"{at}: give exactly one action (start, end, reset or publish); it has {actions}.");
        }

        if (step.Start is { } spec)
        {
            try
            {
                FaultValidation.Validate(spec);
            }
            catch (FaultSpecException ex)
            {
                throw new ScenarioException($"{at}: field \"start\": {ex.Message}");
            }

            if (step.As is { } name && (name.Length == 0 || name == "*" || !names.Add(name)))
            {
                throw new ScenarioException($"{at}: field \"as\": \"{name}\" is empty, \"*\" or already the name of an earlier fault.");
            }
        }
        else if (step.As is not null)
        {
            throw new ScenarioException($"{at}: field \"as\": only with \"start\".");
        }

        if (step.End is { } end && end != "*" && !names.Contains(end))
        {
            throw new ScenarioException($"{at}: field \"end\": no earlier step starts a fault \"as\": \"{end}\" (\"*\" ends every fault).");
        }

        if (step.Reset == false)
        {
            throw new ScenarioException($"{at}: field \"reset\": only true (leave the field out otherwise).");
        }

        if (step.Publish is { } publish)
        {
            if (string.IsNullOrEmpty(publish.Topic) || publish.Topic.Contains('+', StringComparison.Ordinal) || publish.Topic.Contains('#', StringComparison.Ordinal))
            {
                throw new ScenarioException($"{at}: field \"publish.topic\": missing, empty or with a wildcard.");
            }

            if (publish.Payload is null)
            {
                throw new ScenarioException($"{at}: field \"publish.payload\": missing (\"\" for an empty message).");
            }

            if (publish.Qos is { } qos && qos is < 0 or > 2)
            {
                throw new ScenarioException($"{at}: field \"publish.qos\": {qos} is not 0, 1 or 2.");
            }
        }
    }

    /// <summary>"step 2, field after: " from <c>$.steps[1].after</c>.</summary>
    private static string Where(string? path)
    {
        if (string.IsNullOrEmpty(path) || path == "$")
        {
            return "";
        }

        var step = StepPath().Match(path);
        if (step.Success)
        {
            int index = int.Parse(step.Groups[1].Value, CultureInfo.InvariantCulture) + 1;
            string field = step.Groups[2].Value.TrimStart('.');
            return field.Length == 0 ? $"step {index}: " : $"step {index}: field \"{field}\": ";
        }

        return $"field \"{path.TrimStart('$', '.')}\": ";
    }

    private static string Reason(JsonException ex)
    {
        // System.Text.Json's messages name .NET types; say what the file got wrong instead.
        string message = ex.Message;
        if (message.Contains("could not be mapped", StringComparison.Ordinal))
        {
            return "unknown field";
        }

        if (message.Contains("could not be converted", StringComparison.Ordinal))
        {
            return "wrong type of value (a number, text, true/false or an object is expected there)";
        }

        return "not valid JSON";
    }

    private static string Num(double value) => value.ToString(CultureInfo.InvariantCulture);

    [GeneratedRegex(@"^AT([+][A-Z0-9_]+|[A-Z][0-9]?)?$")]
    private static partial Regex CommandName();

    [GeneratedRegex(@"^\$\.steps\[(\d+)\](.*)$")]
    private static partial Regex StepPath();
}
