namespace AtMqtt.Core.Mqtt;

/// <summary>AT+MQTTUSERCFG (and the LONG* overrides). The password is bytes: MQTT 3.1.1 allows binary ones.</summary>
public sealed record UserConfig(int Scheme, string ClientId, string Username, byte[] Password, int CertKeyId, int CaId, string Path)
{
    /// <summary>Never the password itself: records print their members, and logs must not carry it.</summary>
    public override string ToString() =>
        $"scheme {Scheme}, client id \"{ClientId}\", {(Username.Length == 0 ? "no username" : $"username \"{Username}\"")}, {(Password.Length == 0 ? "no password" : "password ***")}";
}

/// <summary>AT+MQTTALPN and AT+MQTTSNI, used by the TLS schemes.</summary>
public sealed record TlsSettings(IReadOnlyList<string> Alpn, string? Sni)
{
    public static readonly TlsSettings None = new([], null);

    /// <summary>Whether the ClientHello names the server (SNI): a cellular context's "sni"/"enableSNI"; ESP-AT always does.</summary>
    public bool SendSni { get; init; } = true;

    /// <summary>Whether a verified server's certificate must also name the host: Quectel's "checkhost", SIMCom's "ignorecertCN" 0.</summary>
    public bool CheckHost { get; init; } = true;

    /// <summary>The TLS versions offered: None is the system's choice (1.2 and 1.3); a cellular context's sslversion 3 is TLS 1.2 only.</summary>
    public System.Security.Authentication.SslProtocols Protocols { get; init; }
}

/// <summary>AT+MQTTCONNCFG. <see cref="KeepAlive"/> is the value given; 0 means 120 s.</summary>
public sealed record ConnectionConfig(int KeepAlive, bool DisableCleanSession, string WillTopic, byte[] WillMessage, int WillQos, bool WillRetain)
{
    public static readonly ConnectionConfig Default = new(0, false, "", [], 0, false);

    public TimeSpan EffectiveKeepAlive => KeepAliveZeroIsOff && KeepAlive == 0 ? TimeSpan.Zero : TimeSpan.FromSeconds(KeepAlive == 0 ? 120 : KeepAlive);

    /// <summary>True where keepalive 0 means no keepalive (Quectel), not ESP-AT's 120 s.</summary>
    public bool KeepAliveZeroIsOff { get; init; }

    /// <summary>3 = MQTT 3.1, 4 = MQTT 3.1.1 (the only one ESP-AT speaks).</summary>
    public int ProtocolVersion { get; init; } = 4;
}

/// <summary>Where AT+MQTTCONN pointed the link.</summary>
public sealed record BrokerTarget(string Host, int Port, bool Reconnect);

/// <summary>One entry of the subscription list.</summary>
public sealed record Subscription(string Filter, int Qos);
