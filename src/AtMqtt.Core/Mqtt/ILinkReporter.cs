using AtMqtt.Core.Device;
using AtMqtt.Core.Output;
using MQTTnet;

namespace AtMqtt.Core.Mqtt;

/// <summary>Why an established broker connection ended without the host asking.</summary>
public enum LinkLoss
{
    /// <summary>The broker closed or reset the connection (a broker restart, a network fault that cuts it).</summary>
    PeerClosed,

    /// <summary>Nothing came from the broker for a keepalive period: the link's watchdog cut it.</summary>
    PingTimeout,
}

/// <summary>
/// How one module family tells its host what happens on a link: a message from the broker, a
/// connection lost, a connection back. The profile supplies one per link (<see cref="Profiles.Profile.Reporter"/>);
/// the link keeps the connection, the reporter owns the lines, so no handler or link asks which family it is.
/// Each reporter writes only through the modem's <see cref="UrcQueue"/> (SPEC section 2: one writer).
/// </summary>
public interface ILinkReporter
{
    /// <summary>
    /// False when the family cannot take <paramref name="message"/> at all (ESP-AT's split-subrecv buffer
    /// cannot hold its header): the reporter has dealt with it (the link is cut, nothing acknowledged).
    /// </summary>
    bool CanTake(MqttLink link, MqttApplicationMessage message);

    /// <summary>
    /// A message for the host. <paramref name="acknowledge"/> (QoS 1 and 2) is sent to the broker only once
    /// the host has the message: the reporter hands it to the queue with its line, or holds it until the host
    /// fetches the message (a host-pull buffer). <paramref name="packetId"/> is the PUBLISH's identifier (0 for QoS 0).
    /// </summary>
    void Deliver(MqttLink link, MqttApplicationMessage message, ushort packetId, InboundAck? acknowledge);

    /// <summary>An established connection ended without the host asking; <paramref name="reconnecting"/>: the link retries.</summary>
    void Lost(MqttLink link, LinkLoss loss, bool reconnecting);

    /// <summary>The link's own reconnect loop got the connection back.</summary>
    void Reconnected(MqttLink link);

    /// <summary>The link was closed or reset (host command, AT+RST, reset pin): what the reporter holds for the host goes.</summary>
    void Cleared(MqttLink link);

    /// <summary>
    /// The module's mobile network changed (<see cref="CellularNetwork.Changed"/>, a cellular profile's only):
    /// the family drops what the change takes from this link (<see cref="MqttLink.Drop"/>) and says so in its
    /// own words (docs/cellular.md, "The hook for the MQTT clients"). The modem calls it for each link in order.
    /// </summary>
    void NetworkChanged(Modem modem, MqttLink link, CellularEvent change);
}
