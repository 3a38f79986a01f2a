namespace AtMqtt.Core.Commands;

/// <summary>
/// The commands one firmware profile knows, listed in code (no reflection: fast to build and
/// trimmable). Immutable, so one table serves every modem of that profile in the process.
/// </summary>
public sealed class CommandTable
{
    private readonly Command[] _all;

    public CommandTable(IEnumerable<Command> commands)
    {
        _all = [.. commands];
        var names = new HashSet<string>(StringComparer.Ordinal);
        foreach (var c in _all)
        {
            if (!names.Add(c.Name))
            {
                throw new ArgumentException($"{c.Name} is listed twice", nameof(commands));
            }
        }
    }

    /// <summary>In the order <c>AT+CMD?</c> lists them.</summary>
    public IReadOnlyList<Command> All => _all;

    /// <summary>The command named <paramref name="name"/> as the parser cuts it, without "AT": <c>+MQTTPUB</c>.</summary>
    public Command? Find(ReadOnlySpan<byte> name) => Find(name, out _);

    /// <summary>As <see cref="Find(ReadOnlySpan{byte})"/>, with the command's index in <see cref="All"/> (-1 when none): the modem counts commands by it.</summary>
    public Command? Find(ReadOnlySpan<byte> name, out int index)
    {
        var all = _all;
        for (int i = 0; i < all.Length; i++)
        {
            if (name.SequenceEqual(all[i].NameBytes))
            {
                index = i;
                return all[i];
            }
        }

        index = -1;
        return null;
    }

    /// <summary>The table without the commands <paramref name="drop"/> picks (a quirk that takes commands away).</summary>
    public CommandTable Without(Func<Command, bool> drop) => new(_all.Where(c => !drop(c)));
}
