using AtMqtt.Core.Parsing;

namespace AtMqtt.Core.Commands;

/// <summary>AT+MQTTCLEAN=&lt;LinkID&gt;: DISCONNECT (so no will), forget configuration and subscriptions; harmless to repeat.</summary>
internal static class MqttClean
{
    public static readonly Command[] Commands = [new("AT+MQTTCLEAN", set: Set, blocking: true)];

    private static ValueTask Set(Modem m, ref ArgReader a)
    {
        if (!a.Arity(1, 1) || !CommonArgs.LinkId(ref a))
        {
            return m.Fail(a.Error);
        }

        return CleanAsync(m);
    }

    private static async ValueTask CleanAsync(Modem m)
    {
        await m.Link.CloseAsync(graceful: true).ConfigureAwait(false);
        m.Response.Ok();
    }
}
