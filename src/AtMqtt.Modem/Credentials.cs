using AtMqtt.Core.Mqtt.Transport;

namespace AtMqtt.Cli;

/// <summary>Turns the provisioning options into <see cref="TlsCredentials"/>, with errors that name the option.</summary>
internal static class Credentials
{
    public static TlsCredentials Load(string? psk, FileInfo? pskFile, FileInfo? ca, FileInfo? clientCert, FileInfo? clientKey)
    {
        if (psk is not null && pskFile is not null)
        {
            throw new FormatException("--psk and --psk-file: give one of them.");
        }

        if (clientKey is not null && clientCert is null)
        {
            throw new FormatException("--client-key needs --client-cert.");
        }

        PskKey? key = null;
        try
        {
            key = psk is not null ? PskKey.Parse(psk) : pskFile is not null ? PskKey.FromFile(pskFile.FullName) : null;
        }
        catch (FormatException ex)
        {
            throw new FormatException($"{(psk is not null ? "--psk" : "--psk-file")}: {ex.Message}.");
        }

        try
        {
            return TlsCredentials.Load(key, ca?.FullName, clientCert?.FullName, clientKey?.FullName);
        }
        catch (Exception ex) when (ex is FormatException or IOException or System.Security.Cryptography.CryptographicException)
        {
            throw new FormatException($"--ca/--client-cert/--client-key: {ex.Message}");
        }
    }
}
