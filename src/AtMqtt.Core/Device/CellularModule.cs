namespace AtMqtt.Core.Device;

/// <summary>
/// What one cellular module answers about itself and the simulated network, as data (one instance per
/// cellular profile: <c>quectel-bg95</c>, <c>simcom-a7670</c>). The 3GPP command handlers read it and
/// never ask which module they run in. Sources and every choice are in docs/cellular.md.
/// </summary>
public sealed record CellularModule
{
    /// <summary>AT+CGMI / AT+GMI.</summary>
    public required string Manufacturer { get; init; }

    /// <summary>AT+CGMM / AT+GMM.</summary>
    public required string Model { get; init; }

    /// <summary>ATI's lines before <c>OK</c>.</summary>
    public required IReadOnlyList<string> IdentificationLines { get; init; }

    /// <summary>AT+CGMR / AT+GMR's line: a bare revision (Quectel) or <c>+CGMR: &lt;rev&gt;</c> (SIMCom).</summary>
    public required string RevisionLine { get; init; }

    /// <summary>Vendor identification beyond 3GPP (AT+QGMR's line, AT+SIMCOMATI's lines).</summary>
    public IReadOnlyList<string> ExtendedIdentification { get; init; } = [];

    /// <summary>AT+CGSN / AT+GSN: the IMEI (a test IMEI: TAC 35 000000).</summary>
    public required string Imei { get; init; }

    /// <summary>AT+CMEE's value after power-on.</summary>
    public required int DefaultCmee { get; init; }

    /// <summary>The highest PDP context id (AT+CGDCONT, AT+QICSGP, AT+CGACT).</summary>
    public required int MaxContextId { get; init; }

    /// <summary>Fields after the PDP address in an AT+CGDCONT? line (3 on BG95/BG770A, 4 on SIMCom).</summary>
    public required int CgdcontTrailingFields { get; init; }

    /// <summary>
    /// The default EPS bearer (context 1) comes up with the attach, as on the A76xx (<c>+CGEV: EPS PDN ACT 1</c>
    /// at boot); false: context 1 waits for AT+QIACT / AT+CGACT, as BG95 hosts expect.
    /// </summary>
    public required bool BearerAtAttach { get; init; }

    /// <summary>The access technology in AT+COPS? and the registration URCs (7 E-UTRAN, 8 eMTC, 9 NB-IoT).</summary>
    public required int AccessTechnology { get; init; }

    /// <summary>AT+CSQ's <c>&lt;rssi&gt;,&lt;ber&gt;</c> while registered.</summary>
    public required string Signal { get; init; }

    /// <summary>The tracking area code, 4 hex digits (registration URCs with n=2, AT+CPSI?).</summary>
    public required string AreaCode { get; init; }

    /// <summary>The cell id, 8 hex digits (registration URCs with n=2).</summary>
    public required string CellId { get; init; }

    /// <summary>AT+CPSI?'s fields after the cell id while registered (SIMCom).</summary>
    public string ServingCellTail { get; init; } = "";

    /// <summary>The URCs of a SIM that has just become ready (after AT+CFUN=1 from 0).</summary>
    public required IReadOnlyList<string> SimReadyUrcs { get; init; }

    /// <summary>The URC when the network deactivates a context: <c>{0}</c> is the context id (none: null).</summary>
    public string? PdpDeactivatedUrc { get; init; }

    /// <summary>The URC when the default bearer comes up with the attach (<see cref="BearerAtAttach"/>).</summary>
    public string? BearerActivatedUrc { get; init; }

    /// <summary>The URC when the socket service opened with AT+NETOPEN is closed by the network (SIMCom).</summary>
    public string? NetworkClosedUrc { get; init; }

    /// <summary>Boot lines: what the module writes when it starts (and after a reset).</summary>
    public required string Boot { get; init; }

    /// <summary>The network state a Wi-Fi modem carries unused (its tables have no cellular command).</summary>
    public static readonly CellularModule None = new()
    {
        Manufacturer = "",
        Model = "",
        IdentificationLines = [],
        RevisionLine = "",
        Imei = "",
        DefaultCmee = 0,
        MaxContextId = 1,
        CgdcontTrailingFields = 3,
        BearerAtAttach = false,
        AccessTechnology = 7,
        Signal = "99,99",
        AreaCode = "0001",
        CellId = "00000A01",
        SimReadyUrcs = [],
        Boot = "ready\r\n",
    };

    /// <summary>The simulated network's operator: the 3GPP test network (MCC 001, MNC 01).</summary>
    public const string OperatorNumeric = "00101";

    public const string OperatorName = "AtMqtt";
}
