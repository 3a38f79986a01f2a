namespace AtMqtt.Core.Mqtt.Transport;

/// <summary>What carries MQTT for one USERCFG scheme number.</summary>
public enum Carrier : byte
{
    Tcp,
    /// <summary>TLS 1.2 with a pre-shared key (the seed's scheme 2).</summary>
    TlsPsk,
    /// <summary>TLS with X.509 certificates.</summary>
    Tls,
    WebSocket,
    /// <summary>WebSocket over TLS with X.509 certificates.</summary>
    SecureWebSocket,
}

/// <summary>One scheme: its carrier, whether the server's certificate is verified, whether the modem presents its own.</summary>
public sealed record Scheme(int Number, Carrier Carrier, bool VerifyServer = false, bool ClientCertificate = false)
{
    public bool IsWebSocket => Carrier is Carrier.WebSocket or Carrier.SecureWebSocket;

    public bool UsesX509 => Carrier is Carrier.Tls or Carrier.SecureWebSocket;

    public override string ToString() => Carrier switch
    {
        Carrier.Tcp => "MQTT over TCP",
        Carrier.TlsPsk => "MQTT over TLS-PSK",
        Carrier.WebSocket => "MQTT over WebSocket",
        _ => $"MQTT over {(Carrier == Carrier.Tls ? "TLS" : "WSS")} ({(VerifyServer ? "server verified" : "server not verified")}{(ClientCertificate ? ", client certificate" : "")})",
    };
}
