using AtMqtt.Core.Output;

namespace AtMqtt.Core.Instrument;

/// <summary>
/// urc-in-prompt: the URC that goes between the <c>OK</c> and the <c>&gt;</c> of a PUBRAW or LONG*
/// prompt. ESP-AT lets a queued line out there (its issue #539: a <c>+MQTTSUBRECV</c>), so a line
/// waiting in the queue goes first. With none waiting, the modem writes <c>+TIME_UPDATED</c>: a real
/// module URC that carries no data, so the host meets a stray line without being handed a message
/// nobody sent or a link change that did not happen.
/// </summary>
internal static class UrcInPrompt
{
    public static ReadOnlySpan<byte> Fallback => "+TIME_UPDATED\r\n"u8;

    /// <summary>How long a queued line may take to reach the writer before the fallback is written instead.</summary>
    private static readonly TimeSpan QueuedWait = TimeSpan.FromSeconds(1);

    public static async ValueTask WriteAsync(Modem modem)
    {
        if (modem.Urcs.Pending > 0 && await modem.Output.AdmitOneUrcAsync(QueuedWait).ConfigureAwait(false))
        {
            return;
        }

        await modem.Output.WriteAsync(Fallback.ToArray(), ResponseEffect.Open).ConfigureAwait(false);
    }
}
