using System.Text;

namespace AtMqtt.Cli.Transcript;

/// <summary>Which way bytes went.</summary>
internal enum Direction : byte
{
    /// <summary><c>h&gt;m</c>: from the host to the modem.</summary>
    HostToModem,

    /// <summary><c>m&gt;h</c>: from the modem to the host.</summary>
    ModemToHost,
}

/// <summary>Receives the traffic after redaction: bytes, and a marker where a secret was.</summary>
internal interface IRedactedSink
{
    void Byte(Direction direction, byte value);

    void Redacted(Direction direction);
}

/// <summary>
/// Removes secrets from the traffic as it streams past, whatever the chunking (SPEC section 7):
/// the password parameter of <c>AT+MQTTUSERCFG</c> (5th), <c>AT+MQTTPASSWORD</c> and <c>AT+CWJAP</c> (2nd) and
/// <c>AT+QICSGP</c> (5th), <c>AT+QMTCONN</c> (4th), <c>AT+CMQTTCONNECT</c> (6th), in the host's line and in the modem's echo of it, and in the <c>+QICSGP:</c> read-back (4th); the raw bytes of an <c>AT+MQTTLONGPASSWORD</c> data phase, and
/// of a private key written with <c>AT+SYSMFG=2,"…_key",…</c> or <c>AT+SYSFLASH=1,"…_key",…</c>, and of every
/// file a cellular host uploads (<c>AT+QFUPL</c>, <c>AT+CCERTDOWN</c>: any may be a key); a
/// private key read back (<c>+SYSMFG:"…_key",…</c>, the <c>+SYSFLASH:</c> answer to a read of a key
/// partition); and any configured secret string (<see cref="AddSecret"/>: a PSK key, the <c>--wifi</c>
/// password) wherever it appears. A redacted stretch becomes one marker.
/// </summary>
/// <remarks>
/// It errs on the side of hiding: a parameter runs to the next comma outside quotes (a backslash
/// escapes the next byte, as the modem's parser reads it), and the N bytes after an
/// <c>AT+MQTTLONGPASSWORD=0,N</c> line are hidden from the moment the line ends, even if the host
/// sends them before the <c>&gt;</c>. Only when the modem echoed that line and answered it with
/// <c>ERROR</c> or <c>busy p...</c> does the host's next traffic count as commands again. Not thread
/// safe: the caller serialises.
/// </remarks>
internal sealed class Redactor
{
    /// <summary>Secrets shorter than this are only redacted where the protocol puts them.</summary>
    public const int MinSecretLength = 4;

    private static readonly CommandRule[] Rules =
    [
        new("MQTTUSERCFG", SecretParam: 4),
        new("MQTTPASSWORD", SecretParam: 1),
        new("CWJAP", SecretParam: 1),
        new("CWJAP_CUR", SecretParam: 1),
        new("CWJAP_DEF", SecretParam: 1),

        // Quectel's PDP context credentials: AT+QICSGP=<cid>,<type>,"apn","user","pwd",<auth>, and the module's
        // read-back of them, +QICSGP: <type>,"apn","user","pwd",<auth>.
        new("QICSGP", SecretParam: 4),
        new("QICSGP", SecretParam: 3, Answer: true),

        // The cellular MQTT clients' broker passwords: AT+QMTCONN=<idx>,"id","user","pwd" and
        // AT+CMQTTCONNECT=<idx>,"server",<keepalive>,<clean>,"user","pwd".
        new("QMTCONN", SecretParam: 3),
        new("CMQTTCONNECT", SecretParam: 5),
        new("MQTTLONGPASSWORD", DataLengthParam: 1, SecretData: true),
        new("MQTTLONGCLIENTID", DataLengthParam: 1),
        new("MQTTLONGUSERNAME", DataLengthParam: 1),
        new("MQTTPUBRAW", DataLengthParam: 2),

        // AT+SYSMFG=2,"ns","key",<type>,<length>: a data phase for types 7 and 8 only (1..6 carry the number).
        new("SYSMFG", DataLengthParam: 4, Classify: static line => Param(line, 0).SequenceEqual("2"u8) && (Param(line, 3).SequenceEqual("7"u8) || Param(line, 3).SequenceEqual("8"u8))
            ? KeyStore(Param(line, 1)) ? DataKind.Secret : DataKind.Shown
            : DataKind.None, MaxData: 128 * 1024),

        // A cellular module's file uploads: AT+QFUPL="name"[,<size>...] (CONNECT, then the bytes; size 10240 when
        // left out) and AT+CCERTDOWN="name",<len> (>, then the bytes). Any file may be a private key, whatever its
        // name, so every upload's data is hidden.
        new("QFUPL", DataLengthParam: 1, SecretData: true, MaxData: 10240),
        new("CCERTDOWN", DataLengthParam: 1, SecretData: true, MaxData: 10240),

        // AT+SYSFLASH=1,"partition",<offset>,<length>: a write.
        new("SYSFLASH", DataLengthParam: 3, Classify: static line => Param(line, 0).SequenceEqual("1"u8)
            ? KeyStore(Param(line, 1)) ? DataKind.Secret : DataKind.Shown
            : DataKind.None, MaxData: 0x3000),
    ];

    private readonly LineParser _hostLine;
    private readonly LineParser _modemLine;
    private readonly SecretMatcher _hostSecrets = new(Direction.HostToModem);
    private readonly SecretMatcher _modemSecrets = new(Direction.ModemToHost);
    private readonly List<byte[]> _secrets = [];

    // The host's data phase (see remarks).
    private PhaseState _phase;
    private int _remaining;
    private bool _secretPhase;
    private byte[] _armedLine = [];
    private EchoWatch _echo;

    // A private key read back: the modem's bytes still to hide, and whether the host's last line read a key partition.
    private readonly ReadBackWatch _readBack = new();
    private int _modemHidden;
    private bool _keyPartitionRead;

    private IRedactedSink? _sink;

    public Redactor()
    {
        _hostLine = new LineParser(this, Direction.HostToModem);
        _modemLine = new LineParser(this, Direction.ModemToHost);
    }

    private enum PhaseState : byte
    {
        None,

        /// <summary>A data-phase command line was sent; its <c>&gt;</c> has not been seen.</summary>
        Armed,

        /// <summary>The <c>&gt;</c> was seen: the host's next bytes are data until any modem output.</summary>
        Prompted,
    }

    /// <summary>What a command's data phase holds (<see cref="CommandRule.Classify"/>).</summary>
    private enum DataKind : byte
    {
        /// <summary>This line starts no data phase.</summary>
        None,
        Shown,
        Secret,
    }

    private enum EchoWatch : byte
    {
        /// <summary>Waiting for the modem's echo of the armed line.</summary>
        Waiting,

        /// <summary>Echo seen: the lines after it are the response.</summary>
        InResponse,

        /// <summary>Something else came: nothing more is learnt from the modem's side.</summary>
        Closed,
    }

    /// <summary>Hides <paramref name="secret"/> wherever it appears (ignored below <see cref="MinSecretLength"/> bytes).</summary>
    public void AddSecret(string secret)
    {
        var bytes = Encoding.UTF8.GetBytes(secret);
        if (bytes.Length >= MinSecretLength && !_secrets.Any(s => s.AsSpan().SequenceEqual(bytes)))
        {
            _secrets.Add(bytes);
        }
    }

    /// <summary>Feeds bytes that went <paramref name="direction"/>; what may be shown goes to <paramref name="sink"/>.</summary>
    public void Feed(Direction direction, ReadOnlySpan<byte> bytes, IRedactedSink sink)
    {
        _sink = sink;
        foreach (byte b in bytes)
        {
            if (direction == Direction.HostToModem)
            {
                FeedHost(b);
            }
            else
            {
                FeedModem(b);
            }
        }
    }

    /// <summary>Lets out bytes held back because they might have begun a configured secret.</summary>
    public void Flush(IRedactedSink sink)
    {
        _sink = sink;
        _hostSecrets.Flush(this);
        _modemSecrets.Flush(this);
    }

    private void FeedHost(byte b)
    {
        bool inData = _phase == PhaseState.Prompted || (_phase == PhaseState.Armed && _secretPhase);
        if (inData && _remaining > 0)
        {
            if (_hostLine.TakeTerminatorLf(b))
            {
                return;
            }

            _remaining--;
            if (_secretPhase)
            {
                _hostLine.Hide();
            }
            else
            {
                Emit(Direction.HostToModem, b);
            }

            if (_remaining == 0 && _phase == PhaseState.Prompted)
            {
                _phase = PhaseState.None;
            }

            return;
        }

        _hostLine.Push(b);
    }

    private void FeedModem(byte b)
    {
        if (_modemHidden > 0)
        {
            _modemHidden--;
            _modemLine.Hide();
            return;
        }

        if (_phase == PhaseState.Prompted)
        {
            // The modem says nothing during a data phase: whatever it writes ends it (the result,
            // or the failure after the data timeout).
            _phase = PhaseState.None;
            _remaining = 0;
        }

        if (b == (byte)'>' && _modemLine.AtLineStart && _phase == PhaseState.Armed
            && (!_secretPhase || _echo == EchoWatch.InResponse))
        {
            _phase = _remaining > 0 ? PhaseState.Prompted : PhaseState.None;
        }

        _modemLine.Push(b);
        _modemHidden = _readBack.Push(b, _keyPartitionRead);
    }

    /// <summary>A whole line the host sent (terminator excluded); <paramref name="rule"/> is its command if known.</summary>
    private void HostLineEnded(ReadOnlySpan<byte> line, bool complete, CommandRule? rule)
    {
        if (_phase == PhaseState.Armed && _secretPhase && _remaining > 0)
        {
            return; // cannot happen: such bytes are data
        }

        _phase = PhaseState.None;
        _keyPartitionRead = complete && rule?.Name == "SYSFLASH" && Param(line, 0).SequenceEqual("2"u8) && KeyStore(Param(line, 1));
        if (rule is not { DataLengthParam: >= 0 } || !complete)
        {
            return;
        }

        bool secret = rule.SecretData;
        if (rule.Classify is { } classify)
        {
            var kind = classify(line);
            if (kind == DataKind.None)
            {
                return;
            }

            secret = kind == DataKind.Secret;
        }

        int length = ParamInt(line, rule.DataLengthParam);
        if (length <= 0 && !secret)
        {
            return;
        }

        _phase = PhaseState.Armed;
        _secretPhase = secret;
        _remaining = length > 0 ? length : rule.MaxData; // an unreadable length hides the most the command takes
        _armedLine = line.ToArray();
        _echo = EchoWatch.Waiting;
    }

    private void ModemLineEnded(ReadOnlySpan<byte> line, bool complete)
    {
        if (_phase != PhaseState.Armed)
        {
            return;
        }

        if (_echo == EchoWatch.Waiting)
        {
            if (complete && line.SequenceEqual(_armedLine))
            {
                _echo = EchoWatch.InResponse;
            }

            return;
        }

        if (_echo != EchoWatch.InResponse)
        {
            return;
        }

        if (line.SequenceEqual("ERROR"u8) || line.SequenceEqual("busy p..."u8) || line.StartsWith("+CME ERROR"u8))
        {
            // Refused: the host's next bytes are commands again.
            _phase = PhaseState.None;
            _remaining = 0;
        }
        else if (!(line.IsEmpty || line.SequenceEqual("OK"u8) || line.StartsWith("ERR CODE:"u8)))
        {
            _echo = EchoWatch.Closed;
        }
    }

    private void Emit(Direction direction, byte b)
    {
        var matcher = direction == Direction.HostToModem ? _hostSecrets : _modemSecrets;
        matcher.Push(this, b);
    }

    private void EmitRedacted(Direction direction)
    {
        var matcher = direction == Direction.HostToModem ? _hostSecrets : _modemSecrets;
        matcher.Flush(this);
        _sink!.Redacted(direction);
    }

    /// <summary>
    /// The integer value of parameter <paramref name="index"/> of a set command line (decimal, or <c>0x</c>
    /// hexadecimal as AT+SYSFLASH takes it), or -1.
    /// </summary>
    private static int ParamInt(ReadOnlySpan<byte> line, int index)
    {
        var text = Param(line, index);
        bool hex = text.Length > 2 && text[0] == (byte)'0' && (text[1] | 0x20) == (byte)'x';
        return text.Length is > 0 and <= 9 && int.TryParse(Encoding.ASCII.GetString(hex ? text[2..] : text), hex ? System.Globalization.NumberStyles.AllowHexSpecifier : System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out int value) ? value : -1;
    }

    /// <summary>Parameter <paramref name="index"/> of a set command line, its quotes trimmed (empty if there is none).</summary>
    private static ReadOnlySpan<byte> Param(ReadOnlySpan<byte> line, int index)
    {
        int eq = line.IndexOf((byte)'=');
        if (eq < 0)
        {
            return default;
        }

        int param = 0;
        int start = eq + 1;
        bool quoted = false;
        for (int i = eq + 1; i <= line.Length; i++)
        {
            if (i < line.Length)
            {
                byte b = line[i];
                if (b == (byte)'\\')
                {
                    i++;
                    continue;
                }

                if (b == (byte)'"')
                {
                    quoted = !quoted;
                    continue;
                }

                if (b != (byte)',' || quoted)
                {
                    continue;
                }
            }

            if (param == index)
            {
                return line[start..Math.Min(i, line.Length)].Trim((byte)'"');
            }

            param++;
            start = i + 1;
        }

        return default;
    }

    /// <summary>A namespace or partition that holds private keys (<c>mqtt_key</c>, <c>client_key</c>...).</summary>
    private static bool KeyStore(ReadOnlySpan<byte> name) => name.EndsWith("_key"u8);

    private delegate DataKind Classifier(ReadOnlySpan<byte> line);

    // Classify: for a command whose data phase depends on its parameters, whether this line starts one and
    // whether it is secret. MaxData: the most data the command takes, hidden when a secret phase's length
    // cannot be read.
    private sealed record CommandRule(string Name, int SecretParam = -1, int DataLengthParam = -1, bool SecretData = false, Classifier? Classify = null, int MaxData = 1024, bool Answer = false)
    {
        /// <summary>The command line <c>AT+NAME=</c>, or (<see cref="Answer"/>) the module's information line <c>+NAME: </c>.</summary>
        public byte[] Prefix { get; } = Encoding.ASCII.GetBytes(Answer ? "+" + Name + ": " : "AT+" + Name + "=");
    }

    /// <summary>Follows one direction's lines: which command, which parameter, what to hide.</summary>
    private sealed class LineParser(Redactor owner, Direction direction)
    {
        private const int HeadMax = 300;

        private readonly byte[] _head = new byte[HeadMax];
        private int _length;
        private bool _afterCr;
        private CommandRule? _rule;
        private bool _nameDone;
        private int _param;
        private bool _quoted;
        private bool _escape;
        private bool _hiding;

        public bool AtLineStart => _length == 0;

        /// <summary>The LF of a CR LF pair belongs to the line before it; true if <paramref name="b"/> was one.</summary>
        public bool TakeTerminatorLf(byte b)
        {
            if (_afterCr && b == (byte)'\n')
            {
                _afterCr = false;
                owner.Emit(direction, b);
                return true;
            }

            _afterCr = false;
            return false;
        }

        /// <summary>A secret data byte: shown as one marker per stretch.</summary>
        public void Hide()
        {
            if (!_hiding)
            {
                _hiding = true;
                owner.EmitRedacted(direction);
            }
        }

        public void Push(byte b)
        {
            if (TakeTerminatorLf(b))
            {
                return;
            }

            if (b is (byte)'\r' or (byte)'\n')
            {
                EndLine();
                _afterCr = b == (byte)'\r';
                owner.Emit(direction, b);
                return;
            }

            if (_hiding && _rule is null)
            {
                _hiding = false; // a secret data stretch ended: this is a new line
            }

            if (_length < HeadMax)
            {
                _head[_length] = b;
            }

            _length++;
            if (!_nameDone)
            {
                MatchName();
                owner.Emit(direction, b);
                return;
            }

            if (_rule is not { SecretParam: >= 0 } rule)
            {
                owner.Emit(direction, b);
                return;
            }

            if (_escape)
            {
                _escape = false;
            }
            else if (b == (byte)'\\')
            {
                _escape = true;
            }
            else if (b == (byte)'"')
            {
                _quoted = !_quoted;
            }
            else if (b == (byte)',' && !_quoted)
            {
                _hiding = false;
                _param++;
                owner.Emit(direction, b);
                if (_param == rule.SecretParam)
                {
                    _hiding = true;
                    owner.EmitRedacted(direction);
                }

                return;
            }

            if (!_hiding)
            {
                owner.Emit(direction, b);
            }
        }

        private void MatchName()
        {
            CommandRule? exact = null;
            bool candidate = false;
            foreach (var rule in Rules)
            {
                var prefix = rule.Prefix;
                if (_length > prefix.Length || !Ascii.EqualsIgnoreCase(_head.AsSpan(0, _length), prefix.AsSpan(0, _length)))
                {
                    continue;
                }

                candidate = true;
                if (_length == prefix.Length)
                {
                    exact = rule;
                }
            }

            if (exact is not null)
            {
                _rule = exact;
                _nameDone = true;
            }
            else if (!candidate)
            {
                _nameDone = true;
            }
        }

        private void EndLine()
        {
            var line = _head.AsSpan(0, Math.Min(_length, HeadMax));
            bool complete = _length <= HeadMax;
            var rule = _rule;
            _length = 0;
            _rule = null;
            _nameDone = false;
            _param = 0;
            _quoted = false;
            _escape = false;
            _hiding = false;
            if (direction == Direction.HostToModem)
            {
                owner.HostLineEnded(line, complete, rule);
            }
            else
            {
                owner.ModemLineEnded(line, complete);
            }
        }
    }

    /// <summary>
    /// Watches the start of each line the modem writes for a private key being read back:
    /// <c>+SYSMFG:"…_key","key",type,N,</c> or (after a read of a key partition) <c>+SYSFLASH:N,</c>;
    /// the N bytes after that prefix are the key.
    /// </summary>
    private sealed class ReadBackWatch
    {
        private const int HeadMax = 64;

        private readonly byte[] _head = new byte[HeadMax];
        private int _length;
        private int _commas;
        private bool _quoted;

        /// <summary>Takes the modem's next shown byte; returns how many bytes after it to hide (0: none).</summary>
        public int Push(byte b, bool keyPartitionRead)
        {
            if (b is (byte)'\r' or (byte)'\n')
            {
                (_length, _commas, _quoted) = (0, 0, false);
                return 0;
            }

            if (_length >= HeadMax)
            {
                return 0;
            }

            _head[_length++] = b;
            if (b == (byte)'"')
            {
                _quoted = !_quoted;
                return 0;
            }

            if (b != (byte)',' || _quoted)
            {
                return 0;
            }

            _commas++;
            var head = _head.AsSpan(0, _length - 1);
            if (_commas == 4 && head.StartsWith("+SYSMFG:\""u8))
            {
                var fields = head["+SYSMFG:".Length..];
                int close = fields[1..].IndexOf((byte)'"');
                if (close > 0 && KeyStore(fields[1..(close + 1)]))
                {
                    _length = HeadMax; // the rest of the line is data
                    return Number(fields[(fields.LastIndexOf((byte)',') + 1)..]);
                }
            }
            else if (_commas == 1 && keyPartitionRead && head.StartsWith("+SYSFLASH:"u8))
            {
                _length = HeadMax;
                return Number(head["+SYSFLASH:".Length..]);
            }

            return 0;
        }

        private static int Number(ReadOnlySpan<byte> text) =>
            text.Length is > 0 and <= 9 && int.TryParse(Encoding.ASCII.GetString(text), System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out int n) ? n : 0;
    }

    /// <summary>Finds configured secrets in one direction's shown bytes, holding back a possible beginning of one.</summary>
    private sealed class SecretMatcher(Direction direction)
    {
        private readonly List<byte> _held = [];

        public void Push(Redactor owner, byte b)
        {
            if (owner._secrets.Count == 0)
            {
                owner._sink!.Byte(direction, b);
                return;
            }

            _held.Add(b);
            while (_held.Count > 0)
            {
                var state = Match(owner._secrets);
                if (state == MatchState.Whole)
                {
                    _held.Clear();
                    owner._sink!.Redacted(direction);
                    return;
                }

                if (state == MatchState.Prefix)
                {
                    return;
                }

                owner._sink!.Byte(direction, _held[0]);
                _held.RemoveAt(0);
            }
        }

        public void Flush(Redactor owner)
        {
            foreach (byte b in _held)
            {
                owner._sink!.Byte(direction, b);
            }

            _held.Clear();
        }

        private MatchState Match(List<byte[]> secrets)
        {
            var state = MatchState.None;
            foreach (var secret in secrets)
            {
                int n = Math.Min(secret.Length, _held.Count);
                bool same = true;
                for (int i = 0; i < n && same; i++)
                {
                    same = secret[i] == _held[i];
                }

                if (!same)
                {
                    continue;
                }

                if (_held.Count >= secret.Length)
                {
                    return MatchState.Whole;
                }

                state = MatchState.Prefix;
            }

            return state;
        }

        private enum MatchState : byte
        {
            None,
            Prefix,
            Whole,
        }
    }
}
