namespace AtMqtt.Core.Device;

/// <summary>
/// The simulated module around the MQTT link (SPEC section 5): Wi-Fi station, SNTP, UART and
/// system settings. A module keeps some of them in flash ("saved": AT+UART_DEF, AT+SYSSTORE,
/// AT+CWAUTOCONN, and AT+CWMODE / AT+CWJAP while AT+SYSSTORE=1) and the rest in RAM.
/// <see cref="Restart"/> (AT+RST) reloads RAM from flash; <see cref="Restore"/> (AT+RESTORE) erases
/// flash back to factory settings, and the restart that follows it loads those.
/// </summary>
/// <remarks>
/// Commands run one at a time on the modem's read loop; the SNTP completion and readers of
/// <see cref="Baud"/> on other threads only touch members guarded by a lock.
/// </remarks>
public sealed class DeviceState
{
    private static readonly DateTimeOffset Epoch = DateTimeOffset.UnixEpoch;

    private readonly Lock _gate = new();
    private readonly TimeProvider _clock;

    // Flash.
    private int _savedMode;
    private StationConfig? _savedStation;
    private UartConfig _uartDefault;
    private UartConfig _factoryUart = UartConfig.Default;

    // RAM.
    private UartConfig _uartCurrent;
    private long _bootTimestamp;

    // Time (the RTC keeps it across a software reset).
    private long _offsetSeconds;
    private bool _clockValid;

    // SNTP.
    private SntpConfig _sntp = SntpConfig.Default;
    private int _sntpGeneration;
    private bool _sntpPending;
    private bool _sntpSynced;
    private bool _shutDown;

    public DeviceState()
        : this(TimeProvider.System)
    {
    }

    public DeviceState(TimeProvider clock)
    {
        _clock = clock;
        EraseFlash();
        Restart();
    }

    // ---------------------------------------------------------------- system

    /// <summary>
    /// The user partitions and the manufacturing NVS (AT+SYSFLASH, AT+SYSMFG): what the TLS schemes read
    /// the MQTT certificates from. Neither <see cref="Restart"/> nor <see cref="Restore"/> touches it.
    /// </summary>
    public Flash Flash { get; } = new();

    /// <summary>AT+SYSSTORE: whether AT+CWMODE and AT+CWJAP also write flash. Default on; kept in flash.</summary>
    public bool SysStore { get; set; }

    /// <summary>AT+UART_CUR: the setting in use.</summary>
    public UartConfig UartCurrent
    {
        get
        {
            lock (_gate)
            {
                return _uartCurrent;
            }
        }

        set
        {
            lock (_gate)
            {
                _uartCurrent = value;
            }

            UartChanged?.Invoke(new UartChange(value, AfterResponse: true));
        }
    }

    /// <summary>AT+UART_DEF: the setting loaded at boot, kept in flash.</summary>
    public UartConfig UartDefault
    {
        get
        {
            lock (_gate)
            {
                return _uartDefault;
            }
        }
    }

    /// <summary>The baud rate in use, for pacing the channel as a UART would.</summary>
    public int Baud => UartCurrent.BaudRate;

    /// <summary>
    /// The UART setting in use changed. Raised on the thread that changed it, outside any lock.
    /// <see cref="UartChange.AfterResponse"/> tells a paced channel when the line itself switches:
    /// AT+UART_CUR / AT+UART_DEF raise it while their handler runs, after their echo went out and
    /// before their <c>OK</c> is written (both commands are blocking, so no URC can come between),
    /// and as on ESP-AT that <c>OK</c> still goes at the old rate: the channel switches once its next
    /// write is done. A restart switches at once, so <c>ready</c> goes at the new rate.
    /// </summary>
    public event Action<UartChange>? UartChanged;

    /// <summary>
    /// The setting this module left the factory with (<c>--baud</c>): written to flash and put in
    /// use, and what AT+RESTORE returns to. For the program's start, before any host.
    /// </summary>
    public void SetFactoryUart(UartConfig config)
    {
        lock (_gate)
        {
            _factoryUart = config;
            _uartDefault = config;
            _uartCurrent = config;
        }

        UartChanged?.Invoke(new UartChange(config, AfterResponse: false));
    }

    /// <summary>AT+UART_DEF=...: saved, and (as on ESP-AT) in use at once.</summary>
    public void SetUartDefault(UartConfig config)
    {
        lock (_gate)
        {
            _uartDefault = config;
            _uartCurrent = config;
        }

        UartChanged?.Invoke(new UartChange(config, AfterResponse: true));
    }

    // ---------------------------------------------------------------- time

    /// <summary>The module's clock in Unix seconds: the host computer's clock plus the AT+SYSTIMESTAMP offset.</summary>
    public long UnixTime
    {
        get
        {
            lock (_gate)
            {
                return _clock.GetUtcNow().ToUnixTimeSeconds() + _offsetSeconds;
            }
        }
    }

    /// <summary>True once SNTP synced or AT+SYSTIMESTAMP set the clock; until then a module's clock counts from 1970.</summary>
    public bool ClockValid
    {
        get
        {
            lock (_gate)
            {
                return _clockValid;
            }
        }
    }

    /// <summary>Time since start or the last restart.</summary>
    public TimeSpan Uptime => _clock.GetElapsedTime(Volatile.Read(ref _bootTimestamp));

    /// <summary>AT+SYSTIMESTAMP=...: the clock reads <paramref name="unixSeconds"/> now.</summary>
    public void SetUnixTime(long unixSeconds)
    {
        lock (_gate)
        {
            _offsetSeconds = unixSeconds - _clock.GetUtcNow().ToUnixTimeSeconds();
            _clockValid = true;
        }
    }

    /// <summary>
    /// The module's clock as UTC: <see cref="UnixTime"/> once valid, else 1970-01-01 plus the
    /// uptime, as a module shows before its first SNTP sync.
    /// </summary>
    public DateTimeOffset Now
    {
        get
        {
            lock (_gate)
            {
                return _clockValid ? _clock.GetUtcNow().AddSeconds(_offsetSeconds) : Epoch + Uptime;
            }
        }
    }

    // ---------------------------------------------------------------- Wi-Fi

    /// <summary>AT+CWINIT: the Wi-Fi driver is initialised (RAM only; 1 after boot).</summary>
    public bool WifiInitialized { get; set; }

    /// <summary>AT+CWMODE: 0 off, 1 station, 2 softAP, 3 both.</summary>
    public int WifiMode { get; private set; }

    /// <summary>The mode has the station interface (1 or 3).</summary>
    public bool StationEnabled => WifiMode is 1 or 3;

    /// <summary>AT+CWAUTOCONN: join the saved AP at boot. Default on; kept in flash.</summary>
    public bool AutoConnect { get; set; }

    /// <summary>AT+CWCOUNTRY (RAM only).</summary>
    public WifiCountry Country { get; set; }

    /// <summary>The last AT+CWJAP configuration (null before any).</summary>
    public StationConfig? Station { get; private set; }

    /// <summary>The configuration kept in flash: what a reboot reloads and auto-connects to.</summary>
    public StationConfig? SavedStation => _savedStation;

    public WifiStatus Status { get; private set; }

    /// <summary>True while joined to the simulated AP (AT+MQTTCONN checks it with --require-wifi).</summary>
    public bool WifiConnected
    {
        get => Status == WifiStatus.Connected;
        set
        {
            if (value)
            {
                Status = WifiStatus.Connected;
            }
            else if (Status == WifiStatus.Connected)
            {
                Status = WifiStatus.Disconnected;
            }
        }
    }

    /// <summary>AT+CWMODE=...: written to flash too under AT+SYSSTORE=1.</summary>
    public void SetWifiMode(int mode)
    {
        WifiMode = mode;
        if (SysStore)
        {
            _savedMode = mode;
        }
    }

    /// <summary>A successful join (AT+CWJAP, or an automatic one).</summary>
    public void Joined(StationConfig config)
    {
        Remember(config);
        Status = WifiStatus.Connected;
    }

    /// <summary>A failed AT+CWJAP: the module still keeps the configuration it tried.</summary>
    public void JoinFailed(StationConfig config)
    {
        Remember(config);
        Status = WifiStatus.Disconnected;
    }

    /// <summary>Leaves the AP (AT+CWQAP, a mode without station, AT+CWINIT=0); true if it was joined.</summary>
    public bool Disconnect()
    {
        if (Status != WifiStatus.Connected)
        {
            return false;
        }

        Status = WifiStatus.Disconnected;
        return true;
    }

    private void Remember(StationConfig config)
    {
        Station = config;
        if (SysStore)
        {
            _savedStation = config;
        }
    }

    // ---------------------------------------------------------------- SNTP

    /// <summary>AT+CIPSNTPCFG (RAM only).</summary>
    public SntpConfig Sntp
    {
        get
        {
            lock (_gate)
            {
                return _sntp;
            }
        }
    }

    /// <summary>True once an SNTP sync completed (the RTC keeps the time across AT+RST).</summary>
    public bool SntpSynced
    {
        get
        {
            lock (_gate)
            {
                return _sntpSynced;
            }
        }
    }

    /// <summary>SNTP is enabled and its first sync since the configuration has not happened yet.</summary>
    public bool SntpPending
    {
        get
        {
            lock (_gate)
            {
                return _sntpPending;
            }
        }
    }

    /// <summary>Applies an AT+CIPSNTPCFG; returns the generation a later <see cref="CompleteSntpSync"/> must match.</summary>
    public int ConfigureSntp(SntpConfig config)
    {
        lock (_gate)
        {
            _sntp = config;
            _sntpPending = config.Enabled;
            return ++_sntpGeneration;
        }
    }

    /// <summary>The generation of the current SNTP configuration.</summary>
    public int SntpGeneration
    {
        get
        {
            lock (_gate)
            {
                return _sntpGeneration;
            }
        }
    }

    /// <summary>
    /// The simulated sync finished: true (once per configuration) if it still applies, in which
    /// case the clock now reads the host computer's time and <c>+TIME_UPDATED</c> is due.
    /// </summary>
    public bool CompleteSntpSync(int generation)
    {
        lock (_gate)
        {
            if (generation != _sntpGeneration || !_sntpPending || _shutDown)
            {
                return false;
            }

            _sntpPending = false;
            _sntpSynced = true;
            _clockValid = true;
            _offsetSeconds = 0;
            return true;
        }
    }

    // ---------------------------------------------------------------- power

    /// <summary>
    /// AT+RST: RAM is reloaded from flash. The UART goes back to the AT+UART_DEF setting, Wi-Fi is
    /// initialised with the saved mode and AP, AT+CWCOUNTRY and AT+CIPSNTPCFG return to their
    /// defaults. A joined station stays joined only if auto-connect is on and the AP is saved
    /// (the module rejoins it while booting); the RTC keeps the time.
    /// </summary>
    public void Restart()
    {
        bool rejoin = WifiConnected && AutoConnect && _savedStation is not null && _savedMode is 1 or 3;
        bool uartChanged;
        UartConfig uart;
        lock (_gate)
        {
            uartChanged = _uartCurrent != _uartDefault;
            _uartCurrent = uart = _uartDefault;
            _sntp = SntpConfig.Default;
            _sntpPending = false;
            _sntpGeneration++;
            Volatile.Write(ref _bootTimestamp, _clock.GetTimestamp());
        }

        WifiInitialized = true;
        WifiMode = _savedMode;
        Country = WifiCountry.Default;
        Station = _savedStation;
        Status = rejoin ? WifiStatus.Connected : WifiStatus.NotStarted;
        if (uartChanged)
        {
            UartChanged?.Invoke(new UartChange(uart, AfterResponse: false));
        }
    }

    /// <summary>
    /// AT+RESTORE: erases flash back to factory settings and forgets the clock (the certificates in
    /// <see cref="Flash"/> stay, as ESP-AT's AT+RESTORE resets only its settings); the restart that
    /// follows (<see cref="Modem.RestartAsync"/>) loads them, so the reply to AT+RESTORE still goes
    /// out with the old UART setting, as on a module.
    /// </summary>
    public void Restore()
    {
        EraseFlash();
        lock (_gate)
        {
            _offsetSeconds = 0;
            _clockValid = false;
            _sntpSynced = false;
            _sntpPending = false;
            _sntpGeneration++;
        }

        Status = Status == WifiStatus.Connected ? WifiStatus.Disconnected : Status;
    }

    /// <summary>
    /// The modem is going away: a simulated sync still in flight completes silently. (For
    /// <see cref="Modem.DisposeAsync"/>; harmless to call twice.)
    /// </summary>
    public void Shutdown()
    {
        lock (_gate)
        {
            _shutDown = true;
            _sntpPending = false;
            _sntpGeneration++;
        }
    }

    private void EraseFlash()
    {
        SysStore = true;
        AutoConnect = true;
        _savedMode = 1;
        _savedStation = null;
        lock (_gate)
        {
            _uartDefault = _factoryUart;
        }
    }
}

/// <summary>A change of the UART setting in use (<see cref="DeviceState.UartChanged"/>).</summary>
/// <param name="Config">The new setting.</param>
/// <param name="AfterResponse">
/// True: the line switches once the response being written (AT+UART_CUR's <c>OK</c>) has gone out
/// at the old rate. False: it switches now.
/// </param>
public readonly record struct UartChange(UartConfig Config, bool AfterResponse);
