using System.Net.Security;
using System.Runtime.CompilerServices;
using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;
using AtMqtt.Core.Parsing;

namespace AtMqtt.Core.Mqtt.Transport;

/// <summary>TLS with certificates (ESP-AT schemes 2..5 and the TLS under 7..10).</summary>
internal static class X509Tls
{
    /// <summary>The handshake options for one connection; <paramref name="failure"/> receives why a certificate was refused.</summary>
    public static SslClientAuthenticationOptions Options(Scheme scheme, string targetHost, TlsSettings tls, TlsCredentials credentials, StrongBox<TransportException?> failure)
    {
        if (scheme.ClientCertificate && credentials.ClientCertificate is null)
        {
            throw new TransportException($"Scheme {scheme.Number} presents a client certificate, but none is configured (write mqtt_cert and mqtt_key over AT, or start with --client-cert, --client-key)", MqttError.TlsConfigError);
        }

        return new SslClientAuthenticationOptions
        {
            // No SNI: an empty name (the server then sees none; the name check is ours, below).
            TargetHost = tls.SendSni ? targetHost : "",
            ApplicationProtocols = tls.Alpn.Count == 0 ? null : [.. tls.Alpn.Select(p => new SslApplicationProtocol(p))],
            ClientCertificates = scheme.ClientCertificate ? [credentials.ClientCertificate!] : null,
            EnabledSslProtocols = tls.Protocols, // None: the system's choice, TLS 1.2 and 1.3
            CertificateRevocationCheckMode = X509RevocationMode.NoCheck,
            RemoteCertificateValidationCallback = (_, certificate, chain, errors) =>
            {
                if (!scheme.VerifyServer)
                {
                    return true;
                }

                if (!tls.SendSni || !tls.CheckHost)
                {
                    // The handshake's own name check used an empty name (no SNI) or is not wanted: decide it here.
                    errors &= ~SslPolicyErrors.RemoteCertificateNameMismatch;
                    if (tls.CheckHost && certificate is X509Certificate2 named && !named.MatchesHostname(targetHost))
                    {
                        errors |= SslPolicyErrors.RemoteCertificateNameMismatch;
                    }
                }

                var refusal = Check(certificate as X509Certificate2, chain, errors, targetHost, credentials.TrustedCa, credentials.CaOrigin);
                failure.Value = refusal;
                return refusal is null;
            },
        };
    }

    public static async Task<Stream> ConnectAsync(Stream network, SslClientAuthenticationOptions options, StrongBox<TransportException?> failure, CancellationToken cancellationToken)
    {
        var ssl = new SslStream(network, leaveInnerStreamOpen: false);
        try
        {
            await ssl.AuthenticateAsClientAsync(options, cancellationToken).ConfigureAwait(false);
            return ssl;
        }
        catch (Exception ex) when (ex is AuthenticationException or IOException)
        {
            await ssl.DisposeAsync().ConfigureAwait(false);
            throw failure.Value ?? new TransportException(
                $"TLS handshake failed: {ex.Message}" + (options.ClientCertificates is null
                    ? " (not a TLS listener, or one that requires a client certificate?)"
                    : " (not a TLS listener, or one that refused the client certificate?)"),
                MqttError.ClientStartFailed,
                ex);
        }
    }

    /// <summary>Null when the server's certificate is acceptable, else why not.</summary>
    internal static TransportException? Check(X509Certificate2? certificate, X509Chain? chain, SslPolicyErrors errors, string targetHost, X509Certificate2Collection? trusted, string caOrigin = "--ca")
    {
        if (certificate is null || errors.HasFlag(SslPolicyErrors.RemoteCertificateNotAvailable))
        {
            return new TransportException("The server presented no certificate", MqttError.TlsConfigError);
        }

        if (errors.HasFlag(SslPolicyErrors.RemoteCertificateNameMismatch))
        {
            return new TransportException($"The server's certificate ({certificate.Subject}) does not name {targetHost} (set AT+MQTTSNI to the name it carries)", MqttError.HostnameVerifyFailed);
        }

        if (trusted is null)
        {
            return errors == SslPolicyErrors.None ? null
                : new TransportException($"The server's certificate is not trusted by the system store: {Describe(chain)}", MqttError.TlsConfigError);
        }

        using var custom = new X509Chain();
        custom.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        custom.ChainPolicy.CustomTrustStore.AddRange(trusted);
        custom.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        if (chain is not null)
        {
            foreach (var element in chain.ChainElements)
            {
                custom.ChainPolicy.ExtraStore.Add(element.Certificate);
            }
        }

        return custom.Build(certificate) ? null
            : new TransportException($"The server's certificate ({certificate.Subject}, issued by {certificate.Issuer}) is not signed by the configured CA ({caOrigin}): {Describe(custom)}", MqttError.TlsConfigError);
    }

    private static string Describe(X509Chain? chain) =>
        chain is null || chain.ChainStatus.Length == 0 ? "unknown reason"
            : string.Join("; ", chain.ChainStatus.Select(s => s.StatusInformation.Trim()).Distinct());
}
