namespace AtMqtt.Core.Commands.Simcom;

/// <summary>
/// The <c>&lt;err&gt;</c> of every <c>+CMQTTxxx: [&lt;client_index&gt;,]&lt;err&gt;</c> line, as data: the table of the
/// SIM7500/SIM7600 manual V3.00 §16.3.1 and the A76XX manual V1.09/V2.03 §18.3.1, which number them alike
/// (35 is the A76XX's only). docs/simcom.md says which the modem produces and when.
/// </summary>
internal static class CmqttResult
{
    public const int Success = 0;
    public const int Failed = 1;
    public const int BadUtf8 = 2;
    public const int SockConnectFail = 3;
    public const int NoConnection = 11;
    public const int InvalidParameter = 12;
    public const int NotSupported = 13;
    public const int ClientBusy = 14;
    public const int Timeout = 17;
    public const int TopicEmpty = 18;
    public const int ClientUsed = 19;
    public const int ClientNotAcquired = 20;
    public const int ClientNotReleased = 21;
    public const int LengthOutOfRange = 22;
    public const int DnsError = 25;
    public const int ClosedByServer = 26;
    public const int HandshakeFail = 32;
    public const int NoCertificate = 33;

    /// <summary>CONNACK return code 1..5 (MQTT 3.1.1) as the err 27..31 the module reports.</summary>
    public static int Refused(int connackCode) => 26 + connackCode;

    /// <summary>Every code with the manuals' meaning (A76XX wording where they differ).</summary>
    public static IReadOnlyList<(int Code, string Meaning)> All { get; } =
    [
        (0, "operation succeeded"),
        (1, "failed"),
        (2, "bad UTF-8 string"),
        (3, "sock connect fail"),
        (4, "sock create fail"),
        (5, "sock close fail"),
        (6, "message receive fail"),
        (7, "network open fail"),
        (8, "network close fail"),
        (9, "network not opened"),
        (10, "client index error"),
        (11, "no connection"),
        (12, "invalid parameter"),
        (13, "not supported operation"),
        (14, "client is busy"),
        (15, "require connection fail"),
        (16, "sock sending fail"),
        (17, "timeout"),
        (18, "topic is empty"),
        (19, "client is used"),
        (20, "client not acquired"),
        (21, "client not released"),
        (22, "length out of range"),
        (23, "network is opened"),
        (24, "packet fail"),
        (25, "DNS error"),
        (26, "socket is closed by server"),
        (27, "connection refused: unaccepted protocol version"),
        (28, "connection refused: identifier rejected"),
        (29, "connection refused: server unavailable"),
        (30, "connection refused: bad user name or password"),
        (31, "connection refused: not authorized"),
        (32, "handshake fail"),
        (33, "not set certificate"),
        (34, "Open session failed"),
        (35, "Disconnect from server failed"),
    ];
}
