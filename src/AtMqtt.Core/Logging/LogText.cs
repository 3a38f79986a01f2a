using System.Text;

namespace AtMqtt.Core.Logging;

/// <summary>Values as words in a log line, so that it reads as a sentence.</summary>
public static class LogText
{
    /// <summary>An enum value as lower-case words: <c>NormalDisconnection</c> is "normal disconnection".</summary>
    public static string Words<T>(T value)
        where T : struct, Enum
    {
        string name = value.ToString();
        var words = new StringBuilder(name.Length + 8);
        for (int i = 0; i < name.Length; i++)
        {
            if (char.IsUpper(name[i]) && i > 0 && char.IsLower(name[i - 1]))
            {
                words.Append(' ');
            }

            words.Append(char.ToLowerInvariant(name[i]));
        }

        return words.ToString();
    }
}
