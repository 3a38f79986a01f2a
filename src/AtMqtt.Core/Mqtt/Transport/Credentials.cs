using System.Globalization;
using System.Security.Cryptography.X509Certificates;

namespace AtMqtt.Core.Mqtt.Transport;

/// <summary>A TLS-PSK identity and key, provisioned like a module's factory data (<c>--psk</c>, <c>--psk-file</c>).</summary>
public sealed class PskKey
{
    public PskKey(string identity, byte[] key)
    {
        if (identity.Length == 0 || key.Length == 0)
        {
            throw new FormatException("A PSK needs an identity and a non-empty key.");
        }

        Identity = identity;
        Key = key;
    }

    public string Identity { get; }

    public byte[] Key { get; }

    /// <summary>Parses mosquitto's <c>identity:hexkey</c> form.</summary>
    public static PskKey Parse(string text)
    {
        int colon = text.IndexOf(':');
        if (colon <= 0 || colon == text.Length - 1)
        {
            throw new FormatException("expected IDENTITY:HEXKEY");
        }

        string hex = text[(colon + 1)..].Trim();
        if (hex.Length % 2 == 1)
        {
            hex = "0" + hex; // mosquitto accepts odd-length keys
        }

        byte[] key;
        try
        {
            key = Convert.FromHexString(hex);
        }
        catch (FormatException)
        {
            throw new FormatException("the key is not hexadecimal");
        }

        return new PskKey(text[..colon], key);
    }

    /// <summary>Reads the first <c>identity:hexkey</c> line of a mosquitto psk_file (comments and blank lines skipped).</summary>
    public static PskKey FromFile(string path) => Parse(FileLine(path));

    /// <summary>The first line of a mosquitto psk_file that is neither blank nor a <c>#</c> comment, trimmed.</summary>
    public static string FileLine(string path)
    {
        foreach (string raw in File.ReadLines(path))
        {
            string line = raw.Trim();
            if (line.Length > 0 && line[0] != '#')
            {
                return line;
            }
        }

        throw new FormatException($"{path} holds no identity:hexkey line");
    }

    /// <summary>Never the key.</summary>
    public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"identity {Identity}, key *** ({Key.Length} bytes)");
}

/// <summary>What the TLS schemes authenticate with; none of it ever reaches a log.</summary>
public sealed class TlsCredentials
{
    public static readonly TlsCredentials None = new();

    public PskKey? Psk { get; init; }

    /// <summary><c>--ca FILE</c>: trust anchors for the schemes that verify the server; null uses the system store.</summary>
    public X509Certificate2Collection? TrustedCa { get; init; }

    /// <summary><c>--client-cert</c> and <c>--client-key</c>.</summary>
    public X509Certificate2? ClientCertificate { get; init; }

    /// <summary>Where <see cref="TrustedCa"/> came from, for messages (<c>--ca</c>, or the flash entry).</summary>
    public string CaOrigin { get; init; } = "--ca";

    /// <summary>Where <see cref="ClientCertificate"/> came from, for messages.</summary>
    public string ClientOrigin { get; init; } = "--client-cert";

    /// <summary>Loads PEM files as the options give them.</summary>
    public static TlsCredentials Load(PskKey? psk, string? caFile, string? clientCertFile, string? clientKeyFile)
    {
        X509Certificate2Collection? ca = null;
        if (caFile is not null)
        {
            ca = [];
            ca.ImportFromPemFile(caFile);
            if (ca.Count == 0)
            {
                throw new FormatException($"{caFile} holds no PEM certificate");
            }
        }

        X509Certificate2? client = null;
        if (clientCertFile is not null)
        {
            client = X509Certificate2.CreateFromPemFile(clientCertFile, clientKeyFile ?? clientCertFile);
        }

        return new TlsCredentials { Psk = psk, TrustedCa = ca, ClientCertificate = client };
    }
}
