using System.CommandLine;
using System.Globalization;
using AtMqtt.Core.Instrument;

namespace AtMqtt.Cli;

/// <summary>
/// <c>--strict</c> and <c>--strict=fail</c> in the program: the option, the summary of the host
/// checks' findings written to stderr at exit, and the exit status of <c>=fail</c>.
/// </summary>
internal static class Strict
{
    /// <summary>The exit status of <c>--strict=fail</c> when the host made a mistake (2 is a usage error).</summary>
    public const int FindingsExitCode = 3;

    /// <summary>Findings the summary shows one by one.</summary>
    public const int SummaryFirst = 5;

    public enum Mode
    {
        /// <summary>The default (first, so that an absent option reads as it).</summary>
        Off,
        Report,
        Fail,
    }

    /// <summary><c>--strict</c> (report) or <c>--strict=fail</c>; any other value is a usage error.</summary>
    public static Option<Mode> Option() => new("--strict")
    {
        Description = "Report the host's mistakes (data before '>', a command while busy or before ready, an unescaped quote or comma, a line over 256 bytes, ...) as log warnings and a summary on stderr at exit; --strict=fail also makes the exit status 3 when there was any. The modem answers the host exactly as without it.",
        HelpName = "fail",
        Arity = ArgumentArity.ZeroOrOne,
        CustomParser = r =>
        {
            if (r.Tokens.Count == 0)
            {
                return Mode.Report;
            }

            string text = r.Tokens[^1].Value;
            if (text == "fail")
            {
                return Mode.Fail;
            }

            r.AddError($"--strict: '{text}' is not 'fail' (--strict reports the host's mistakes, --strict=fail also fails the exit status).");
            return Mode.Off;
        },
    };

    /// <summary>
    /// Writes the summary (a count per code, then the first few findings) and returns the exit status
    /// the findings ask for: <see cref="FindingsExitCode"/> under <c>=fail</c> when there was any, else null.
    /// </summary>
    public static int? Finish(HostChecks checks, Mode mode, TextWriter stderr)
    {
        if (mode == Mode.Off)
        {
            return null;
        }

        stderr.Write(Summary(checks));
        stderr.Flush();
        return mode == Mode.Fail && checks.Count > 0 ? FindingsExitCode : null;
    }

    public static string Summary(HostChecks checks)
    {
        var text = new System.Text.StringBuilder();
        long count = checks.Count;
        if (count == 0)
        {
            text.Append("Host checks (--strict): no findings.\n");
            return text.ToString();
        }

        text.Append(CultureInfo.InvariantCulture, $"Host checks (--strict): {count} finding{(count == 1 ? "" : "s")}.\n");
        foreach (var (code, n) in checks.CountByCode)
        {
            text.Append(CultureInfo.InvariantCulture, $"  {code}: {n}\n");
        }

        var kept = checks.Findings;
        text.Append(CultureInfo.InvariantCulture, $"First {Math.Min(SummaryFirst, kept.Count)}:\n");
        foreach (var finding in kept.Take(SummaryFirst))
        {
            text.Append(CultureInfo.InvariantCulture, $"  {finding.Time.UtcDateTime:HH:mm:ss.fff} {finding.Code}: {finding.Message}");
            if (finding.Line is not null)
            {
                text.Append(CultureInfo.InvariantCulture, $" Line: {finding.Line}");
            }

            text.Append('\n');
        }

        return text.ToString();
    }
}
