using System.Globalization;
using System.Text;

namespace AtMqtt.Cli.Transcript;

/// <summary>
/// <c>--transcript FILE</c>: one record a line, <c>HH:mm:ss.ffffff h&gt;m text</c> (UTC), a <c># date</c>
/// line at the start and whenever the date changes, events as <c>--- text</c>. Each record is
/// flushed to the file as it is written, so the file is complete even if the modem is killed.
/// </summary>
internal sealed class TranscriptFile : ITrafficSink
{
    private readonly StreamWriter _writer;
    private DateOnly _date;

    public TranscriptFile(string path, string version)
    {
        var stream = new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.Read);
        _writer = new StreamWriter(stream, new UTF8Encoding(false)) { NewLine = "\n" };
        TranscriptText.WriteHeader(_writer, version);
        _writer.Flush();
    }

    public void Write(in TrafficRecord record)
    {
        TranscriptText.WriteRecord(_writer, ref _date, record);
        _writer.Flush();
    }

    public void Dispose() => _writer.Dispose();
}

/// <summary>The transcript's text format, shared by <c>--transcript</c> and the control API's <c>GET /api/transcript</c>.</summary>
internal static class TranscriptText
{
    public static void WriteHeader(TextWriter writer, string version)
    {
        writer.WriteLine($"# atmqtt {version} transcript. Times are UTC. h>m: host to modem, m>h: modem to host, ---: the channel.");
        writer.WriteLine("# Printable ASCII as is; \\r \\n \\t \\\\ \\* and \\xNN for the rest; *** where a secret was (SPEC 7).");
    }

    /// <summary>One record; a <c># date</c> line first when its date is not <paramref name="date"/> (which then becomes it).</summary>
    public static void WriteRecord(TextWriter writer, ref DateOnly date, in TrafficRecord record)
    {
        var day = DateOnly.FromDateTime(record.Time.UtcDateTime);
        if (day != date)
        {
            date = day;
            writer.WriteLine($"# {day.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture)}");
        }

        writer.Write(record.Time.UtcDateTime.ToString("HH:mm:ss.ffffff", CultureInfo.InvariantCulture));
        writer.Write(record.Direction switch
        {
            Direction.HostToModem => " h>m ",
            Direction.ModemToHost => " m>h ",
            _ => " --- ",
        });
        writer.WriteLine(record.Text);
    }
}

/// <summary>
/// <c>--monitor</c>: the same records, live on stderr, coloured when stderr is a terminal (the host's
/// bytes in green, the modem's in cyan, escapes dimmed, redactions in red). <c>NO_COLOR</c> turns the
/// colours off; so does stderr going to a file or a pipe, where escape codes would only be noise.
/// </summary>
internal sealed class MonitorView(TextWriter output, bool colour) : ITrafficSink
{
    private const string Reset = "\u001b[0m";
    private const string Dim = "\u001b[2m";
    private const string Green = "\u001b[32m";
    private const string Cyan = "\u001b[36m";
    private const string Red = "\u001b[1;31m";
    private const string Yellow = "\u001b[33m";

    public static MonitorView ForStandardError() =>
        new(Console.Error, UsesColour(!Console.IsErrorRedirected, Environment.GetEnvironmentVariable("NO_COLOR")));

    /// <summary>Colours only on a terminal, and only without <c>NO_COLOR</c> (no-color.org: set and not empty).</summary>
    public static bool UsesColour(bool stderrIsTerminal, string? noColor) => stderrIsTerminal && string.IsNullOrEmpty(noColor);

    public void Write(in TrafficRecord record)
    {
        var line = new StringBuilder(record.Text.Length + 48);
        string time = record.Time.UtcDateTime.ToString("HH:mm:ss.ffffff", CultureInfo.InvariantCulture);
        string tag = record.Direction switch
        {
            Direction.HostToModem => "h>m",
            Direction.ModemToHost => "m>h",
            _ => "---",
        };
        if (!colour)
        {
            line.Append(time).Append(' ').Append(tag).Append(' ').Append(record.Text);
            output.WriteLine(line.ToString());
            return;
        }

        string hue = record.Direction switch
        {
            Direction.HostToModem => Green,
            Direction.ModemToHost => Cyan,
            _ => Yellow,
        };
        line.Append(Dim).Append(time).Append(Reset).Append(' ').Append(hue).Append(tag).Append(' ');
        string text = record.Text;
        for (int i = 0; i < text.Length; i++)
        {
            if (text[i] == '*' && string.CompareOrdinal(text, i, TextEscape.RedactedMarker, 0, TextEscape.RedactedMarker.Length) == 0)
            {
                line.Append(Red).Append(TextEscape.RedactedMarker).Append(Reset).Append(hue);
                i += TextEscape.RedactedMarker.Length - 1;
            }
            else if (text[i] == '\\' && i + 1 < text.Length)
            {
                int length = text[i + 1] == 'x' ? 4 : 2;
                line.Append(Dim).Append(text, i, Math.Min(length, text.Length - i)).Append(Reset).Append(hue);
                i += length - 1;
            }
            else
            {
                line.Append(text[i]);
            }
        }

        line.Append(Reset);
        output.WriteLine(line.ToString());
    }

    public void Dispose() => output.Flush();
}
