using System.Globalization;
using System.Net;

namespace AtMqtt.Bench.Harness;

/// <summary>The options every verb understands.</summary>
internal sealed class BenchArgs
{
    /// <summary><c>--broker HOST:PORT</c>: an existing broker (loopback only); otherwise a private mosquitto is started.</summary>
    public IPEndPoint? Broker { get; private init; }

    /// <summary><c>--quick</c>: shorter rounds (a smoke run; the figures are noisier).</summary>
    public bool Quick { get; private init; }

    /// <summary><c>--modem inproc|process</c>: host the modem in this process (default) or run the built atmqtt program.</summary>
    public string ModemMode { get; private init; } = "inproc";

    /// <summary><c>--no-report</c>: measure and update latest.json, but leave docs/performance.md alone.</summary>
    public bool NoReport { get; private init; }

    /// <summary><c>--seconds S</c>: the length of one measuring round where a verb uses rounds.</summary>
    public double? Seconds { get; private init; }

    /// <summary>Options a verb reads itself (<c>--n</c>, <c>--kind</c>...), by name without the dashes.</summary>
    public Dictionary<string, string> Extra { get; } = new(StringComparer.Ordinal);

    public static BenchArgs Parse(string[] args)
    {
        IPEndPoint? broker = null;
        bool quick = false, noReport = false;
        string mode = "inproc";
        double? seconds = null;
        var extra = new Dictionary<string, string>(StringComparer.Ordinal);
        for (int i = 0; i < args.Length; i++)
        {
            string a = args[i];
            string Next() => i + 1 < args.Length ? args[++i] : throw new ArgumentException($"{a} needs a value");
            switch (a)
            {
                case "--broker":
                    string value = Next();
                    if (!IPEndPoint.TryParse(value, out broker) || broker.Port == 0)
                    {
                        throw new ArgumentException($"--broker: '{value}' is not IP:PORT");
                    }

                    if (!IPAddress.IsLoopback(broker.Address))
                    {
                        throw new ArgumentException("--broker: only loopback brokers are measured");
                    }

                    break;
                case "--quick":
                    quick = true;
                    break;
                case "--no-report":
                    noReport = true;
                    break;
                case "--modem":
                    mode = Next();
                    if (mode is not ("inproc" or "process"))
                    {
                        throw new ArgumentException("--modem: inproc or process");
                    }

                    break;
                case "--seconds":
                    seconds = double.Parse(Next(), CultureInfo.InvariantCulture);
                    break;
                default:
                    if (a.StartsWith("--", StringComparison.Ordinal))
                    {
                        extra[a[2..]] = Next();
                        break;
                    }

                    throw new ArgumentException($"unknown argument '{a}'");
            }
        }

        var parsed = new BenchArgs { Broker = broker, Quick = quick, ModemMode = mode, NoReport = noReport, Seconds = seconds };
        foreach (var (k, v) in extra)
        {
            parsed.Extra[k] = v;
        }

        return parsed;
    }

    public int Int(string name, int fallback) =>
        Extra.TryGetValue(name, out var v) ? int.Parse(v, CultureInfo.InvariantCulture) : fallback;

    public string Str(string name, string fallback) => Extra.TryGetValue(name, out var v) ? v : fallback;

    /// <summary>The length of one round: <c>--seconds</c>, else <paramref name="normal"/> (a third of it with --quick).</summary>
    public TimeSpan Round(double normal) => TimeSpan.FromSeconds(Seconds ?? (Quick ? normal / 3 : normal));
}
