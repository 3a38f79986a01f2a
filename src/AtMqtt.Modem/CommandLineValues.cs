using System.CommandLine;
using System.CommandLine.Parsing;
using System.Globalization;
using Microsoft.Extensions.Logging;

namespace AtMqtt.Cli;

/// <summary>
/// The command line's options with parsers of their own: a bad value is a usage error (exit code 2)
/// found before anything starts, and its message names the option and what it takes, never a .NET type
/// (System.CommandLine's own messages say <c>System.Nullable`1[System.Int32]</c>).
/// </summary>
internal static class CommandLineValues
{
    /// <summary>The exit code of every usage error, as most Unix tools have it.</summary>
    public const int UsageExitCode = 2;

    /// <summary>A flag: it takes no value (see <see cref="Messages"/> for one given a value).</summary>
    public static Option<bool> Flag(string name, string description) => new(name)
    {
        Description = description,
        Arity = ArgumentArity.Zero,
    };

    /// <summary>
    /// The parse errors as the program prints them: System.CommandLine's, except that a word no option
    /// took says which option it followed (<c>--monitor yes</c>: "--monitor takes no value").
    /// </summary>
    public static IEnumerable<string> Messages(ParseResult parse, IReadOnlyList<string> args)
    {
        var unmatched = parse.UnmatchedTokens;
        var flags = parse.RootCommandResult.Command.Options.Where(o => o.Arity.MaximumNumberOfValues == 0).Select(o => o.Name).ToHashSet(StringComparer.Ordinal);
        var messages = new List<string>();
        foreach (string token in unmatched)
        {
            string? before = Before(args, token);
            messages.Add(
                token.StartsWith('-') ? $"{token} is not an option."
                : before is not null && flags.Contains(before) ? $"{before} takes no value; '{token}' is not an option."
                : $"'{token}' is not an option, nor the value of one.");
        }

        foreach (var error in parse.Errors)
        {
            // The unmatched words' own errors are said better above.
            if (!unmatched.Any(token => error.Message.Contains($"'{token}'", StringComparison.Ordinal)))
            {
                messages.Add(error.Message);
            }
        }

        return messages.Distinct();
    }

    /// <summary>A whole number from <paramref name="min"/> to <paramref name="max"/>.</summary>
    public static Option<int> Int(string name, string helpName, string description, int defaultValue, int min, int max) => new(name)
    {
        Description = description,
        HelpName = helpName,
        DefaultValueFactory = _ => defaultValue,
        CustomParser = r => (int)(Number(r, name, min, max) ?? defaultValue),
    };

    /// <summary>A whole number from <paramref name="min"/> to <paramref name="max"/>; null when the option is not given.</summary>
    public static Option<int?> OptionalInt(string name, string helpName, string description, int min, int max) => new(name)
    {
        Description = description,
        HelpName = helpName,
        CustomParser = r => (int?)Number(r, name, min, max),
    };

    public static Option<long> Long(string name, string helpName, string description, long defaultValue, long min, long max) => new(name)
    {
        Description = description,
        HelpName = helpName,
        DefaultValueFactory = _ => defaultValue,
        CustomParser = r => Number(r, name, min, max) ?? defaultValue,
    };

    /// <summary>An option whose value may be left out: <c>--embedded-broker</c> alone means port <paramref name="whenBare"/>.</summary>
    public static Option<int?> OptionalValueInt(string name, string helpName, string description, int whenBare, int min, int max) => new(name)
    {
        Description = description,
        HelpName = helpName,
        Arity = ArgumentArity.ZeroOrOne,
        CustomParser = r => r.Tokens.Count == 0 ? whenBare : (int?)Number(r, name, min, max),
    };

    /// <summary>One of <paramref name="choices"/> (exactly as written).</summary>
    public static Option<string> Choice(string name, string description, string defaultValue, params string[] choices) => new(name)
    {
        Description = description,
        HelpName = string.Join('|', choices),
        DefaultValueFactory = _ => defaultValue,
        CustomParser = r =>
        {
            string? text = Single(r, name);
            if (text is null || choices.Contains(text, StringComparer.Ordinal))
            {
                return text ?? defaultValue;
            }

            r.AddError($"{name}: '{text}' is not one of {string.Join(", ", choices)}.");
            return defaultValue;
        },
    };

    /// <summary>A log level by name, any case.</summary>
    public static Option<LogLevel> Level(string name, string description, LogLevel defaultValue)
    {
        LogLevel[] levels = [LogLevel.Trace, LogLevel.Debug, LogLevel.Information, LogLevel.Warning, LogLevel.Error, LogLevel.Critical, LogLevel.None];
        string[] names = [.. levels.Select(Name)];
        return new(name)
        {
            Description = description,
            HelpName = string.Join('|', names),
            DefaultValueFactory = _ => defaultValue,
            CustomParser = r =>
            {
                string? text = Single(r, name);
                int i = text is null ? -1 : Array.FindIndex(names, n => n.Equals(text, StringComparison.OrdinalIgnoreCase));
                if (i >= 0)
                {
                    return levels[i];
                }

                if (text is not null)
                {
                    r.AddError($"{name}: '{text}' is not one of {string.Join(", ", names)}.");
                }

                return defaultValue;
            },
        };
    }

    /// <summary>Free text that may not be empty.</summary>
    public static Option<string?> Text(string name, string helpName, string description) => new(name)
    {
        Description = description,
        HelpName = helpName,
        CustomParser = r =>
        {
            string? text = Single(r, name);
            if (text is { Length: 0 })
            {
                r.AddError($"{name}: the value is empty.");
            }

            return text;
        },
    };

    /// <summary>Free text, repeatable (<c>--quirk a --quirk b</c>); none may be empty.</summary>
    public static Option<string[]> Many(string name, string helpName, string description) => new(name)
    {
        Description = description,
        HelpName = helpName,
        Arity = ArgumentArity.OneOrMore,
        AllowMultipleArgumentsPerToken = false,
        DefaultValueFactory = _ => [],
        CustomParser = r =>
        {
            string[] values = [.. r.Tokens.Select(t => t.Value)];
            if (values.Any(v => v.Length == 0))
            {
                r.AddError($"{name}: a value is empty.");
            }

            return values;
        },
    };

    /// <summary>A file that must exist when the program starts.</summary>
    public static Option<FileInfo?> ExistingFile(string name, string description) => new(name)
    {
        Description = description,
        HelpName = "FILE",
        CustomParser = r =>
        {
            string? text = Single(r, name);
            if (text is null)
            {
                return null;
            }

            if (text.Length == 0)
            {
                r.AddError($"{name}: the file name is empty.");
                return null;
            }

            if (Directory.Exists(text))
            {
                r.AddError($"{name}: {text} is a folder, not a file.");
                return null;
            }

            if (!File.Exists(text))
            {
                r.AddError($"{name}: {text} does not exist.");
                return null;
            }

            return new FileInfo(text);
        },
    };

    /// <summary>The option written just before <paramref name="token"/> (<c>--flag token</c> or <c>--flag=token</c>), if any.</summary>
    private static string? Before(IReadOnlyList<string> args, string token)
    {
        for (int i = 0; i < args.Count; i++)
        {
            if (args[i] == token)
            {
                return i > 0 ? args[i - 1] : null;
            }

            if (args[i].EndsWith("=" + token, StringComparison.Ordinal))
            {
                return args[i][..^(token.Length + 1)];
            }
        }

        return null;
    }

    private static long? Number(ArgumentResult r, string name, long min, long max)
    {
        string? text = Single(r, name);
        if (text is null)
        {
            return null;
        }

        if (long.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out long value) && value >= min && value <= max)
        {
            return value;
        }

        r.AddError($"{name}: '{text}' is not a whole number from {min.ToString(CultureInfo.InvariantCulture)} to {max.ToString(CultureInfo.InvariantCulture)}.");
        return null;
    }

    private static string? Single(ArgumentResult r, string name)
    {
        if (r.Tokens.Count == 0)
        {
            r.AddError($"{name} needs a value.");
            return null;
        }

        return r.Tokens[^1].Value;
    }

    private static string Name(LogLevel level) => level switch
    {
        LogLevel.Trace => "Trace",
        LogLevel.Debug => "Debug",
        LogLevel.Information => "Information",
        LogLevel.Warning => "Warning",
        LogLevel.Error => "Error",
        LogLevel.Critical => "Critical",
        _ => "None",
    };
}
