namespace AtMqtt.Client;

/// <summary>The base of every exception the client throws about the module or its channel.</summary>
public class AtMqttException : Exception
{
    /// <summary>Creates the exception.</summary>
    public AtMqttException()
    {
    }

    /// <summary>Creates the exception with a message.</summary>
    public AtMqttException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with a message and the failure behind it.</summary>
    public AtMqttException(string message, Exception? innerException)
        : base(message, innerException)
    {
    }
}

/// <summary>
/// The module answered a command with <c>ERROR</c> (or a PUBRAW <c>FAIL</c>). When the module writes
/// <c>ERR CODE</c> lines (the client asks for them with <c>AT+SYSLOG=1</c>), <see cref="ErrorCode"/> says why.
/// </summary>
public class AtCommandException : AtMqttException
{
    /// <summary>Creates the exception.</summary>
    public AtCommandException()
        : this("The module answered ERROR.")
    {
    }

    /// <summary>Creates the exception with a message.</summary>
    public AtCommandException(string message)
        : this(message, "", null, [])
    {
    }

    /// <summary>Creates the exception with a message and the failure behind it.</summary>
    public AtCommandException(string message, Exception? innerException)
        : base(message, innerException)
    {
        Command = "";
        ResponseLines = [];
    }

    /// <summary>Creates the exception for a command, its error code and the lines that came with the error.</summary>
    public AtCommandException(string message, string command, AtErrorCode? errorCode, IReadOnlyList<string> responseLines)
        : base(message)
    {
        Command = command;
        ErrorCode = errorCode;
        ResponseLines = responseLines;
    }

    /// <summary>The command's name (for example <c>AT+MQTTPUB</c>), never its parameters (they may hold secrets).</summary>
    public string Command { get; }

    /// <summary>The module's <c>ERR CODE</c>, when it wrote one.</summary>
    public AtErrorCode? ErrorCode { get; }

    /// <summary>The MQTT failure code, when the module gave one.</summary>
    public AtMqttError? MqttError => ErrorCode?.MqttError;

    /// <summary>Information lines the module wrote before the error (for example <c>+MQTTDISCONNECTED:0</c>).</summary>
    public IReadOnlyList<string> ResponseLines { get; }
}

/// <summary>The module did not answer a command in time.</summary>
public class AtMqttTimeoutException : AtMqttException
{
    /// <summary>Creates the exception.</summary>
    public AtMqttTimeoutException()
    {
    }

    /// <summary>Creates the exception with a message.</summary>
    public AtMqttTimeoutException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with a message and the failure behind it.</summary>
    public AtMqttTimeoutException(string message, Exception? innerException)
        : base(message, innerException)
    {
    }
}

/// <summary>The module kept answering <c>busy p...</c> until the command's time ran out.</summary>
public class AtModuleBusyException : AtMqttTimeoutException
{
    /// <summary>Creates the exception.</summary>
    public AtModuleBusyException()
    {
    }

    /// <summary>Creates the exception with a message.</summary>
    public AtModuleBusyException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with a message and the failure behind it.</summary>
    public AtModuleBusyException(string message, Exception? innerException)
        : base(message, innerException)
    {
    }
}

/// <summary>
/// The module restarted (<c>ready</c>) while a command was waiting for its answer. The command's effect
/// is lost, and so is the module's MQTT link; see <see cref="AtMqttClientOptions.RestoreSessionAfterReset"/>.
/// </summary>
public class AtModuleResetException : AtMqttException
{
    /// <summary>Creates the exception.</summary>
    public AtModuleResetException()
    {
    }

    /// <summary>Creates the exception with a message.</summary>
    public AtModuleResetException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with a message and the failure behind it.</summary>
    public AtModuleResetException(string message, Exception? innerException)
        : base(message, innerException)
    {
    }
}

/// <summary>The byte channel to the module closed or failed; the client cannot be used any more.</summary>
public class AtChannelClosedException : AtMqttException
{
    /// <summary>Creates the exception.</summary>
    public AtChannelClosedException()
    {
    }

    /// <summary>Creates the exception with a message.</summary>
    public AtChannelClosedException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with a message and the failure behind it.</summary>
    public AtChannelClosedException(string message, Exception? innerException)
        : base(message, innerException)
    {
    }
}
