using AtMqtt.Core.Parsing;

namespace AtMqtt.Core.Commands;

/// <summary>
/// Runs one command. Sync handlers write their whole response into <see cref="Modem.Response"/> and
/// return a completed task; blocking ones (CONN, PUB, SUB...) return a task that finishes it.
/// </summary>
public delegate ValueTask CommandHandler(Modem modem, ref ArgReader args);

/// <summary>One command name and the handlers of the types it supports.</summary>
public sealed class Command
{
    public Command(string name, CommandHandler? execute = null, CommandHandler? query = null, CommandHandler? set = null, CommandHandler? test = null, bool blocking = false)
    {
        Name = name;
        NameBytes = System.Text.Encoding.ASCII.GetBytes(name.StartsWith("AT", StringComparison.Ordinal) ? name[2..] : name);
        Execute = execute;
        Query = query;
        Set = set;
        Test = test;
        Blocking = blocking;
    }

    /// <summary>As the host types it: <c>AT+MQTTPUB</c>, <c>ATE0</c>, <c>AT</c>.</summary>
    public string Name { get; }

    /// <summary>The name after "AT", matched against the line.</summary>
    public byte[] NameBytes { get; }

    public CommandHandler? Execute { get; }
    public CommandHandler? Query { get; }
    public CommandHandler? Set { get; }
    public CommandHandler? Test { get; }

    /// <summary>May wait on the network: its echo is written before it runs, so the host sees it at once.</summary>
    public bool Blocking { get; }

    public CommandHandler? For(CommandKind kind) => kind switch
    {
        CommandKind.Execute => Execute,
        CommandKind.Query => Query,
        CommandKind.Set => Set,
        _ => Test,
    };
}
