using System.IO.Pipelines;
using AtMqtt.Cli.Transcript;
using AtMqtt.Core;
using AtMqtt.Core.Device;
using AtMqtt.Core.Instrument;
using AtMqtt.Core.Logging;
using Microsoft.Extensions.Logging;

namespace AtMqtt.Cli.Channels;

/// <summary>
/// The modem's end of the line, shared by every channel: each host connection a channel yields is
/// served here, through the transcript tap (<c>--transcript</c>, <c>--monitor</c>) and the UART
/// pacing (<c>--baud</c>), one host at a time. It follows AT+UART_CUR / AT+UART_DEF: the rate
/// changes after their <c>OK</c> has gone out at the old one (see <see cref="DeviceState.UartChanged"/>).
/// </summary>
/// <remarks>
/// Layering, host side first: the transport, the output tap, the pacer, the input tap, the modem.
/// So the transcript shows bytes at the moment they pass the paced line in both directions.
/// </remarks>
internal sealed class HostLine
{
    private readonly Modem _modem;
    private readonly TrafficRecorder? _recorder;
    private readonly ILogger _log;
    private readonly Lock _gate = new();

    // A host can send AT+UART_CUR in a loop: logged a few times per interval.
    private readonly LogThrottle _rateLog;
    private PacedPipe? _current;
    private readonly Control.LineEvents? _lineEvents;
    private SlowLinkPipe? _currentSlow;

    /// <param name="baud">Pace the line at this rate (and make it the module's factory setting); null: no pacing.</param>
    /// <param name="lineEvents">The control API's line events (<c>--control</c>); null: none.</param>
    public HostLine(Modem modem, int? baud, TrafficRecorder? recorder, ILogger log, Control.LineEvents? lineEvents = null)
    {
        _lineEvents = lineEvents;
        _modem = modem;
        _recorder = recorder;
        _log = log;
        _rateLog = LogThrottle.Summarising(log, LogLevel.Information, "Line rate changed", TimeProvider.System, burst: 5);
        if (baud is int rate)
        {
            modem.Device.SetFactoryUart(UartConfig.Default with { BaudRate = rate });
            IsPaced = true;
        }

        modem.Device.UartChanged += OnUartChanged;
        modem.Faults.FaultStarted += OnFault;
        modem.Faults.FaultEnded += OnFault;
    }

    /// <summary>True with <c>--baud</c>.</summary>
    public bool IsPaced { get; }

    /// <summary>The rate the module's UART is set to (AT+UART_CUR).</summary>
    public int Baud => _modem.Device.Baud;

    /// <summary>The line's rate changed (after the response that changed it went out).</summary>
    public event Action<int>? LineBaudChanged;

    /// <summary>Serves one host until its input ends or <paramref name="cancellationToken"/> fires; completes neither side of <paramref name="transport"/>.</summary>
    public async Task ServeAsync(IDuplexPipe transport, string host, CancellationToken cancellationToken)
    {
        _recorder?.Event($"host attached: {host}");
        PipeWriter output = _recorder is null ? transport.Output : new TapWriter(transport.Output, _recorder, Direction.ModemToHost);
        if (_lineEvents is not null)
        {
            output = new TapWriter(output, _lineEvents, Direction.ModemToHost);
        }

        IDuplexPipe line = new DuplexPipe(transport.Input, output);
        PacedPipe? paced = null;
        if (IsPaced)
        {
            paced = new PacedPipe(line, Baud);
            paced.BaudChanged += OnLineBaudChanged;
            lock (_gate)
            {
                _current = paced;
            }

            line = paced;
        }
        else
        {
            // Unpaced: a pass-through that the slow-host-link fault can slow down.
            var slow = new SlowLinkPipe(line);
            lock (_gate)
            {
                _currentSlow = slow;
            }

            line = slow;
        }

        ApplySlowLink();

        PipeReader input = _recorder is null ? line.Input : new TapReader(line.Input, _recorder, Direction.HostToModem);
        if (_lineEvents is not null)
        {
            input = new TapReader(input, _lineEvents, Direction.HostToModem);
        }

        try
        {
            await _modem.RunAsync(new DuplexPipe(input, line.Output), cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            if (paced is not null)
            {
                lock (_gate)
                {
                    _current = null;
                }

                await paced.DisposeAsync().ConfigureAwait(false);
            }
            else
            {
                lock (_gate)
                {
                    _currentSlow = null;
                }
            }

            _recorder?.Event($"host detached: {host}");
        }
    }

    private void OnUartChanged(UartChange change)
    {
        // While slow-host-link holds the line, the new setting takes over when it ends.
        if (!IsPaced || _modem.Faults.HostBaudOverride is not null)
        {
            return;
        }

        PacedPipe? paced;
        lock (_gate)
        {
            paced = _current;
        }

        // With no host attached, the next one starts at the new rate.
        paced?.SetBaud(change.Config.BaudRate, change.AfterResponse);
    }

    private void OnFault(ActiveFault fault)
    {
        if (fault.Spec.Kind == FaultKinds.SlowHostLink)
        {
            ApplySlowLink();
        }
    }

    /// <summary>slow-host-link: the line runs at the fault's rate while it lasts, then at the UART's again.</summary>
    private void ApplySlowLink()
    {
        int? slow = _modem.Faults.HostBaudOverride;
        PacedPipe? paced;
        SlowLinkPipe? unpaced;
        lock (_gate)
        {
            paced = _current;
            unpaced = _currentSlow;
        }

        paced?.SetBaud(slow ?? Baud, afterNextWrite: false);
        if (unpaced is not null && unpaced.Baud != (slow ?? 0))
        {
            unpaced.SetBaud(slow ?? 0);
            OnLineBaudChanged(slow ?? 0);
        }
    }

    private void OnLineBaudChanged(int baud)
    {
        if (_rateLog.ShouldLog())
        {
            _log.LogInformation("Line rate now {Baud} baud", baud);
        }

        _recorder?.Event($"line rate {baud} baud");
        LineBaudChanged?.Invoke(baud);
    }
}
