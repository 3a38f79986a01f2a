namespace AtMqtt.Core.Parsing;

/// <summary>
/// ESP-AT error codes (<c>ERR CODE:0x%08x</c>): 0x01 | subcategory &lt;&lt; 16 | extension.
/// MQTT execution failures use subcategory 0x0A with ESP-AT's 0x60xx values.
/// </summary>
public static class ErrorCode
{
    public const uint NoTerminator = 0x01020000;

    /// <summary>A line over 256 bytes (ESP-AT's "parameter length mismatch" subcategory).</summary>
    public const uint LineTooLong = 0x01040000;
    public const uint NoAt = 0x01030000;
    public const uint UnsupportedCommand = 0x01090000;
    public const uint Busy = 0x010B0000;
    public const uint OperationTypeError = 0x010C0000;

    public static uint ParamCount(int need, int given) => 0x01060000u | (uint)((Math.Min(need, 255) << 8) | Math.Min(given, 255));
    public static uint ParseFail(int index) => 0x01080000u | (uint)index;
    public static uint ParamInvalid(int index) => 0x01070000u | (uint)index;
    public static uint Mqtt(ushort code) => 0x010A0000u | code;
}

/// <summary>ESP-AT's AT_MQTT_* extension values (see docs/error-codes.md).</summary>
public static class MqttError
{
    public const ushort NoConfigured = 0x6001;
    public const ushort NotInConfiguredState = 0x6002;
    public const ushort UninitiatedOrAlreadyClean = 0x6003;
    public const ushort AlreadyConnected = 0x6004;
    public const ushort ParameterCountsIsWrong = 0x6008;
    public const ushort TlsConfigError = 0x6009;
    public const ushort ClientStartFailed = 0x600B;
    public const ushort PublishFailed = 0x600C;
    public const ushort SubscribeFailed = 0x600D;
    public const ushort UnsubscribeFailed = 0x600E;
    public const ushort LinkIdReadFailed = 0x6010;
    public const ushort LinkIdValueIsWrong = 0x6011;
    public const ushort SchemeReadFailed = 0x6012;
    public const ushort SchemeValueIsWrong = 0x6013;
    public const ushort ClientIdReadFailed = 0x6014;
    public const ushort ClientIdIsNull = 0x6015;
    public const ushort ClientIdIsOverlength = 0x6016;
    public const ushort UsernameReadFailed = 0x6017;
    public const ushort UsernameIsNull = 0x6018;
    public const ushort UsernameIsOverlength = 0x6019;
    public const ushort PasswordReadFailed = 0x601A;
    public const ushort PasswordIsNull = 0x601B;
    public const ushort PasswordIsOverlength = 0x601C;
    public const ushort CertKeyIdReadFailed = 0x601D;
    public const ushort CertKeyIdValueIsWrong = 0x601E;
    public const ushort CaIdReadFailed = 0x601F;
    public const ushort CaIdValueIsWrong = 0x6020;
    public const ushort PathReadFailed = 0x6027;
    public const ushort PathIsOverlength = 0x6029;
    public const ushort KeepaliveReadFailed = 0x602B;
    public const ushort KeepaliveValueIsWrong = 0x602D;
    public const ushort DisableCleanSessionReadFailed = 0x602E;
    public const ushort DisableCleanSessionValueIsWrong = 0x602F;
    public const ushort LwtTopicReadFailed = 0x6030;
    public const ushort LwtTopicIsOverlength = 0x6032;
    public const ushort LwtMsgReadFailed = 0x6033;
    public const ushort LwtMsgIsOverlength = 0x6035;
    public const ushort LwtQosReadFailed = 0x6036;
    public const ushort LwtQosValueIsWrong = 0x6037;
    public const ushort LwtRetainReadFailed = 0x6038;
    public const ushort LwtRetainValueIsWrong = 0x6039;
    public const ushort HostReadFailed = 0x603A;
    public const ushort HostIsNull = 0x603B;
    public const ushort HostIsOverlength = 0x603C;
    public const ushort PortReadFailed = 0x603D;
    public const ushort PortValueIsWrong = 0x603E;
    public const ushort ReconnectReadFailed = 0x603F;
    public const ushort ReconnectValueIsWrong = 0x6040;
    public const ushort TopicReadFailed = 0x6041;
    public const ushort TopicIsNull = 0x6042;
    public const ushort TopicIsOverlength = 0x6043;
    public const ushort DataReadFailed = 0x6044;
    public const ushort DataIsNull = 0x6045;
    public const ushort QosReadFailed = 0x6047;
    public const ushort QosValueIsWrong = 0x6048;
    public const ushort RetainReadFailed = 0x6049;
    public const ushort RetainValueIsWrong = 0x604A;
    public const ushort PublishLengthReadFailed = 0x604B;
    public const ushort PublishLengthValueIsWrong = 0x604C;
    public const ushort InDisconnectedState = 0x6051;
    public const ushort HostnameVerifyFailed = 0x6052;
}
