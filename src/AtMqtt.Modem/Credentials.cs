using AtMqtt.Core.Mqtt.Transport;

namespace AtMqtt.Cli;

/// <summary>
/// Turns the provisioning options into <see cref="TlsCredentials"/> and the simulated access point,
/// with errors that name the option (or variable) and never repeat the secret.
/// </summary>
/// <remarks>
/// Each secret has three sources, in this order: its option (<c>--psk</c>, <c>--wifi</c>), its file
/// option (<c>--psk-file</c>, <c>--wifi-file</c>), its environment variable (<see cref="PskVariable"/>,
/// <see cref="WifiVariable"/>). Both options at once is an error; either one wins over the variable.
/// The file and the variable keep the secret out of /proc/PID/cmdline, which every user can read.
/// </remarks>
internal static class Credentials
{
    /// <summary>IDENTITY:HEXKEY, as <c>--psk</c>.</summary>
    public const string PskVariable = "ATMQTT_PSK";

    /// <summary>SSID:PASSWORD, as <c>--wifi</c>.</summary>
    public const string WifiVariable = "ATMQTT_WIFI";

    /// <param name="pskVariable">The value of <see cref="PskVariable"/>; empty counts as unset.</param>
    /// <param name="pskText">The key as written where it came from (for the transcript's redaction); null without a PSK.</param>
    public static TlsCredentials Load(
        string? psk, FileInfo? pskFile, string? pskVariable, FileInfo? ca, FileInfo? clientCert, FileInfo? clientKey, out string? pskText)
    {
        pskText = null;
        if (clientKey is not null && clientCert is null)
        {
            throw new FormatException("--client-key needs --client-cert.");
        }

        PskKey? key = null;
        if (Pick(psk, "--psk", pskFile, "--psk-file", static f => PskKey.FileLine(f.FullName), pskVariable, PskVariable) is (string source, string text))
        {
            try
            {
                key = PskKey.Parse(text);
            }
            catch (FormatException ex)
            {
                throw new FormatException($"{source}: {ex.Message}.");
            }

            pskText = text[(text.IndexOf(':') + 1)..].Trim();
        }

        try
        {
            return TlsCredentials.Load(key, ca?.FullName, clientCert?.FullName, clientKey?.FullName);
        }
        catch (Exception ex) when (ex is FormatException or IOException or UnauthorizedAccessException or System.Security.Cryptography.CryptographicException)
        {
            throw new FormatException($"--ca/--client-cert/--client-key: {ex.Message}");
        }
    }

    /// <summary>The access point AT+CWJAP accepts, as SSID and password; null: any.</summary>
    /// <param name="wifiVariable">The value of <see cref="WifiVariable"/>; empty counts as unset.</param>
    public static (string Ssid, string Password)? LoadWifi(string? wifi, FileInfo? wifiFile, string? wifiVariable)
    {
        if (Pick(wifi, "--wifi", wifiFile, "--wifi-file", static f => File.ReadLines(f.FullName).FirstOrDefault() ?? "", wifiVariable, WifiVariable) is not (string source, string text))
        {
            return null;
        }

        int colon = text.IndexOf(':');
        if (colon <= 0)
        {
            throw new FormatException(source == "--wifi-file"
                ? $"--wifi-file: expected SSID:PASSWORD on the first line of {wifiFile!.FullName}."
                : $"{source}: expected SSID:PASSWORD.");
        }

        return (text[..colon], text[(colon + 1)..]);
    }

    /// <summary>Where a secret comes from (the option or variable's name) and its text; null when none is given.</summary>
    private static (string Source, string Text)? Pick(
        string? value, string option, FileInfo? file, string fileOption, Func<FileInfo, string> read, string? variable, string variableName)
    {
        if (value is not null && file is not null)
        {
            throw new FormatException($"{option} and {fileOption}: give one of them.");
        }

        if (value is not null)
        {
            return (option, value);
        }

        if (file is not null)
        {
            try
            {
                return (fileOption, read(file));
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or FormatException)
            {
                throw new FormatException($"{fileOption}: {ex.Message.TrimEnd('.')}.");
            }
        }

        return string.IsNullOrEmpty(variable) ? null : (variableName, variable);
    }
}
