using System.Globalization;
using AtMqtt.Core;
using AtMqtt.Core.Mqtt;
using Microsoft.AspNetCore.Http;
using Prometheus;

namespace AtMqtt.Cli.Control;

/// <summary>
/// <c>GET /metrics</c> on the control port (docs/metrics.md): the modems' counts in Prometheus' text format,
/// written by prometheus-net from a registry of this instance's own (none of the library's default metrics). The
/// counts live in each modem (<see cref="Modem.Counters"/>, its link phases and URC queue) and are read here at
/// scrape time only, so the byte path pays nothing for the metrics beyond its plain counters. The modems to
/// report on are asked for at each scrape (the program's one today; a fleet's list later), a modem's label
/// being its index in that list. Without <c>perModem</c> every metric is the sum over the modems, so the
/// series do not grow with their number; with it each gets a <c>modem</c> label, but for the commands by
/// name, which stay summed (a table's worth of series, not a table per modem).
/// </summary>
internal sealed class ModemMetrics
{
    /// <summary>The content type of the text format the registry writes.</summary>
    public const string ContentType = "text/plain; version=0.0.4; charset=utf-8";

    /// <summary>The <c>command</c> label of the lines no command of the modem's table matched.</summary>
    public const string UnknownCommand = "unknown";

    private static readonly LinkPhase[] Phases = Enum.GetValues<LinkPhase>();
    private static readonly string[] QosLabels = ["0", "1", "2"];

    private readonly Func<IReadOnlyList<Modem>> _modems;
    private readonly bool _perModem;
    private readonly CollectorRegistry _registry = Metrics.NewCustomRegistry();
    private readonly Gauge _modemCount;
    private readonly Gauge _hostsAttached;
    private readonly Gauge _links;
    private readonly Counter _commands;
    private readonly Counter _commandsByName;
    private readonly Counter _errors;
    private readonly Counter _published;
    private readonly Counter _received;
    private readonly Counter _hostBytes;
    private readonly Counter _brokerBytes;
    private readonly Counter _reconnects;
    private readonly Gauge _urcLines;
    private readonly Gauge _urcUnacknowledged;
    private readonly Counter _urcDropped;

    // Scrapes may overlap (two Prometheus servers, a curl); one collection at a time keeps the sums whole.
    private readonly Lock _collecting = new();

    public ModemMetrics(Func<IReadOnlyList<Modem>> modems, bool perModem)
    {
        _modems = modems;
        _perModem = perModem;
        var factory = Metrics.WithCustomRegistry(_registry);
        string[] modem = perModem ? ["modem"] : [];
        _modemCount = factory.CreateGauge("atmqtt_modems", "Modems in this process.");
        _hostsAttached = factory.CreateGauge("atmqtt_hosts_attached", "Modems with a host attached to their channel now.", modem);
        _links = factory.CreateGauge("atmqtt_links", "MQTT clients of the modems by link phase (one per ESP-AT modem; 6 per quectel-bg95, 2 per simcom-a7670).", [.. modem, "phase"]);
        _commands = factory.CreateCounter("atmqtt_commands_total", "AT command lines executed (busy p... answers and data-phase bytes are not commands).", modem);
        _commandsByName = factory.CreateCounter(
            "atmqtt_commands_by_name_total", "AT command lines executed, by the profile's command name (lines no command matches: unknown); never per modem.", "command");
        _errors = factory.CreateCounter("atmqtt_command_errors_total", "ERROR final results (unknown commands, bad parameters, failures).", modem);
        _published = factory.CreateCounter("atmqtt_published_total", "Messages from the host the broker accepted, by QoS.", [.. modem, "qos"]);
        _received = factory.CreateCounter("atmqtt_received_total", "Messages the broker delivered to the modems, by QoS (dropped ones included).", [.. modem, "qos"]);
        _hostBytes = factory.CreateCounter(
            "atmqtt_host_bytes_total", "Bytes on the host channel: received from the host, sent to it.", [.. modem, "direction"]);
        _brokerBytes = factory.CreateCounter(
            "atmqtt_broker_bytes_total", "MQTT bytes on the broker connections (above TLS and WebSocket): received from the broker, sent to it.", [.. modem, "direction"]);
        _reconnects = factory.CreateCounter("atmqtt_reconnects_total", "Successful reconnections of reconnect=1 after a lost connection.", modem);
        _urcLines = factory.CreateGauge("atmqtt_urc_queue_lines", "Unsolicited lines (messages, link status) waiting to be written to the host.", modem);
        _urcUnacknowledged = factory.CreateGauge(
            "atmqtt_urc_unacknowledged", "QoS 1 and 2 messages not yet acknowledged to the broker (waiting, being written, or held by a receive buffer).", modem);
        _urcDropped = factory.CreateCounter("atmqtt_urc_dropped_total", "QoS 0 messages dropped because the receive queue (--rx-queue) was full.", modem);
        _registry.AddBeforeCollectCallback(Collect);
    }

    /// <summary>Writes the metrics, read from the modems now, to <paramref name="context"/>'s response.</summary>
    public async Task WriteAsync(HttpContext context)
    {
        context.Response.ContentType = ContentType;
        context.Response.Headers.CacheControl = "no-cache";
        await _registry.CollectAndExportAsTextAsync(context.Response.Body, context.RequestAborted).ConfigureAwait(false);
    }

    /// <summary>Reads every modem's counts into the registry (before each collection).</summary>
    private void Collect()
    {
        lock (_collecting)
        {
            var modems = _modems();
            _modemCount.Set(modems.Count);
            CollectByName(modems);
            if (_perModem)
            {
                for (int i = 0; i < modems.Count; i++)
                {
                    var totals = new Totals();
                    totals.Add(modems[i]);
                    Publish(totals, i.ToString(CultureInfo.InvariantCulture));
                }
            }
            else
            {
                var totals = new Totals();
                foreach (var m in modems)
                {
                    totals.Add(m);
                }

                Publish(totals, null);
            }
        }
    }

    /// <summary>Commands by name: the names of the modems' tables (all of them, 0 included, so the label set is the tables') and unknown.</summary>
    private void CollectByName(IReadOnlyList<Modem> modems)
    {
        var sums = new Dictionary<string, long>(StringComparer.Ordinal) { [UnknownCommand] = 0 };
        foreach (var m in modems)
        {
            var table = m.Commands.All;
            var counters = m.Counters;
            for (int i = 0; i < table.Count; i++)
            {
                sums[table[i].Name] = sums.GetValueOrDefault(table[i].Name) + counters.ByCommand(i);
            }

            sums[UnknownCommand] += counters.ByCommand(counters.CommandSlots - 1);
        }

        foreach (var (name, count) in sums)
        {
            _commandsByName.WithLabels(name).IncTo(count);
        }
    }

    private void Publish(in Totals t, string? modem)
    {
        if (modem is null)
        {
            _hostsAttached.Set(t.HostsAttached);
            _commands.IncTo(t.Commands);
            _errors.IncTo(t.Errors);
            _reconnects.IncTo(t.Reconnects);
            _urcLines.Set(t.UrcLines);
            _urcUnacknowledged.Set(t.UrcUnacknowledged);
            _urcDropped.IncTo(t.UrcDropped);
            for (int p = 0; p < Phases.Length; p++)
            {
                _links.WithLabels(MqttLink.NameOf(Phases[p])).Set(t.Phase(p));
            }

            for (int q = 0; q < 3; q++)
            {
                _published.WithLabels(QosLabels[q]).IncTo(t.Published(q));
                _received.WithLabels(QosLabels[q]).IncTo(t.Received(q));
            }

            _hostBytes.WithLabels("received").IncTo(t.HostReceived);
            _hostBytes.WithLabels("sent").IncTo(t.HostSent);
            _brokerBytes.WithLabels("received").IncTo(t.BrokerReceived);
            _brokerBytes.WithLabels("sent").IncTo(t.BrokerSent);
            return;
        }

        _hostsAttached.WithLabels(modem).Set(t.HostsAttached);
        _commands.WithLabels(modem).IncTo(t.Commands);
        _errors.WithLabels(modem).IncTo(t.Errors);
        _reconnects.WithLabels(modem).IncTo(t.Reconnects);
        _urcLines.WithLabels(modem).Set(t.UrcLines);
        _urcUnacknowledged.WithLabels(modem).Set(t.UrcUnacknowledged);
        _urcDropped.WithLabels(modem).IncTo(t.UrcDropped);
        for (int p = 0; p < Phases.Length; p++)
        {
            _links.WithLabels(modem, MqttLink.NameOf(Phases[p])).Set(t.Phase(p));
        }

        for (int q = 0; q < 3; q++)
        {
            _published.WithLabels(modem, QosLabels[q]).IncTo(t.Published(q));
            _received.WithLabels(modem, QosLabels[q]).IncTo(t.Received(q));
        }

        _hostBytes.WithLabels(modem, "received").IncTo(t.HostReceived);
        _hostBytes.WithLabels(modem, "sent").IncTo(t.HostSent);
        _brokerBytes.WithLabels(modem, "received").IncTo(t.BrokerReceived);
        _brokerBytes.WithLabels(modem, "sent").IncTo(t.BrokerSent);
    }

    /// <summary>One modem's counts, or the sum of several.</summary>
    private struct Totals()
    {
        private readonly long[] _phases = new long[Phases.Length];
        private readonly long[] _published = new long[3];
        private readonly long[] _received = new long[3];

        public long HostsAttached;
        public long Commands;
        public long Errors;
        public long Reconnects;
        public long HostReceived;
        public long HostSent;
        public long BrokerReceived;
        public long BrokerSent;
        public long UrcLines;
        public long UrcUnacknowledged;
        public long UrcDropped;

        public readonly long Phase(int index) => _phases[index];

        public readonly long Published(int qos) => _published[qos];

        public readonly long Received(int qos) => _received[qos];

        public void Add(Modem modem)
        {
            var c = modem.Counters;
            HostsAttached += modem.HostAttached ? 1 : 0;
            Commands += c.Commands;
            Errors += c.Errors;
            Reconnects += c.Reconnects;
            HostReceived += c.HostBytesReceived;
            HostSent += c.HostBytesSent;
            BrokerReceived += c.BrokerBytesReceived;
            BrokerSent += c.BrokerBytesSent;
            UrcLines += modem.Urcs.Pending;
            UrcUnacknowledged += modem.Urcs.Unacknowledged;
            UrcDropped += modem.Urcs.Qos0Dropped;
            for (int q = 0; q < 3; q++)
            {
                _published[q] += c.Published(q);
                _received[q] += c.Received(q);
            }

            foreach (var link in modem.Links)
            {
                _phases[(int)link.Phase]++;
            }
        }
    }
}
