using System.Globalization;

namespace AtMqtt.Core.Device;

/// <summary>
/// The simulated SIM and mobile network of a cellular module: functionality (AT+CFUN), registration
/// (AT+CREG/CGREG/CEREG, AT+COPS), packet attach (AT+CGATT), the PDP contexts (AT+CGDCONT, AT+QICSGP,
/// AT+CGACT, AT+QIACT), SIMCom's socket service (AT+NETOPEN) and SSL contexts (AT+CSSLCFG), and the
/// error reporting mode (AT+CMEE). Changes return the URCs the module writes for them (the caller queues
/// them after its response) and raise <see cref="Changed"/>, the hook the MQTT clients subscribe to.
/// </summary>
/// <remarks>
/// Commands change it on the modem's read loop; the network faults change it from the control API's
/// thread: every member that a fault touches is guarded by one lock, and events and URCs leave it
/// outside the lock.
/// </remarks>
public sealed class CellularNetwork
{
    /// <summary>AT+CREG, AT+CGREG, AT+CEREG (index into the URC modes).</summary>
    public const int Creg = 0, Cgreg = 1, Cereg = 2;

    private static readonly string[] RegistrationNames = ["+CREG", "+CGREG", "+CEREG"];

    private readonly Lock _gate = new();
    private readonly int[] _urcModes = new int[3];
    private readonly List<CellularEvent> _pending = [];
    private PdpContext[] _contexts = [];
    private int _fun;
    private bool _attached;
    private int _copsMode;
    private bool _registrationLost;
    private bool _activationRefused;
    private bool _netOpen;

    public CellularNetwork(CellularModule module)
    {
        Module = module;
        Restart();
    }

    public CellularModule Module { get; }

    /// <summary>
    /// The network changed under the MQTT clients: registration lost or back, the radio off or on, a PDP
    /// context down or up, the socket service closed. Raised outside the lock, on the thread that made
    /// the change (the read loop for a command, the control API's for a fault), after the state changed.
    /// A change that returns URCs raises its events once the caller has queued them (<see cref="RaisePending"/>,
    /// which <c>Answer.Urcs</c> calls), so the clients' lines follow the network's; the others raise at once.
    /// </summary>
    public event Action<CellularEvent>? Changed;

    /// <summary>AT+CMEE: 0 plain ERROR, 1 numeric, 2 verbose <c>+CME ERROR</c>.</summary>
    public int Cmee { get; set; }

    /// <summary>AT+COPS's format: 0 long name, 1 short name, 2 numeric.</summary>
    public int CopsFormat { get; set; }

    /// <summary>AT+QISDE: whether AT+QISEND's data is echoed (stored; no socket command reads it yet).</summary>
    public bool SendDataEcho { get; set; } = true;

    /// <summary>AT+CSSLCFG's contexts 0..9 (SIMCom): what a TLS connection of an MQTT client reads.</summary>
    public SslContext[] SslContexts { get; } = [.. Enumerable.Range(0, 10).Select(_ => new SslContext())];

    public int Fun
    {
        get
        {
            lock (_gate)
            {
                return _fun;
            }
        }
    }

    /// <summary>The SIM answers (it is powered down in AT+CFUN=0).</summary>
    public bool SimReady => Fun != 0;

    public bool Attached
    {
        get
        {
            lock (_gate)
            {
                return _attached && RegisteredLocked;
            }
        }
    }

    public int CopsMode
    {
        get
        {
            lock (_gate)
            {
                return _copsMode;
            }
        }
    }

    public bool Registered
    {
        get
        {
            lock (_gate)
            {
                return RegisteredLocked;
            }
        }
    }

    /// <summary>SIMCom AT+NETOPEN's socket service is open.</summary>
    public bool NetOpen
    {
        get
        {
            lock (_gate)
            {
                return _netOpen;
            }
        }
    }

    private bool RegisteredLocked => _fun == 1 && !_registrationLost && _copsMode != 2;

    /// <summary>Power-on state: full functionality, registered and attached, the contexts defined in NV kept.</summary>
    public void Restart()
    {
        lock (_gate)
        {
            Cmee = Module.DefaultCmee;
            CopsFormat = 0;
            SendDataEcho = true;
            Array.Clear(_urcModes);
            _fun = 1;
            _attached = true;
            _copsMode = 0;
            _netOpen = false;
            if (_contexts.Length == 0)
            {
                _contexts = [.. Enumerable.Range(0, Module.MaxContextId + 1).Select(id => new PdpContext(id))];
                _contexts[1].Define("IP", "");
            }

            foreach (var c in _contexts)
            {
                c.Active = false;
            }

            if (Module.BearerAtAttach)
            {
                _contexts[1].Active = true;
            }

            foreach (var ssl in SslContexts)
            {
                ssl.Reset();
            }
        }
    }

    // ---------------------------------------------------------------- registration

    /// <summary>The registration status of <paramref name="which"/> (27.007: 0 not registered, 1 home, 2 searching).</summary>
    public int Status(int which)
    {
        lock (_gate)
        {
            return StatusLocked(which);
        }
    }

    public int UrcMode(int which)
    {
        lock (_gate)
        {
            return _urcModes[which];
        }
    }

    public void SetUrcMode(int which, int mode)
    {
        lock (_gate)
        {
            _urcModes[which] = mode;
        }
    }

    /// <summary>The read answer: <c>+CREG: &lt;n&gt;,&lt;stat&gt;[,"&lt;lac&gt;","&lt;ci&gt;",&lt;AcT&gt;]</c>.</summary>
    public string RegistrationLine(int which)
    {
        lock (_gate)
        {
            int n = _urcModes[which];
            return string.Create(CultureInfo.InvariantCulture, $"{RegistrationNames[which]}: {n},{StatusLocked(which)}{Location(which, n)}");
        }
    }

    private int StatusLocked(int which)
    {
        if (_fun != 1 || _copsMode == 2)
        {
            return 0;
        }

        if (_registrationLost)
        {
            return 2;
        }

        return which == Creg || _attached ? 1 : 0;
    }

    private string Location(int which, int n) => n == 2 && StatusLocked(which) is 1 or 5
        ? $",\"{Module.AreaCode}\",\"{Module.CellId}\",{Module.AccessTechnology}"
        : "";

    /// <summary>Runs <paramref name="change"/> under the lock and returns the registration URCs it causes.</summary>
    private List<string> Mutate(Action change)
    {
        var urcs = new List<string>();
        lock (_gate)
        {
            Span<int> before = [StatusLocked(Creg), StatusLocked(Cgreg), StatusLocked(Cereg)];
            change();
            for (int which = 0; which < 3; which++)
            {
                int n = _urcModes[which];
                int after = StatusLocked(which);
                if (n > 0 && after != before[which])
                {
                    urcs.Add(string.Create(CultureInfo.InvariantCulture, $"{RegistrationNames[which]}: {after}{Location(which, n)}"));
                }
            }
        }

        return urcs;
    }

    // ---------------------------------------------------------------- functionality

    /// <summary>
    /// AT+CFUN=&lt;fun&gt;: 0 minimum (radio and SIM off), 1 full, 4 radio off. Leaving 1 drops the contexts and
    /// the socket service without URCs of theirs (the host asked for it); coming back from 0 the SIM
    /// announces itself again, and a module with <see cref="CellularModule.BearerAtAttach"/> brings context 1 up.
    /// </summary>
    public IReadOnlyList<string> SetFun(int fun)
    {
        int before = Fun;
        var events = new List<CellularEvent>();
        var urcs = new List<string>();
        var bearer = new List<string>();
        if (before == 0 && fun != 0)
        {
            urcs.AddRange(Module.SimReadyUrcs);
        }

        urcs.AddRange(Mutate(() =>
        {
            _fun = fun;
            if (fun != 1)
            {
                DropAllLocked(events, byNetwork: false);
            }
            else if (before != 1)
            {
                BearerAtAttachLocked(events, bearer);
            }
        }));
        urcs.AddRange(bearer);

        if (before == 1 && fun != 1)
        {
            events.Insert(0, new CellularEvent(CellularEventKind.RadioOff));
        }
        else if (before != 1 && fun == 1)
        {
            events.Insert(0, new CellularEvent(CellularEventKind.RadioOn));
        }

        Defer(events);
        return urcs;
    }

    /// <summary>AT+COPS=&lt;mode&gt;: 0 automatic and 1 manual (the one operator) register, 2 deregisters.</summary>
    public IReadOnlyList<string> SetCopsMode(int mode)
    {
        bool was = Registered;
        var events = new List<CellularEvent>();
        var urcs = Mutate(() =>
        {
            _copsMode = mode;
            if (mode == 2)
            {
                DropAllLocked(events, byNetwork: false);
            }
        });
        RegistrationEvents(was, events);
        Defer(events);
        return urcs;
    }

    /// <summary>AT+CGATT=&lt;state&gt;: false when attaching is impossible (radio off, not registered).</summary>
    public bool TrySetAttached(bool attach, out IReadOnlyList<string> urcs)
    {
        var events = new List<CellularEvent>();
        bool ok = true;
        var extra = new List<string>();
        urcs = Mutate(() =>
        {
            if (attach && !RegisteredLocked)
            {
                ok = false;
                return;
            }

            bool was = _attached;
            _attached = attach;
            if (!attach)
            {
                DropAllLocked(events, byNetwork: false);
            }
            else if (!was)
            {
                BearerAtAttachLocked(events, extra);
            }
        });
        urcs = [.. urcs, .. extra];
        Defer(events);
        return ok;
    }

    // ---------------------------------------------------------------- PDP contexts

    /// <summary>Context <paramref name="cid"/> (1..MaxContextId), or null out of range.</summary>
    public PdpContext? Context(int cid)
    {
        lock (_gate)
        {
            return cid >= 1 && cid < _contexts.Length ? _contexts[cid] : null;
        }
    }

    /// <summary>The defined contexts, lowest id first (a snapshot).</summary>
    public IReadOnlyList<PdpContextView> Contexts()
    {
        lock (_gate)
        {
            return [.. _contexts.Where(c => c.Defined).Select(c => c.View())];
        }
    }

    public void Define(int cid, string type, string apn)
    {
        lock (_gate)
        {
            _contexts[cid].Define(type, apn);
        }
    }

    /// <summary>AT+QICSGP=...: type, APN and credentials of a context (defining it).</summary>
    public void Configure(int cid, string type, string apn, string user, string password, int auth)
    {
        lock (_gate)
        {
            var c = _contexts[cid];
            c.Define(type, apn);
            c.User = user;
            c.Password = password;
            c.Auth = auth;
        }
    }

    /// <summary>AT+CGDCONT=&lt;cid&gt;: forgets an inactive context; false if it is active.</summary>
    public bool Undefine(int cid)
    {
        lock (_gate)
        {
            var c = _contexts[cid];
            if (c.Active)
            {
                return false;
            }

            c.Undefine();
            return true;
        }
    }

    /// <summary>Activates a defined context; returns the CME error when it cannot (0: done or already active).</summary>
    public int Activate(int cid)
    {
        var events = new List<CellularEvent>();
        int error;
        lock (_gate)
        {
            var c = _contexts[cid];
            error = !c.Defined ? CmeErrors.OperationNotAllowed
                : !RegisteredLocked || !_attached ? CmeErrors.NoNetworkService
                : _activationRefused ? CmeErrors.UnspecifiedGprsError
                : 0;
            if (error == 0 && !c.Active)
            {
                c.Active = true;
                events.Add(new CellularEvent(CellularEventKind.ContextActivated, cid));
            }
        }

        Raise(events);
        return error;
    }

    /// <summary>The host deactivates a context (no URC; its sockets and the MQTT clients on it go down).</summary>
    public void Deactivate(int cid)
    {
        var events = new List<CellularEvent>();
        lock (_gate)
        {
            var c = _contexts[cid];
            if (c.Active)
            {
                c.Active = false;
                events.Add(new CellularEvent(CellularEventKind.ContextDeactivated, cid));
                if (cid == 1 && _netOpen)
                {
                    _netOpen = false;
                    events.Add(new CellularEvent(CellularEventKind.NetworkClosed, cid));
                }
            }
        }

        Raise(events);
    }

    // ---------------------------------------------------------------- SIMCom socket service

    /// <summary>AT+NETOPEN: activates context 1 if needed; the CME error when it cannot (0: open).</summary>
    public int OpenNet()
    {
        int error = Activate(1);
        if (error == 0)
        {
            lock (_gate)
            {
                _netOpen = true;
            }
        }

        return error;
    }

    /// <summary>AT+NETCLOSE: false if the service was not open.</summary>
    public bool CloseNet()
    {
        var events = new List<CellularEvent>();
        lock (_gate)
        {
            if (!_netOpen)
            {
                return false;
            }

            _netOpen = false;
            events.Add(new CellularEvent(CellularEventKind.NetworkClosed, 1));
        }

        Raise(events);
        return true;
    }

    // ---------------------------------------------------------------- network faults

    /// <summary>registration-lost starts (true) or ends: the registration URCs it causes.</summary>
    public IReadOnlyList<string> SetRegistrationLost(bool lost)
    {
        bool was = Registered;
        var urcs = Mutate(() => _registrationLost = lost);
        var events = new List<CellularEvent>();
        RegistrationEvents(was, events);
        Defer(events);
        return urcs;
    }

    /// <summary>
    /// pdp-deactivated starts: the network takes every active context down (with the module's URCs) and
    /// refuses new activations until <see cref="RefuseActivation"/>(false).
    /// </summary>
    public IReadOnlyList<string> NetworkDeactivates()
    {
        var events = new List<CellularEvent>();
        var urcs = new List<string>();
        lock (_gate)
        {
            _activationRefused = true;
            DropAllLocked(events, byNetwork: true);
        }

        foreach (var e in events)
        {
            if (e.Kind == CellularEventKind.ContextDeactivated && Module.PdpDeactivatedUrc is { } pdp)
            {
                urcs.Add(string.Format(CultureInfo.InvariantCulture, pdp, e.ContextId));
            }
            else if (e.Kind == CellularEventKind.NetworkClosed && Module.NetworkClosedUrc is { } closed)
            {
                urcs.Add(closed);
            }
        }

        Defer(events);
        return urcs;
    }

    /// <summary>pdp-deactivated ended: activation works again (the host reactivates, as after a real one).</summary>
    public void RefuseActivation(bool refuse)
    {
        lock (_gate)
        {
            _activationRefused = refuse;
        }
    }

    private void DropAllLocked(List<CellularEvent> events, bool byNetwork)
    {
        foreach (var c in _contexts)
        {
            if (c.Active)
            {
                c.Active = false;
                events.Add(new CellularEvent(CellularEventKind.ContextDeactivated, c.Id, byNetwork));
            }
        }

        if (_netOpen)
        {
            _netOpen = false;
            events.Add(new CellularEvent(CellularEventKind.NetworkClosed, 1, byNetwork));
        }
    }

    private void BearerAtAttachLocked(List<CellularEvent> events, List<string> urcs)
    {
        if (Module.BearerAtAttach && RegisteredLocked && _attached && _contexts[1].Defined && !_contexts[1].Active && !_activationRefused)
        {
            _contexts[1].Active = true;
            events.Add(new CellularEvent(CellularEventKind.ContextActivated, 1));
            if (Module.BearerActivatedUrc is { } urc)
            {
                urcs.Add(urc);
            }
        }
    }

    private void RegistrationEvents(bool was, List<CellularEvent> events)
    {
        bool now = Registered;
        if (was && !now)
        {
            events.Insert(0, new CellularEvent(CellularEventKind.RegistrationLost));
        }
        else if (!was && now)
        {
            events.Insert(0, new CellularEvent(CellularEventKind.Registered));
        }
    }

    private void Raise(List<CellularEvent> events)
    {
        foreach (var e in events)
        {
            Changed?.Invoke(e);
        }
    }

    /// <summary>
    /// A change that returns URCs: its events wait until the caller has queued them (<see cref="RaisePending"/>),
    /// so what the MQTT clients write about it follows the network's own lines, as on the module
    /// (<c>+CIPEVENT: NETWORK CLOSED UNEXPECTEDLY</c>, then <c>+CMQTTCONNLOST: 0,3</c>: research §2.5).
    /// </summary>
    private void Defer(List<CellularEvent> events)
    {
        lock (_pending)
        {
            _pending.AddRange(events);
        }
    }

    /// <summary>Raises the events of the changes whose URCs were just queued (<c>Answer.Urcs</c> calls it).</summary>
    public void RaisePending()
    {
        List<CellularEvent> events;
        lock (_pending)
        {
            if (_pending.Count == 0)
            {
                return;
            }

            events = [.. _pending];
            _pending.Clear();
        }

        Raise(events);
    }
}

/// <summary>What changed in the network (<see cref="CellularNetwork.Changed"/>).</summary>
public enum CellularEventKind
{
    /// <summary>The module is no longer registered (registration-lost, AT+COPS=2): MQTT connections break.</summary>
    RegistrationLost,

    /// <summary>Registered again.</summary>
    Registered,

    /// <summary>AT+CFUN=0 or 4: the radio is off; every connection is gone.</summary>
    RadioOff,

    /// <summary>AT+CFUN=1 after 0 or 4.</summary>
    RadioOn,

    /// <summary>A PDP context went down (<see cref="CellularEvent.ByNetwork"/>: pdp-deactivated, not the host).</summary>
    ContextDeactivated,

    ContextActivated,

    /// <summary>SIMCom's AT+NETOPEN service closed (AT+NETCLOSE, or with its context).</summary>
    NetworkClosed,
}

/// <summary>One change (<see cref="CellularNetwork.Changed"/>).</summary>
/// <param name="Kind">What happened.</param>
/// <param name="ContextId">The PDP context concerned (0: none).</param>
/// <param name="ByNetwork">The network did it (a fault), not the host's command.</param>
public readonly record struct CellularEvent(CellularEventKind Kind, int ContextId = 0, bool ByNetwork = false);

/// <summary>One PDP context (AT+CGDCONT / AT+QICSGP, AT+CGACT / AT+QIACT).</summary>
public sealed class PdpContext(int id)
{
    public int Id { get; } = id;
    public bool Defined { get; private set; }
    public string Type { get; private set; } = "IP";
    public string Apn { get; private set; } = "";
    public string User { get; set; } = "";
    public string Password { get; set; } = "";
    public int Auth { get; set; }
    public bool Active { get; set; }

    /// <summary>The address the network gives the context: a private one, fixed per context id.</summary>
    public string Address => string.Create(CultureInfo.InvariantCulture, $"10.64.0.{Id + 1}");

    public void Define(string type, string apn)
    {
        Defined = true;
        Type = type;
        Apn = apn;
    }

    public void Undefine()
    {
        Defined = false;
        Type = "IP";
        Apn = "";
        User = "";
        Password = "";
        Auth = 0;
    }

    public PdpContextView View() => new(Id, Type, Apn, User, Password, Auth, Active, Address);
}

/// <summary>A snapshot of a context.</summary>
public sealed record PdpContextView(int Id, string Type, string Apn, string User, string Password, int Auth, bool Active, string Address);

/// <summary>One AT+CSSLCFG context: what a TLS connection uses (docs/cellular.md says which fields it reads).</summary>
public sealed class SslContext
{
    public int SslVersion { get; set; }
    public int AuthMode { get; set; }
    public int IgnoreLocalTime { get; set; }
    public int NegotiateTime { get; set; }
    public string CaCert { get; set; } = "";
    public string ClientCert { get; set; } = "";
    public string ClientKey { get; set; } = "";
    public string Password { get; set; } = "";
    public int EnableSni { get; set; }
    public int IgnoreCertCn { get; set; }

    /// <summary>The A76xx defaults (sslversion 4 all, authmode 0, ignorelocaltime 1, negotiatetime 300).</summary>
    public void Reset()
    {
        SslVersion = 4;
        AuthMode = 0;
        IgnoreLocalTime = 1;
        NegotiateTime = 300;
        CaCert = "";
        ClientCert = "";
        ClientKey = "";
        Password = "";
        EnableSni = 0;
        IgnoreCertCn = 0;
    }
}

/// <summary>The 3GPP TS 27.007 section 9.2 error codes this modem produces (and only those), with their verbose texts.</summary>
public static class CmeErrors
{
    public const int OperationNotAllowed = 3;
    public const int SimFailure = 13;
    public const int NoNetworkService = 30;
    public const int UnspecifiedGprsError = 148;

    /// <summary>The text AT+CMEE=2 prints for <paramref name="code"/>.</summary>
    public static string Text(int code) => code switch
    {
        OperationNotAllowed => "operation not allowed",
        SimFailure => "SIM failure",
        NoNetworkService => "no network service",
        UnspecifiedGprsError => "unspecified GPRS error",
        _ => "unknown",
    };

    /// <summary>Every code above, for the tests and the docs.</summary>
    public static IReadOnlyList<int> All { get; } = [OperationNotAllowed, SimFailure, NoNetworkService, UnspecifiedGprsError];
}
