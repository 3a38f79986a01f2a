using AtMqtt.Bench;

// One verb per measurement; `all` runs the ones meant for the report. Each lives in its own file.
var verbs = new Dictionary<string, (string Help, Func<string[], Task<int>> Run)>(StringComparer.Ordinal)
{
};

if (args.Length == 0 || !verbs.TryGetValue(args[0], out var verb))
{
    Console.Error.WriteLine("usage: dotnet run -c Release --project bench/AtMqtt.Bench -- <verb> [options]");
    foreach (var (name, (help, _)) in verbs)
    {
        Console.Error.WriteLine($"  {name,-10} {help}");
    }

    return args.Length == 0 ? 0 : 2;
}

return await verb.Run(args[1..]);

namespace AtMqtt.Bench
{
    /// <summary>Marker for the verbs' namespace.</summary>
    internal static class BenchInfo
    {
        public const string Name = "AtMqtt.Bench";
    }
}
