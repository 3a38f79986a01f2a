using System.Buffers;
using AtMqtt.Core.Commands;
using AtMqtt.Core.Parsing;
using Microsoft.Extensions.Logging;

namespace AtMqtt.Core.Instrument;

/// <summary>
/// Where the host checks look (<c>--strict</c>): small calls from the modem's read loop, its command
/// dispatch and the receive queue. Each is only called while <see cref="HostChecks.Enabled"/> and
/// changes nothing the host receives.
/// </summary>
internal static class HostCheckHooks
{
    /// <summary>A host-not-reading finding at most this often: a full queue drops on every message.</summary>
    private static readonly TimeSpan NotReadingEvery = Logging.LogThrottle.DefaultInterval;

    /// <summary>A modem's checks: enabled by <c>--strict</c>; configured secrets never shown.</summary>
    public static HostChecks Create(ModemOptions options, EventHub events)
    {
        var checks = new HostChecks(events, options.LoggerFactory.CreateLogger("AtMqtt.HostChecks"), options.TimeProvider) { Enabled = options.Strict };
        if (options.Wifi is { Password: { } wifiPassword })
        {
            checks.AddSecret(wifiPassword);
        }

        if (options.Credentials.Psk is { } psk)
        {
            checks.AddSecret(Convert.ToHexString(psk.Key));
            checks.AddSecret(Convert.ToHexStringLower(psk.Key));
        }

        return checks;
    }

    /// <summary>Hooks the checks that watch the modem's parts rather than the host's lines.</summary>
    public static void Watch(Modem m)
    {
        if (!m.Checks.Enabled)
        {
            return;
        }

        long lastReport = 0;
        var checks = m.Checks;
        var urcs = m.Urcs;
        urcs.Dropped = dropped => Qos0Dropped(checks, ref lastReport, dropped, urcs.Qos0Limit);
    }

    /// <summary>Bytes already waiting when the modem is about to write <c>ready</c> were sent before it.</summary>
    public static void BeforeReady(HostChecks checks, in ReadOnlySequence<byte> early)
    {
        if (HasText(early))
        {
            checks.Report(FindingCodes.CommandBeforeReady, "The host sent a command before the modem's \"ready\": wait for \"ready\" after power-on or a reset.", FirstLine(early));
        }
    }

    /// <summary>A line that got <c>busy p...</c>: the previous command (<paramref name="pending"/>) had no final result yet.</summary>
    public static void Busy(HostChecks checks, string? pending, ReadOnlySpan<byte> line) =>
        checks.Report(FindingCodes.CommandWhileBusy, $"The host sent a command before {pending ?? "the previous command"} had its final result (it got \"busy p...\"): wait for OK or ERROR before the next command.", line);

    /// <summary>A line over the profile's limit (256 bytes on ESP-AT); <paramref name="start"/> is what the modem kept of it.</summary>
    public static void LineTooLong(Modem m, ReadOnlySpan<byte> start)
    {
        // The advice names the commands this profile has: esp-at-2.2 has no LONG*, only its own setters.
        string values = m.Commands.Find("+MQTTLONGCLIENTID"u8) is not null
            ? "AT+MQTTLONGCLIENTID/LONGUSERNAME/LONGPASSWORD for long values"
            : m.Commands.Find("+MQTTCLIENTID"u8) is not null
                ? "AT+MQTTCLIENTID/USERNAME/PASSWORD for values USERCFG's limits refuse (each on a line of its own)"
                : "shorter values";
        m.Checks.Report(FindingCodes.LineTooLong, $"The host sent a line over {m.Profile.MaxLineBytes} bytes (discarded with ERROR): use {values} and AT+MQTTPUBRAW for long payloads.", start);
    }

    /// <summary>A data phase began with bytes already received after the command line: sent before <c>&gt;</c>.</summary>
    public static void DataPhaseStarted(HostChecks checks, string command, in ReadOnlySequence<byte> rest, ReadOnlySpan<byte> line)
    {
        if (!rest.IsEmpty)
        {
            checks.Report(FindingCodes.DataBeforePrompt, $"The host sent {command}'s data before the modem's \">\": wait for \">\" (a URC may come between OK and \">\").", line);
        }
    }

    /// <summary>A command that completed at once, with the error code it failed with (0: it did not fail).</summary>
    public static void Completed(Modem m, Command command, CommandKind kind, uint error, ReadOnlySpan<byte> line)
    {
        if (error == 0 || kind != CommandKind.Set)
        {
            return;
        }

        var checks = m.Checks;
        uint category = error & 0xFFFF0000u;
        if (category == ErrorCode.ParseFail(0))
        {
            checks.Report(FindingCodes.UnescapedSeparator, $"{command.Name} failed: a quote in a string parameter is not escaped: write \\\" (and \\, for a comma, \\\\ for a backslash), or send the payload with AT+MQTTPUBRAW.", line);
            return;
        }

        if (category == ErrorCode.ParamCount(0, 0) && (error & 0xFF) > ((error >> 8) & 0xFF) && line.IndexOf((byte)'"') >= 0)
        {
            // More parameters than the command takes, on a line with strings: a comma in one of them.
            checks.Report(FindingCodes.UnescapedSeparator, $"{command.Name} failed: more parameters than it takes, so a string holds a comma that is not escaped: write \\, (or quote the string), or send the payload with AT+MQTTPUBRAW.", line);
            return;
        }

        if (error == ErrorCode.Mqtt(MqttError.NoConfigured)
            && command.Name is "AT+MQTTCONNCFG" or "AT+MQTTLONGCLIENTID" or "AT+MQTTLONGUSERNAME" or "AT+MQTTLONGPASSWORD" or "AT+MQTTALPN" or "AT+MQTTSNI"
                or "AT+MQTTCLIENTID" or "AT+MQTTUSERNAME" or "AT+MQTTPASSWORD")
        {
            checks.Report(FindingCodes.ConfigBeforeUserConfig, $"The host sent {command.Name} before AT+MQTTUSERCFG: send AT+MQTTUSERCFG first (after AT+MQTTCLEAN it is needed again).", line);
            return;
        }

        if (error == ErrorCode.Mqtt(MqttError.NotInConfiguredState) && command.Name == "AT+MQTTCONN")
        {
            checks.Report(FindingCodes.ConnectWithoutClean, "The host sent AT+MQTTCONN after a reconnect=0 link dropped, without AT+MQTTCLEAN: send AT+MQTTCLEAN and AT+MQTTUSERCFG again first, or connect with reconnect=1.", line);
            return;
        }

        if (error == ErrorCode.Mqtt(MqttError.InDisconnectedState) && command.Name is "AT+MQTTPUB" or "AT+MQTTPUBRAW")
        {
            checks.Report(FindingCodes.PublishWhileDisconnected, $"The host sent {command.Name} while the link was not connected: wait for +MQTTCONNECTED (after +MQTTDISCONNECTED, reconnect=1 brings it back).", line);
        }
    }

    /// <summary>AT+MQTTSUB about to ask the broker: refused if the list is full.</summary>
    public static void Subscribing(Modem m, string filter, ReadOnlySpan<byte> line)
    {
        var subscriptions = m.Link.Subscriptions;
        if (subscriptions.Count >= m.Options.MaxSubscriptions && !subscriptions.Any(s => s.Filter == filter))
        {
            m.Checks.Report(FindingCodes.SubscriptionListFull, $"The host sent AT+MQTTSUB with the subscription list full ({m.Options.MaxSubscriptions}): unsubscribe first (AT+MQTTUNSUB), or use a wildcard filter.", line);
        }
    }

    /// <summary>A QoS 0 message dropped because its queue was full; reported at most every few seconds.</summary>
    public static void Qos0Dropped(HostChecks checks, ref long lastReport, long dropped, int limit)
    {
        long now = checks.Time.GetTimestamp();
        long last = Interlocked.Read(ref lastReport);
        if (last != 0 && checks.Time.GetElapsedTime(last, now) < NotReadingEvery)
        {
            return;
        }

        if (Interlocked.CompareExchange(ref lastReport, now, last) == last)
        {
            checks.Report(FindingCodes.HostNotReading, $"The host is not reading: the queue of QoS 0 messages for it was full ({limit}) and {dropped} were dropped so far: read the UART faster, raise its baud rate, or subscribe with QoS 1.", default);
        }
    }

    private static bool HasText(in ReadOnlySequence<byte> bytes)
    {
        foreach (var segment in bytes)
        {
            if (segment.Span.IndexOfAnyExcept((byte)'\r', (byte)'\n') >= 0)
            {
                return true;
            }
        }

        return false;
    }

    private static ReadOnlySpan<byte> FirstLine(in ReadOnlySequence<byte> bytes)
    {
        var first = bytes.Slice(0, Math.Min(bytes.Length, Framing.LineFramer.MaxLineBytes)).ToArray().AsSpan();
        first = first[first.IndexOfAnyExcept((byte)'\r', (byte)'\n')..];
        int end = first.IndexOfAny((byte)'\r', (byte)'\n');
        return end >= 0 ? first[..end] : first;
    }
}
