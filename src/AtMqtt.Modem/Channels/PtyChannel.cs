using System.IO.Pipelines;
using AtMqtt.Core.Logging;
using Microsoft.Extensions.Logging;

namespace AtMqtt.Cli.Channels;

/// <summary>
/// <c>--pty PATH</c> (Linux): creates a pseudo-terminal in raw mode and a symbolic link at PATH to
/// its slave, for pyserial, picocom/minicom, <c>qemu -serial /dev/pts/N</c> or Zephyr native_sim.
/// A host is attached while it has the slave open: each opening gets <c>ready</c>, as each TCP host
/// does, and the modem's state outlives each closing. The link is removed on exit.
/// </summary>
/// <remarks>
/// The master reports a hang-up (POLLHUP, EIO) while no one has the slave open, except before the
/// slave was ever opened: the channel opens and closes it once at start, so "not attached" always
/// looks the same. Between hosts the terminal's queues are flushed (nothing stale reaches the next
/// one before its <c>ready</c>) and raw mode is put back, whatever the last host set.
/// </remarks>
internal sealed class PtyChannel
{
    /// <summary>How often a closed slave is checked for a new host.</summary>
    private static readonly TimeSpan AttachPoll = TimeSpan.FromMilliseconds(20);

    /// <summary>How long a hang-up seen on the master may precede inotify's close event.</summary>
    private static readonly TimeSpan DepartureSettle = TimeSpan.FromMilliseconds(500);

    private readonly HostLine _line;
    private readonly string _linkPath;
    private readonly ILogger _log;

    // A host can open and close the terminal in a loop: each kind of line is logged a few times per interval.
    private readonly LogThrottle _openedLog;
    private readonly LogThrottle _errorLog;
    private readonly LogThrottle _closedLog;
    private readonly LogThrottle _rawLog;

    public PtyChannel(HostLine line, string linkPath, ILogger log)
    {
        _line = line;
        _linkPath = Path.GetFullPath(linkPath);
        _log = log;
        _openedLog = LogThrottle.Summarising(log, LogLevel.Information, "Host opened the pseudo-terminal", TimeProvider.System, burst: 10);
        _errorLog = LogThrottle.Summarising(log, LogLevel.Debug, "Pseudo-terminal session ended with an error", TimeProvider.System);
        _closedLog = LogThrottle.Summarising(log, LogLevel.Information, "Host closed the pseudo-terminal", TimeProvider.System, burst: 10);
        _rawLog = LogThrottle.Summarising(log, LogLevel.Debug, "Could not put the pseudo-terminal back in raw mode", TimeProvider.System);
    }

    /// <summary>Why <c>--pty</c> cannot work here, or null.</summary>
    public static string? Unsupported() =>
        OperatingSystem.IsLinux() ? null : "--pty needs Linux (it creates the pseudo-terminal through libc); use --tcp or --serial here.";

    public async Task RunAsync(CancellationToken cancellationToken)
    {
        var (master, slavePath) = Libc.OpenPty();
        bool linked = false;
        try
        {
            int slave = Libc.Open(slavePath, Libc.ORdWr | Libc.ONoCtty | Libc.OCloExec);
            if (slave < 0)
            {
                throw Libc.Error($"open {slavePath}");
            }

            try
            {
                Libc.MakeRaw(slave);
            }
            finally
            {
                Libc.Close(slave);
            }

            // Watched before the link exists: a host that opens the link the moment it appears (a fleet's hosts
            // do) must not open it before the watch, or its opening would never be seen.
            using var watcher = SlaveWatcher.TryCreate(slavePath);
            CreateLink(slavePath);
            linked = true;
            if (watcher is null)
            {
                _log.LogWarning("inotify is not available: a host that closes and at once reopens {Link} is taken for the same host", _linkPath);
            }

            _log.LogInformation("Pseudo-terminal {Slave} linked at {Link}; waiting for a host to open it", slavePath, _linkPath);
            using var stream = new FdStream(master, ownsFd: false, hangupEndsWrites: true, sharedPoll: true);
            while (!cancellationToken.IsCancellationRequested)
            {
                bool attached = watcher is null
                    ? await WaitForHangupToEndAsync(master, cancellationToken).ConfigureAwait(false)
                    : await watcher.WaitForHostAsync(cancellationToken).ConfigureAwait(false);
                if (!attached)
                {
                    return;
                }

                await ServeHostAsync(stream, watcher, cancellationToken).ConfigureAwait(false);

                // Whatever the modem wrote that the host left unread must not reach the next host
                // before its ready (TCOFLUSH on a master drops what waits for the slave).
                Libc.TcFlush(master, TcOFlush);
                if (watcher is not { HasHost: true })
                {
                    TryMakeRaw(master);
                }
            }
        }
        finally
        {
            if (linked)
            {
                RemoveLink(slavePath);
            }

            Libc.Close(master);
        }
    }

    private const int TcOFlush = 1;

    /// <summary>One host, from the moment it opened the slave until it closed it (or the modem stops).</summary>
    private async Task ServeHostAsync(FdStream stream, SlaveWatcher? watcher, CancellationToken cancellationToken)
    {
        if (_openedLog.ShouldLog())
        {
            _log.LogInformation("Host opened {Link}", _linkPath);
        }

        using var session = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        Task departed = Task.CompletedTask;
        int departures = watcher?.Departures ?? 0;
        if (watcher is not null)
        {
            // A host that closes and reopens at once never shows the master a hang-up: the watcher ends its session.
            departed = watcher.WaitForDepartureAsync(departures, session.Token)
                .ContinueWith(t => { if (t.IsCompletedSuccessfully) { session.Cancel(); } }, CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
        }

        var pipe = new DuplexPipe(
            PipeReader.Create(stream, new StreamPipeReaderOptions(bufferSize: 4096, leaveOpen: true)),
            PipeWriter.Create(stream, new StreamPipeWriterOptions(leaveOpen: true)));
        try
        {
            await _line.ServeAsync(pipe, $"pty {_linkPath}", session.Token).ConfigureAwait(false);
        }
        catch (IOException ex)
        {
            if (_errorLog.ShouldLog())
            {
                _log.LogDebug(ex, "Pseudo-terminal session ended with an error");
            }
        }
        finally
        {
            await session.CancelAsync().ConfigureAwait(false);
            await departed.ConfigureAwait(false);
            await pipe.CompleteQuietlyAsync().ConfigureAwait(false);
        }

        if (watcher is not null && watcher.Departures == departures && !cancellationToken.IsCancellationRequested)
        {
            // The master saw the hang-up before inotify's close event came in: wait for that event,
            // or it would end the next host's session as soon as it began.
            using var settle = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            settle.CancelAfter(DepartureSettle);
            try
            {
                await watcher.WaitForDepartureAsync(departures, settle.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
            }
        }

        if (_closedLog.ShouldLog())
        {
            _log.LogInformation("Host closed {Link}", _linkPath);
        }
    }

    private void TryMakeRaw(int master)
    {
        try
        {
            Libc.MakeRaw(master);
        }
        catch (IOException ex)
        {
            if (_rawLog.ShouldLog())
            {
                _log.LogDebug(ex, "Could not put the pseudo-terminal back in raw mode");
            }
        }
    }

    /// <summary>Without inotify: waits until the master no longer reports a hang-up; false when cancelled.</summary>
    private static async Task<bool> WaitForHangupToEndAsync(int master, CancellationToken cancellationToken)
    {
        while (!cancellationToken.IsCancellationRequested)
        {
            if ((Libc.PollOne(master, Libc.PollIn, 0) & Libc.PollHup) == 0)
            {
                return true;
            }

            try
            {
                await Task.Delay(AttachPoll, cancellationToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return false;
            }
        }

        return false;
    }

    private void CreateLink(string slavePath)
    {
        var existing = new FileInfo(_linkPath);
        if (existing.LinkTarget is not null)
        {
            // Left by a modem that was killed: replace it.
            _log.LogInformation("Replacing the old link {Link} -> {Target}", _linkPath, existing.LinkTarget);
            existing.Delete();
        }
        else if (existing.Exists || Directory.Exists(_linkPath))
        {
            throw new IOException($"--pty: {_linkPath} exists and is not a symbolic link; refusing to replace it.");
        }

        File.CreateSymbolicLink(_linkPath, slavePath);
    }

    private void RemoveLink(string slavePath)
    {
        try
        {
            var link = new FileInfo(_linkPath);
            if (link.LinkTarget == slavePath)
            {
                link.Delete();
            }
        }
        catch (IOException ex)
        {
            _log.LogWarning("Could not remove {Link}: {Reason}", _linkPath, ex.Message);
        }
    }
}
