using System.Text;
using System.Text.RegularExpressions;

namespace AtMqtt.Core.Tests.Support;

/// <summary>Small helpers to write long transcript lines readably.</summary>
public static partial class Text
{
    /// <summary>
    /// Expands <c>{xN}</c> to N copies of the character x, so that table rows can say
    /// <c>"{a129}"</c> for a 129-byte value.
    /// </summary>
    public static string Expand(string template) =>
        RepeatPattern().Replace(template, m => string.Concat(Enumerable.Repeat(m.Groups[1].Value, int.Parse(m.Groups[2].Value, System.Globalization.CultureInfo.InvariantCulture))));

    /// <summary>The ERROR response with its ERR CODE line (AT+SYSLOG=1).</summary>
    public static string Error(string code) => $"ERR CODE:{code}\r\n\r\nERROR\r\n";

    public static byte[] Utf8(string text) => Encoding.UTF8.GetBytes(text);

    public static byte[] Concat(params byte[][] parts) => [.. parts.SelectMany(p => p)];

    public static string Unique(string prefix) => prefix + "/" + Guid.NewGuid().ToString("N")[..12];

    [GeneratedRegex(@"\{(.)(\d+)\}")]
    private static partial Regex RepeatPattern();
}
