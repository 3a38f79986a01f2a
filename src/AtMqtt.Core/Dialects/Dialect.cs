using AtMqtt.Core.Mqtt.Transport;

namespace AtMqtt.Core.Dialects;

/// <summary>
/// The differences between the seed (Beken-style) command page and ESP-AT, as data, so that no
/// handler has to ask which dialect it is in (SPEC section 1).
/// </summary>
public sealed record Dialect
{
    /// <summary>The seed page: schemes 1..2, host 64, lwt_msg 64, PUBRAW 512, word states.</summary>
    public static readonly Dialect Seed = new()
    {
        Name = "seed",
        Schemes = [new(1, Carrier.Tcp), new(2, Carrier.TlsPsk)],
        HostMaxBytes = 64,
        LwtMessageMaxBytes = 64,
        PubRawMaxBytes = 512,
        PubRawOk = "+MQTTPUBRAW:OK",
        PubRawFail = "+MQTTPUBRAW:FAIL",
        NumericState = false,
        QuotedPortAndPath = false,
        CertAndCaMustBeZero = true,
        TimeoutParameter = true,
    };

    /// <summary>ESP-AT v5 (older releases derive from it, docs/profiles.md): schemes 1..10, host 128, lwt_msg 128, numeric states, quoted port and path.</summary>
    public static Dialect EspAt(int maxPubRaw = 65536) => new()
    {
        Name = "esp-at",
        Schemes =
        [
            new(1, Carrier.Tcp),
            new(2, Carrier.Tls),
            new(3, Carrier.Tls, VerifyServer: true),
            new(4, Carrier.Tls, ClientCertificate: true),
            new(5, Carrier.Tls, VerifyServer: true, ClientCertificate: true),
            new(6, Carrier.WebSocket),
            new(7, Carrier.SecureWebSocket),
            new(8, Carrier.SecureWebSocket, VerifyServer: true),
            new(9, Carrier.SecureWebSocket, ClientCertificate: true),
            new(10, Carrier.SecureWebSocket, VerifyServer: true, ClientCertificate: true),
        ],
        HostMaxBytes = 128,
        LwtMessageMaxBytes = 128,
        PubRawMaxBytes = maxPubRaw,
        PubRawOk = "+MQTTPUB:OK",
        PubRawFail = "+MQTTPUB:FAIL",
        NumericState = true,
        QuotedPortAndPath = true,
        CertAndCaMustBeZero = false,
        TimeoutParameter = true,
    };

    /// <summary>
    /// Quectel's AT+QMT* modules (BG95 and relatives): the transports a client index can use, by the link's
    /// scheme number: 1 plain TCP, then TLS as an AT+QSSLCFG context's seclevel asks (2 no verification,
    /// 3 server verified, 5 server verified and a client certificate); host names up to 100 bytes, will
    /// messages and QMTPUB data up to 4096 bytes (docs/quectel.md). ESP-AT's fields that no QMT command reads
    /// keep neutral values.
    /// </summary>
    public static readonly Dialect Quectel = new()
    {
        Name = "quectel",
        Schemes =
        [
            new(1, Carrier.Tcp),
            new(2, Carrier.Tls),
            new(3, Carrier.Tls, VerifyServer: true),
            new(4, Carrier.Tls, ClientCertificate: true),
            new(5, Carrier.Tls, VerifyServer: true, ClientCertificate: true),
        ],
        HostMaxBytes = 100,
        LwtMessageMaxBytes = 255,
        PubRawMaxBytes = 4096,
        PubRawOk = "OK",
        PubRawFail = "ERROR",
        NumericState = true,
        QuotedPortAndPath = false,
        CertAndCaMustBeZero = false,
        TimeoutParameter = false,
    };

    public required string Name { get; init; }

    /// <summary>The USERCFG schemes, numbered from 1 without gaps.</summary>
    public required IReadOnlyList<Scheme> Schemes { get; init; }

    public int MaxScheme => Schemes.Count;
    public required int HostMaxBytes { get; init; }
    public required int LwtMessageMaxBytes { get; init; }
    public required int PubRawMaxBytes { get; init; }
    public required string PubRawOk { get; init; }
    public required string PubRawFail { get; init; }

    /// <summary>States 0..6 (esp-at) instead of the words <c>connected</c>/<c>disconnect</c> (seed).</summary>
    public required bool NumericState { get; init; }

    /// <summary>esp-at writes <c>"port","path"</c> in CONN? and +MQTTCONNECTED; the seed writes a bare port and no path.</summary>
    public required bool QuotedPortAndPath { get; init; }

    public required bool CertAndCaMustBeZero { get; init; }

    /// <summary>
    /// The optional trailing <c>&lt;timeout_ms&gt;</c> of CONN/PUB/PUBRAW/SUB/UNSUB (ESP-AT v5.0). Without it a
    /// line that carries one has a parameter too many: <c>ERROR</c> 0x010a6008, as a v4.x module's parser answers.
    /// </summary>
    public required bool TimeoutParameter { get; init; }

    /// <summary>Resolves a <c>--dialect</c> value.</summary>
    public static Dialect? FromName(string name, int maxPubRaw = 65536) => name switch
    {
        "seed" => Seed,
        "esp-at" => EspAt(maxPubRaw),
        _ => null,
    };
}
