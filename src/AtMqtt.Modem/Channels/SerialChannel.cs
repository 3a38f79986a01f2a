using System.Diagnostics;
using System.IO.Pipelines;
using System.IO.Ports;
using AtMqtt.Core.Logging;
using Microsoft.Extensions.Logging;

namespace AtMqtt.Cli.Channels;

/// <summary>
/// <c>--serial DEVICE --baud N</c>: a real serial port (a USB adapter wired to the host board) or an
/// existing pseudo-terminal someone else made (<c>socat</c>, an emulator), through System.IO.Ports.
/// 8 data bits, no parity, 1 stop bit, no flow control (RTS/CTS and XON/XOFF off, DTR and RTS left
/// low), as a module ships. The port is one host for as long as it is open: <c>ready</c> once, and
/// again only if the device went away (unplugged, the pty's owner exited) and came back; it is
/// reopened every second until it does. AT+UART_CUR / AT+UART_DEF change the port's rate after
/// their <c>OK</c> has left the wire.
/// </summary>
internal sealed class SerialChannel(HostLine line, string device, ILogger log)
{
    private static readonly TimeSpan RetryInterval = TimeSpan.FromSeconds(1);
    private static readonly TimeSpan DrainLimit = TimeSpan.FromSeconds(2);
    private static readonly TimeSpan DeviceCheck = TimeSpan.FromMilliseconds(250);

    // A device that comes and goes in a loop, or a host that changes the rate in one: each kind of
    // line is logged a few times per interval.
    private readonly LogThrottle _cannotOpenLog = LogThrottle.Summarising(log, LogLevel.Warning, "Cannot open the serial device", TimeProvider.System, burst: 5);
    private readonly LogThrottle _openLog = LogThrottle.Summarising(log, LogLevel.Information, "Serial port open", TimeProvider.System, burst: 5);
    private readonly LogThrottle _errorLog = LogThrottle.Summarising(log, LogLevel.Debug, "Serial session ended with an error", TimeProvider.System);
    private readonly LogThrottle _goneLog = LogThrottle.Summarising(log, LogLevel.Warning, "Serial device went away", TimeProvider.System, burst: 5);
    private readonly LogThrottle _rateLog = LogThrottle.Summarising(log, LogLevel.Information, "Serial port rate changed", TimeProvider.System, burst: 5);
    private readonly LogThrottle _rateFailedLog = LogThrottle.Summarising(log, LogLevel.Warning, "Serial port rate not changed", TimeProvider.System);

    public async Task RunAsync(CancellationToken cancellationToken)
    {
        bool told = false;
        while (!cancellationToken.IsCancellationRequested)
        {
            SerialPort port;
            try
            {
                port = Open(line.Baud);
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or ArgumentException or InvalidOperationException)
            {
                if (!told)
                {
                    told = true;
                    if (_cannotOpenLog.ShouldLog())
                    {
                        // System.IO.Ports says "access denied" for a device that is not there.
                        string reason = Resolve() is null ? "it does not exist (yet)" : ex.Message.TrimEnd('.');
                        log.LogWarning("Cannot open {Device}: {Reason}; trying again every second", device, reason);
                    }
                }

                if (!await DelayAsync(RetryInterval, cancellationToken).ConfigureAwait(false))
                {
                    return;
                }

                continue;
            }

            told = false;
            if (_openLog.ShouldLog())
            {
                log.LogInformation("Serial port {Device} open at {Baud} baud, 8N1, no flow control", device, port.BaudRate);
            }

            void Rate(int baud) => SetRate(port, baud);
            line.LineBaudChanged += Rate;
            using var session = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            var watch = WatchDeviceAsync(port, session);
            try
            {
                var stream = port.BaseStream;
                var pipe = new DuplexPipe(
                    PipeReader.Create(stream, new StreamPipeReaderOptions(bufferSize: 4096, leaveOpen: true)),
                    PipeWriter.Create(stream, new StreamPipeWriterOptions(leaveOpen: true)));
                try
                {
                    await line.ServeAsync(pipe, $"serial {device}", session.Token).ConfigureAwait(false);
                }
                finally
                {
                    await pipe.CompleteQuietlyAsync().ConfigureAwait(false);
                }
            }
            catch (Exception ex) when (ex is IOException or InvalidOperationException or ObjectDisposedException or UnauthorizedAccessException)
            {
                if (_errorLog.ShouldLog())
                {
                    log.LogDebug(ex, "Serial session ended with an error");
                }
            }
            finally
            {
                await session.CancelAsync().ConfigureAwait(false);
                await watch.ConfigureAwait(false);
                line.LineBaudChanged -= Rate;
                try
                {
                    port.Dispose();
                }
                catch (IOException)
                {
                }
            }

            if (!cancellationToken.IsCancellationRequested)
            {
                if (_goneLog.ShouldLog())
                {
                    log.LogWarning("{Device} went away; reopening it every second", device);
                }

                if (!await DelayAsync(RetryInterval, cancellationToken).ConfigureAwait(false))
                {
                    return;
                }
            }
        }
    }

    /// <summary>
    /// Ends the session when the device node goes away or is replaced (a USB adapter unplugged,
    /// the owner of a pty exiting): System.IO.Ports does not report a hang-up on every system.
    /// </summary>
    private async Task WatchDeviceAsync(SerialPort port, CancellationTokenSource session)
    {
        string? target = Resolve();
        try
        {
            while (!session.IsCancellationRequested)
            {
                await Task.Delay(DeviceCheck, session.Token).ConfigureAwait(false);
                string? now = Resolve();
                if (now is null || now != target)
                {
                    // A read pending on the port ignores cancellation: closing the port ends it.
                    await session.CancelAsync().ConfigureAwait(false);
                    try
                    {
                        port.Dispose();
                    }
                    catch (IOException)
                    {
                    }

                    return;
                }
            }
        }
        catch (OperationCanceledException)
        {
        }
    }

    /// <summary>The device node the configured name leads to, or null when there is none.</summary>
    private string? Resolve()
    {
        try
        {
            var info = new FileInfo(device);
            var final = info.LinkTarget is null ? info : info.ResolveLinkTarget(returnFinalTarget: true);
            return final is { Exists: true } ? final.FullName : null;
        }
        catch (IOException)
        {
            return null;
        }
    }

    private SerialPort Open(int baud)
    {
        var port = new SerialPort(device, baud, Parity.None, 8, StopBits.One)
        {
            Handshake = Handshake.None,
            DtrEnable = false,
            RtsEnable = false,
            ReadTimeout = SerialPort.InfiniteTimeout,
            WriteTimeout = SerialPort.InfiniteTimeout,
        };
        try
        {
            port.Open();
            return port;
        }
        catch
        {
            port.Dispose();
            throw;
        }
    }

    /// <summary>Lets what is still in the port's transmit queue leave at the old rate, then switches.</summary>
    private void SetRate(SerialPort port, int baud)
    {
        try
        {
            var waited = Stopwatch.StartNew();
            while (port.IsOpen && port.BytesToWrite > 0 && waited.Elapsed < DrainLimit)
            {
                Thread.Sleep(1);
            }

            port.BaudRate = baud;
            if (_rateLog.ShouldLog())
            {
                log.LogInformation("Serial port {Device} now at {Baud} baud", device, baud);
            }
        }
        catch (Exception ex) when (ex is IOException or InvalidOperationException or ArgumentOutOfRangeException)
        {
            if (_rateFailedLog.ShouldLog())
            {
                log.LogWarning("{Device} cannot run at {Baud} baud: {Reason}; pacing follows AT+UART_CUR anyway", device, baud, ex.Message);
            }
        }
    }

    private static async Task<bool> DelayAsync(TimeSpan delay, CancellationToken cancellationToken)
    {
        try
        {
            await Task.Delay(delay, cancellationToken).ConfigureAwait(false);
            return true;
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }
}
