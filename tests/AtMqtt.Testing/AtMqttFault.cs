namespace AtMqtt.Testing;

/// <summary>
/// An active fault, started by <see cref="IAtMqttModem.FaultAsync"/>. Disposing it ends the fault (if it has not
/// ended by itself already), so that <c>await using</c> scopes a fault to a block of the test.
/// </summary>
public sealed class AtMqttFault : IAsyncDisposable
{
    private readonly Func<string, CancellationToken, Task<bool>> _end;
    private int _ended;

    internal AtMqttFault(AtMqttFaultInfo info, Func<string, CancellationToken, Task<bool>> end)
    {
        Info = info;
        _end = end;
    }

    /// <summary>The fault as the modem started it.</summary>
    public AtMqttFaultInfo Info { get; }

    /// <summary>Its id (<c>f1</c>, <c>f2</c>...).</summary>
    public string Id => Info.Id;

    /// <summary>Its kind.</summary>
    public string Kind => Info.Spec.Kind;

    /// <summary>
    /// Ends the fault now: true if it was still active, false if it had ended by itself (its time was up, its
    /// count used) or was cleared. A second call does nothing and returns false.
    /// </summary>
    public Task<bool> EndAsync(CancellationToken cancellationToken = default) =>
        Interlocked.Exchange(ref _ended, 1) == 0 ? _end(Id, cancellationToken) : Task.FromResult(false);

    /// <summary>Ends the fault, if it is still active.</summary>
    public async ValueTask DisposeAsync() => await EndAsync().ConfigureAwait(false);

    /// <summary>The id and kind.</summary>
    public override string ToString() => $"{Id} {Kind}";
}

/// <summary>
/// Conveniences on any <see cref="IAtMqttModem"/>: a fault's parameters as named arguments
/// (<c>modem.FaultAsync("wifi-drop", seconds: 2)</c>), a raw AT host on the host line.
/// </summary>
public static class AtMqttModemExtensions
{
    /// <summary>
    /// Starts a fault of <paramref name="kind"/> with the parameters given (docs/control.md lists which each
    /// kind takes; the modem refuses others with <see cref="AtMqttFaultException"/>). Dispose the handle to end it.
    /// </summary>
    /// <param name="modem">The modem.</param>
    /// <param name="kind"><c>wifi-drop</c>, <c>broker-unreachable</c>, <c>broker-stall</c>, <c>ack-delay</c>, <c>publish-fail</c>, <c>error</c>, <c>busy</c>, <c>urc-in-prompt</c>, <c>uart-noise</c>, <c>slow-host-link</c>.</param>
    /// <param name="seconds">How long it lasts.</param>
    /// <param name="ms">busy: how long; ack-delay: the delay of each answer.</param>
    /// <param name="packet">ack-delay: which answer (all when null).</param>
    /// <param name="count">publish-fail, error: how many.</param>
    /// <param name="command">error: the command it answers (<c>AT+MQTTPUB</c>).</param>
    /// <param name="code">error: the error code (<c>0x...</c> or decimal).</param>
    /// <param name="dropRate">uart-noise: the fraction of bytes lost.</param>
    /// <param name="flipRate">uart-noise: the fraction of bytes with a bit flipped.</param>
    /// <param name="direction">uart-noise: <c>to-host</c>, <c>to-modem</c> or <c>both</c>.</param>
    /// <param name="seed">uart-noise: the random seed.</param>
    /// <param name="baud">slow-host-link: the UART rate.</param>
    /// <param name="cancellationToken">Cancels the request.</param>
    public static Task<AtMqttFault> FaultAsync(
        this IAtMqttModem modem,
        string kind,
        double? seconds = null,
        int? ms = null,
        string? packet = null,
        int? count = null,
        string? command = null,
        string? code = null,
        double? dropRate = null,
        double? flipRate = null,
        string? direction = null,
        int? seed = null,
        int? baud = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(modem);
        return modem.FaultAsync(
            new FaultRequest(kind)
            {
                Seconds = seconds,
                Ms = ms,
                Packet = packet,
                Count = count,
                Command = command,
                Code = code,
                DropRate = dropRate,
                FlipRate = flipRate,
                Direction = direction,
                Seed = seed,
                Baud = baud,
            },
            cancellationToken);
    }

    /// <summary>A new host connection wrapped in an <see cref="AtHost"/> (raw AT, exact bytes), with the modem's <c>ready</c> read.</summary>
    public static async Task<AtHost> AttachAtHostAsync(this IAtMqttModem modem, TimeSpan? timeout = null)
    {
        ArgumentNullException.ThrowIfNull(modem);
        var host = new AtHost(await modem.OpenHostStreamAsync().ConfigureAwait(false));
        try
        {
            await host.ExpectBytesAsync("ready\r\n", timeout ?? AtMqttModem.DefaultTimeout).ConfigureAwait(false);
            return host;
        }
        catch
        {
            await host.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }
}
