namespace AtMqtt.Core.Instrument;

/// <summary>
/// What starting and ending a fault does to a modem at once. Most faults act only through the hooks
/// that ask <see cref="FaultSet"/> (read loop, output, link, transport); the network drops act here:
/// wifi-drop and broker-unreachable cut the broker connection the way AT+RST does (no DISCONNECT,
/// so the broker publishes the will), and the link's disconnect path takes it from there.
/// </summary>
internal sealed class FaultEffects(Modem modem) : IFaultEffects
{
    private static readonly byte[] WifiDisconnect = "WIFI DISCONNECT\r\n"u8.ToArray();
    private static readonly byte[] WifiConnected = "WIFI CONNECTED\r\n"u8.ToArray();
    private static readonly byte[] WifiGotIp = "WIFI GOT IP\r\n"u8.ToArray();

    // Whether the simulated station was joined when the Wi-Fi dropped: it is joined again afterwards.
    private bool _wasJoined;

    public void Started(Fault fault)
    {
        switch (fault.Kind)
        {
            case FaultKinds.WifiDrop:
                _wasJoined = modem.Device.WifiConnected;
                modem.Device.WifiConnected = false;
                modem.Urcs.Enqueue(WifiDisconnect);
                CutAll($"a wifi-drop fault, {fault.Id}");
                break;
            case FaultKinds.BrokerUnreachable:
                CutAll($"a broker-unreachable fault, {fault.Id}");
                break;
            case FaultKinds.RegistrationLost:
                // The MQTT clients hear of it through CellularNetwork.Changed (docs/cellular.md).
                Commands.Cellular.Answer.Urcs(modem, modem.Network.SetRegistrationLost(true));
                break;
            case FaultKinds.PdpDeactivated:
                Commands.Cellular.Answer.Urcs(modem, modem.Network.NetworkDeactivates());
                break;
        }
    }

    /// <summary>The network is gone for every client of the module, not only the first.</summary>
    private void CutAll(string why)
    {
        foreach (var link in modem.Links)
        {
            link.Cut(why);
        }
    }

    public void Ended(Fault fault)
    {
        if (fault.Kind == FaultKinds.RegistrationLost)
        {
            Commands.Cellular.Answer.Urcs(modem, modem.Network.SetRegistrationLost(false));
        }
        else if (fault.Kind == FaultKinds.PdpDeactivated)
        {
            modem.Network.RefuseActivation(false);
        }

        if (fault.Kind == FaultKinds.WifiDrop)
        {
            if (_wasJoined)
            {
                modem.Device.WifiConnected = true;
            }

            modem.Urcs.Enqueue(WifiConnected);
            modem.Urcs.Enqueue(WifiGotIp);
        }
    }
}
