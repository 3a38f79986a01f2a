using System.Globalization;

namespace AtMqtt.Cli.Fleets;

/// <summary>
/// Which modems of a fleet a control request means: a list of indexes and ranges (<c>"0-99"</c>,
/// <c>"3,7,10-19"</c>, <c>"*"</c> for all), or a fraction of the fleet picked by a seed, the same modems
/// for the same seed, fraction and fleet size (docs/control.md).
/// </summary>
internal static class ModemSet
{
    /// <summary>The longest set text taken: a list longer than this is better sent as ranges.</summary>
    public const int MaxText = 8192;

    /// <summary>The indexes <paramref name="text"/> names, sorted, each once; null with the reason in <paramref name="error"/>.</summary>
    public static int[]? Parse(string text, int count, out string? error)
    {
        error = null;
        if (text.Length > MaxText)
        {
            error = $"modems: the set is {text.Length} characters long, over {MaxText}; write runs of modems as ranges (0-99)";
            return null;
        }

        if (text.Trim() == "*")
        {
            return [.. Enumerable.Range(0, count)];
        }

        var chosen = new SortedSet<int>();
        foreach (string raw in text.Split(','))
        {
            string item = raw.Trim();
            int dash = item.IndexOf('-', 1 < item.Length ? 1 : 0);
            string first = dash > 0 ? item[..dash].Trim() : item;
            string last = dash > 0 ? item[(dash + 1)..].Trim() : item;
            if (!TryIndex(first, out int from) || !TryIndex(last, out int to))
            {
                error = $"modems: '{Shorten(item)}' is not a modem's index or a range of them; write indexes from 0 and ranges as 0-99, separated by commas, or * for all";
                return null;
            }

            if (to < from)
            {
                error = $"modems: the range {from}-{to} runs backwards; write {to}-{from}";
                return null;
            }

            if (to >= count)
            {
                error = $"modems: {to} is not a modem of this fleet, which has {(count == 1 ? "modem 0 only" : $"modems 0 to {count - 1}")}";
                return null;
            }

            for (int i = from; i <= to; i++)
            {
                chosen.Add(i);
            }
        }

        return [.. chosen];
    }

    /// <summary>
    /// round(<paramref name="fraction"/> × <paramref name="count"/>) modems picked by <paramref name="seed"/>
    /// (a partial Fisher-Yates shuffle driven by .NET's seeded <see cref="Random"/>, whose sequence for a seed
    /// is fixed), sorted; null with the reason in <paramref name="error"/>.
    /// </summary>
    public static int[]? Pick(double fraction, int seed, int count, out string? error)
    {
        error = null;
        if (double.IsNaN(fraction) || fraction <= 0 || fraction > 1)
        {
            error = string.Create(CultureInfo.InvariantCulture, $"fraction: {fraction} is outside (0, 1]; 0.1 is a tenth of the fleet");
            return null;
        }

        int picked = (int)Math.Round(fraction * count, MidpointRounding.AwayFromZero);
        if (picked == 0)
        {
            error = string.Create(CultureInfo.InvariantCulture, $"fraction: {fraction} of {count} modems is none; ask for at least {1.0 / count:0.####}");
            return null;
        }

        var indexes = Enumerable.Range(0, count).ToArray();
        var random = new Random(seed);
        for (int i = 0; i < picked; i++)
        {
            int j = random.Next(i, count);
            (indexes[i], indexes[j]) = (indexes[j], indexes[i]);
        }

        var chosen = indexes[..picked];
        Array.Sort(chosen);
        return chosen;
    }

    private static bool TryIndex(string text, out int index) =>
        int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out index);

    private static string Shorten(string value) => value.Length <= 40 ? value : value[..40] + "...";
}
