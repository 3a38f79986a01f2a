using System.Net.Sockets;

namespace AtMqtt.Core.Instrument;

/// <summary>
/// The faults on the way to the broker, as the link's transport meets them: no route while the Wi-Fi
/// is down, a refused connection while the broker is unreachable, nothing passing while it stalls,
/// its answers late under ack-delay.
/// </summary>
internal static class NetworkFaults
{
    /// <summary>
    /// A connection attempt while wifi-drop, registration-lost, pdp-deactivated or broker-unreachable is active
    /// fails as the network would make it.
    /// </summary>
    public static void ThrowIfUnreachable(FaultSet faults)
    {
        if (faults.Find(FaultKinds.WifiDrop) is not null || faults.Find(FaultKinds.RegistrationLost) is not null || faults.Find(FaultKinds.PdpDeactivated) is not null)
        {
            throw new SocketException((int)SocketError.NetworkUnreachable);
        }

        if (faults.Find(FaultKinds.BrokerUnreachable) is not null)
        {
            throw new SocketException((int)SocketError.ConnectionRefused);
        }
    }

    /// <summary>The MQTT packet types ack-delay holds back (bit n: type n), or 0 when it is not active.</summary>
    public static int AckDelayMask(FaultSet faults, out TimeSpan delay)
    {
        if (faults.Find(FaultKinds.AckDelay) is not { } fault)
        {
            delay = default;
            return 0;
        }

        delay = TimeSpan.FromMilliseconds(fault.Spec.Ms ?? 0);
        return fault.Spec.Packet switch
        {
            "connack" => 1 << 2,
            "puback" => 1 << 4,
            "pubcomp" => 1 << 7,
            "suback" => 1 << 9,
            "unsuback" => 1 << 11,
            _ => (1 << 2) | (1 << 4) | (1 << 7) | (1 << 9) | (1 << 11),
        };
    }

    /// <summary>Waits while broker-stall is active; throws <see cref="IOException"/> if the connection is cut meanwhile.</summary>
    public static async ValueTask WhileStalledAsync(FaultSet faults, CancellationToken aborted, CancellationToken cancellationToken)
    {
        while (faults.Find(FaultKinds.BrokerStall) is { } stall)
        {
            using var either = CancellationTokenSource.CreateLinkedTokenSource(aborted, cancellationToken);
            try
            {
                await stall.Over.Task.WaitAsync(either.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (aborted.IsCancellationRequested)
            {
                throw new IOException("the connection was cut during a broker-stall");
            }
        }
    }
}
