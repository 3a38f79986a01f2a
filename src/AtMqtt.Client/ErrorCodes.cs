using System.Globalization;

namespace AtMqtt.Client;

/// <summary>
/// The subcategory byte of an ESP-AT <c>ERR CODE:0x01SSEEEE</c> line (<c>esp_at_core.h</c>).
/// </summary>
public enum AtErrorCategory
{
    /// <summary>0x00: no error.</summary>
    None = 0x00,

    /// <summary>0x01: a generic error.</summary>
    Common = 0x01,

    /// <summary>0x02: the command had no terminator.</summary>
    NoTerminator = 0x02,

    /// <summary>0x03: the line did not start with upper-case <c>AT</c>.</summary>
    NoAt = 0x03,

    /// <summary>0x04: a parameter (or the line) is too long; the extension is the parameter index.</summary>
    ParameterLengthMismatch = 0x04,

    /// <summary>0x05: a parameter has the wrong type; the extension is the parameter index.</summary>
    ParameterTypeMismatch = 0x05,

    /// <summary>0x06: wrong number of parameters; the extension is expected &lt;&lt; 8 | given.</summary>
    ParameterCountMismatch = 0x06,

    /// <summary>0x07: a parameter is out of range; the extension is the parameter index.</summary>
    ParameterInvalid = 0x07,

    /// <summary>0x08: a parameter could not be parsed; the extension is the parameter index.</summary>
    ParameterParseFailed = 0x08,

    /// <summary>0x09: the module does not know the command.</summary>
    UnsupportedCommand = 0x09,

    /// <summary>0x0A: the command failed while executing; for MQTT commands the extension is an <see cref="AtMqttError"/>.</summary>
    CommandExecutionFailed = 0x0A,

    /// <summary>0x0B: a previous command is still being processed (<c>busy p...</c>).</summary>
    Busy = 0x0B,

    /// <summary>0x0C: the command does not support this form (test, query, set, execute).</summary>
    OperationTypeError = 0x0C,
}

/// <summary>ESP-AT's MQTT failure codes (<c>AT_MQTT_*</c>), the extension of an <see cref="AtErrorCategory.CommandExecutionFailed"/> code.</summary>
public enum AtMqttError
{
    /// <summary>0x6001: AT_MQTT_NO_CONFIGURED.</summary>
    NoConfigured = 0x6001,

    /// <summary>0x6002: AT_MQTT_NOT_IN_CONFIGURED_STATE.</summary>
    NotInConfiguredState = 0x6002,

    /// <summary>0x6003: AT_MQTT_UNINITIATED_OR_ALREADY_CLEAN.</summary>
    UninitiatedOrAlreadyClean = 0x6003,

    /// <summary>0x6004: AT_MQTT_ALREADY_CONNECTED.</summary>
    AlreadyConnected = 0x6004,

    /// <summary>0x6005: AT_MQTT_MALLOC_FAILED.</summary>
    MallocFailed = 0x6005,

    /// <summary>0x6006: AT_MQTT_NULL_LINK.</summary>
    NullLink = 0x6006,

    /// <summary>0x6007: AT_MQTT_NULL_PARAMTER.</summary>
    NullParameter = 0x6007,

    /// <summary>0x6008: AT_MQTT_PARAMETER_COUNTS_IS_WRONG.</summary>
    ParameterCountsIsWrong = 0x6008,

    /// <summary>0x6009: AT_MQTT_TLS_CONFIG_ERROR.</summary>
    TlsConfigError = 0x6009,

    /// <summary>0x600A: AT_MQTT_PARAM_PREPARE_ERROR.</summary>
    ParamPrepareError = 0x600A,

    /// <summary>0x600B: AT_MQTT_CLIENT_START_FAILED.</summary>
    ClientStartFailed = 0x600B,

    /// <summary>0x600C: AT_MQTT_CLIENT_PUBLISH_FAILED.</summary>
    ClientPublishFailed = 0x600C,

    /// <summary>0x600D: AT_MQTT_CLIENT_SUBSCRIBE_FAILED.</summary>
    ClientSubscribeFailed = 0x600D,

    /// <summary>0x600E: AT_MQTT_CLIENT_UNSUBSCRIBE_FAILED.</summary>
    ClientUnsubscribeFailed = 0x600E,

    /// <summary>0x600F: AT_MQTT_CLIENT_DISCONNECT_FAILED.</summary>
    ClientDisconnectFailed = 0x600F,

    /// <summary>0x6010: AT_MQTT_LINK_ID_READ_FAILED.</summary>
    LinkIdReadFailed = 0x6010,

    /// <summary>0x6011: AT_MQTT_LINK_ID_VALUE_IS_WRONG.</summary>
    LinkIdValueIsWrong = 0x6011,

    /// <summary>0x6012: AT_MQTT_SCHEME_READ_FAILED.</summary>
    SchemeReadFailed = 0x6012,

    /// <summary>0x6013: AT_MQTT_SCHEME_VALUE_IS_WRONG.</summary>
    SchemeValueIsWrong = 0x6013,

    /// <summary>0x6014: AT_MQTT_CLIENT_ID_READ_FAILED.</summary>
    ClientIdReadFailed = 0x6014,

    /// <summary>0x6015: AT_MQTT_CLIENT_ID_IS_NULL.</summary>
    ClientIdIsNull = 0x6015,

    /// <summary>0x6016: AT_MQTT_CLIENT_ID_IS_OVERLENGTH.</summary>
    ClientIdIsOverlength = 0x6016,

    /// <summary>0x6017: AT_MQTT_USERNAME_READ_FAILED.</summary>
    UsernameReadFailed = 0x6017,

    /// <summary>0x6018: AT_MQTT_USERNAME_IS_NULL.</summary>
    UsernameIsNull = 0x6018,

    /// <summary>0x6019: AT_MQTT_USERNAME_IS_OVERLENGTH.</summary>
    UsernameIsOverlength = 0x6019,

    /// <summary>0x601A: AT_MQTT_PASSWORD_READ_FAILED.</summary>
    PasswordReadFailed = 0x601A,

    /// <summary>0x601B: AT_MQTT_PASSWORD_IS_NULL.</summary>
    PasswordIsNull = 0x601B,

    /// <summary>0x601C: AT_MQTT_PASSWORD_IS_OVERLENGTH.</summary>
    PasswordIsOverlength = 0x601C,

    /// <summary>0x601D: AT_MQTT_CERT_KEY_ID_READ_FAILED.</summary>
    CertKeyIdReadFailed = 0x601D,

    /// <summary>0x601E: AT_MQTT_CERT_KEY_ID_VALUE_IS_WRONG.</summary>
    CertKeyIdValueIsWrong = 0x601E,

    /// <summary>0x601F: AT_MQTT_CA_ID_READ_FAILED.</summary>
    CaIdReadFailed = 0x601F,

    /// <summary>0x6020: AT_MQTT_CA_ID_VALUE_IS_WRONG.</summary>
    CaIdValueIsWrong = 0x6020,

    /// <summary>0x6021: AT_MQTT_CA_LENGTH_ERROR.</summary>
    CaLengthError = 0x6021,

    /// <summary>0x6022: AT_MQTT_CA_READ_FAILED.</summary>
    CaReadFailed = 0x6022,

    /// <summary>0x6023: AT_MQTT_CERT_LENGTH_ERROR.</summary>
    CertLengthError = 0x6023,

    /// <summary>0x6024: AT_MQTT_CERT_READ_FAILED.</summary>
    CertReadFailed = 0x6024,

    /// <summary>0x6025: AT_MQTT_KEY_LENGTH_ERROR.</summary>
    KeyLengthError = 0x6025,

    /// <summary>0x6026: AT_MQTT_KEY_READ_FAILED.</summary>
    KeyReadFailed = 0x6026,

    /// <summary>0x6027: AT_MQTT_PATH_READ_FAILED.</summary>
    PathReadFailed = 0x6027,

    /// <summary>0x6028: AT_MQTT_PATH_IS_NULL.</summary>
    PathIsNull = 0x6028,

    /// <summary>0x6029: AT_MQTT_PATH_IS_OVERLENGTH.</summary>
    PathIsOverlength = 0x6029,

    /// <summary>0x602A: AT_MQTT_VERSION_READ_FAILED.</summary>
    VersionReadFailed = 0x602A,

    /// <summary>0x602B: AT_MQTT_KEEPALIVE_READ_FAILED.</summary>
    KeepaliveReadFailed = 0x602B,

    /// <summary>0x602C: AT_MQTT_KEEPALIVE_IS_NULL.</summary>
    KeepaliveIsNull = 0x602C,

    /// <summary>0x602D: AT_MQTT_KEEPALIVE_VALUE_IS_WRONG.</summary>
    KeepaliveValueIsWrong = 0x602D,

    /// <summary>0x602E: AT_MQTT_DISABLE_CLEAN_SESSION_READ_FAILED.</summary>
    DisableCleanSessionReadFailed = 0x602E,

    /// <summary>0x602F: AT_MQTT_DISABLE_CLEAN_SESSION_VALUE_IS_WRONG.</summary>
    DisableCleanSessionValueIsWrong = 0x602F,

    /// <summary>0x6030: AT_MQTT_LWT_TOPIC_READ_FAILED.</summary>
    LwtTopicReadFailed = 0x6030,

    /// <summary>0x6031: AT_MQTT_LWT_TOPIC_IS_NULL.</summary>
    LwtTopicIsNull = 0x6031,

    /// <summary>0x6032: AT_MQTT_LWT_TOPIC_IS_OVERLENGTH.</summary>
    LwtTopicIsOverlength = 0x6032,

    /// <summary>0x6033: AT_MQTT_LWT_MSG_READ_FAILED.</summary>
    LwtMsgReadFailed = 0x6033,

    /// <summary>0x6034: AT_MQTT_LWT_MSG_IS_NULL.</summary>
    LwtMsgIsNull = 0x6034,

    /// <summary>0x6035: AT_MQTT_LWT_MSG_IS_OVERLENGTH.</summary>
    LwtMsgIsOverlength = 0x6035,

    /// <summary>0x6036: AT_MQTT_LWT_QOS_READ_FAILED.</summary>
    LwtQosReadFailed = 0x6036,

    /// <summary>0x6037: AT_MQTT_LWT_QOS_VALUE_IS_WRONG.</summary>
    LwtQosValueIsWrong = 0x6037,

    /// <summary>0x6038: AT_MQTT_LWT_RETAIN_READ_FAILED.</summary>
    LwtRetainReadFailed = 0x6038,

    /// <summary>0x6039: AT_MQTT_LWT_RETAIN_VALUE_IS_WRONG.</summary>
    LwtRetainValueIsWrong = 0x6039,

    /// <summary>0x603A: AT_MQTT_HOST_READ_FAILED.</summary>
    HostReadFailed = 0x603A,

    /// <summary>0x603B: AT_MQTT_HOST_IS_NULL.</summary>
    HostIsNull = 0x603B,

    /// <summary>0x603C: AT_MQTT_HOST_IS_OVERLENGTH.</summary>
    HostIsOverlength = 0x603C,

    /// <summary>0x603D: AT_MQTT_PORT_READ_FAILED.</summary>
    PortReadFailed = 0x603D,

    /// <summary>0x603E: AT_MQTT_PORT_VALUE_IS_WRONG.</summary>
    PortValueIsWrong = 0x603E,

    /// <summary>0x603F: AT_MQTT_RECONNECT_READ_FAILED.</summary>
    ReconnectReadFailed = 0x603F,

    /// <summary>0x6040: AT_MQTT_RECONNECT_VALUE_IS_WRONG.</summary>
    ReconnectValueIsWrong = 0x6040,

    /// <summary>0x6041: AT_MQTT_TOPIC_READ_FAILED.</summary>
    TopicReadFailed = 0x6041,

    /// <summary>0x6042: AT_MQTT_TOPIC_IS_NULL.</summary>
    TopicIsNull = 0x6042,

    /// <summary>0x6043: AT_MQTT_TOPIC_IS_OVERLENGTH.</summary>
    TopicIsOverlength = 0x6043,

    /// <summary>0x6044: AT_MQTT_DATA_READ_FAILED.</summary>
    DataReadFailed = 0x6044,

    /// <summary>0x6045: AT_MQTT_DATA_IS_NULL.</summary>
    DataIsNull = 0x6045,

    /// <summary>0x6046: AT_MQTT_DATA_IS_OVERLENGTH.</summary>
    DataIsOverlength = 0x6046,

    /// <summary>0x6047: AT_MQTT_QOS_READ_FAILED.</summary>
    QosReadFailed = 0x6047,

    /// <summary>0x6048: AT_MQTT_QOS_VALUE_IS_WRONG.</summary>
    QosValueIsWrong = 0x6048,

    /// <summary>0x6049: AT_MQTT_RETAIN_READ_FAILED.</summary>
    RetainReadFailed = 0x6049,

    /// <summary>0x604A: AT_MQTT_RETAIN_VALUE_IS_WRONG.</summary>
    RetainValueIsWrong = 0x604A,

    /// <summary>0x604B: AT_MQTT_PUBLISH_LENGTH_READ_FAILED.</summary>
    PublishLengthReadFailed = 0x604B,

    /// <summary>0x604C: AT_MQTT_PUBLISH_LENGTH_VALUE_IS_WRONG.</summary>
    PublishLengthValueIsWrong = 0x604C,

    /// <summary>0x604D: AT_MQTT_RECV_LENGTH_IS_WRONG.</summary>
    RecvLengthIsWrong = 0x604D,

    /// <summary>0x604E: AT_MQTT_CREATE_SEMA_FAILED.</summary>
    CreateSemaFailed = 0x604E,

    /// <summary>0x604F: AT_MQTT_CREATE_EVENT_GROUP_FAILED.</summary>
    CreateEventGroupFailed = 0x604F,

    /// <summary>0x6050: AT_MQTT_URI_PARSE_FAILED.</summary>
    UriParseFailed = 0x6050,

    /// <summary>0x6051: AT_MQTT_IN_DISCONNECTED_STATE.</summary>
    InDisconnectedState = 0x6051,

    /// <summary>0x6052: AT_MQTT_HOSTNAME_VERIFY_FAILED.</summary>
    HostnameVerifyFailed = 0x6052,
}

/// <summary>
/// A decoded <c>ERR CODE:0x........</c> value: <c>0x01</c> | subcategory &lt;&lt; 16 | 16-bit extension.
/// </summary>
/// <param name="Value">The raw 32-bit code.</param>
public readonly record struct AtErrorCode(uint Value)
{
    /// <summary>The subcategory (bits 16..23).</summary>
    public AtErrorCategory Category => (AtErrorCategory)((Value >> 16) & 0xFF);

    /// <summary>The 16-bit extension: a parameter index, a count pair, or an MQTT code.</summary>
    public int Extension => (int)(Value & 0xFFFF);

    /// <summary>The MQTT failure, when the category is <see cref="AtErrorCategory.CommandExecutionFailed"/> and the extension is a 0x60xx code.</summary>
    public AtMqttError? MqttError =>
        Category == AtErrorCategory.CommandExecutionFailed && (Extension & 0xFF00) == 0x6000 ? (AtMqttError)Extension : null;

    /// <summary>The 0-based parameter index for the parameter categories (0x04, 0x05, 0x07, 0x08).</summary>
    public int? ParameterIndex => Category is AtErrorCategory.ParameterLengthMismatch or AtErrorCategory.ParameterTypeMismatch
        or AtErrorCategory.ParameterInvalid or AtErrorCategory.ParameterParseFailed ? Extension : null;

    /// <summary>Parses the hexadecimal part of an <c>ERR CODE:0x........</c> line.</summary>
    public static bool TryParse(string text, out AtErrorCode code)
    {
        ArgumentNullException.ThrowIfNull(text);
        var span = text.AsSpan().Trim();
        if (span.StartsWith("ERR CODE:", StringComparison.Ordinal))
        {
            span = span["ERR CODE:".Length..].Trim();
        }

        if (span.StartsWith("0x", StringComparison.OrdinalIgnoreCase))
        {
            span = span[2..];
        }

        bool ok = uint.TryParse(span, NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out uint value);
        code = new AtErrorCode(value);
        return ok;
    }

    /// <inheritdoc />
    public override string ToString()
    {
        string hex = "0x" + Value.ToString("x8", CultureInfo.InvariantCulture);
        return MqttError is { } mqtt ? $"{hex} ({mqtt})"
            : ParameterIndex is { } index ? $"{hex} ({Category}, parameter {index})"
            : $"{hex} ({Category})";
    }
}
