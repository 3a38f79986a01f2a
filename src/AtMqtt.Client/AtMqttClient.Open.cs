using System.Globalization;
using System.IO.Ports;
using System.Net.Sockets;

namespace AtMqtt.Client;

public sealed partial class AtMqttClient
{
    /// <summary>
    /// Opens a module at an address and initialises it: <c>tcp://HOST:PORT</c> (a modem or serial bridge
    /// listening on TCP) or <c>serial:DEVICE[@BAUD]</c> (for example <c>serial:/dev/ttyUSB0@115200</c> or
    /// <c>serial:COM3</c>; default 115200 baud).
    /// </summary>
    /// <param name="address">Where the module is.</param>
    /// <param name="options">How to talk to the module.</param>
    /// <param name="cancellationToken">Stops connecting and initialising.</param>
    /// <exception cref="FormatException">The address is neither form.</exception>
    public static Task<AtMqttClient> OpenAsync(string address, AtMqttClientOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(address);
        if (address.StartsWith("tcp://", StringComparison.OrdinalIgnoreCase))
        {
            string rest = address["tcp://".Length..].TrimEnd('/');
            int colon = rest.LastIndexOf(':');
            if (colon <= 0 || !int.TryParse(rest[(colon + 1)..], NumberStyles.None, CultureInfo.InvariantCulture, out int port) || port is < 1 or > 65535)
            {
                throw new FormatException($"'{address}' is not tcp://HOST:PORT.");
            }

            string host = rest[..colon].Trim('[', ']');
            return OpenTcpAsync(host, port, options, cancellationToken);
        }

        if (address.StartsWith("serial:", StringComparison.OrdinalIgnoreCase))
        {
            string rest = address["serial:".Length..];
            if (rest.StartsWith("//", StringComparison.Ordinal))
            {
                rest = rest[2..];
            }

            int baud = 115200;
            int at = rest.LastIndexOf('@');
            if (at >= 0)
            {
                if (!int.TryParse(rest[(at + 1)..], NumberStyles.None, CultureInfo.InvariantCulture, out baud) || baud <= 0)
                {
                    throw new FormatException($"'{address}': the baud rate after '@' is not a number.");
                }

                rest = rest[..at];
            }

            if (rest.Length == 0)
            {
                throw new FormatException($"'{address}' names no serial device.");
            }

            return OpenSerialAsync(rest, baud, options, cancellationToken);
        }

        throw new FormatException($"'{address}' is neither tcp://HOST:PORT nor serial:DEVICE[@BAUD].");
    }

    /// <summary>Connects to a module (or serial-to-TCP bridge, or the atmqtt modem) listening on TCP and initialises it.</summary>
    /// <param name="host">Host name or address.</param>
    /// <param name="port">TCP port.</param>
    /// <param name="options">How to talk to the module.</param>
    /// <param name="cancellationToken">Stops connecting and initialising.</param>
    public static async Task<AtMqttClient> OpenTcpAsync(string host, int port, AtMqttClientOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(host);
        var tcp = new TcpClient { NoDelay = true };
        try
        {
            await tcp.ConnectAsync(host, port, cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            tcp.Dispose();
            throw;
        }

        var client = new AtMqttClient(tcp.GetStream(), options, leaveOpen: false, owner: tcp);
        return await InitializeOrDisposeAsync(client, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Opens a serial port (8 data bits, no parity, one stop bit, no flow control) to a module and initialises it.
    /// </summary>
    /// <param name="portName">The device: <c>/dev/ttyUSB0</c>, <c>/dev/serial0</c> on a Raspberry Pi, <c>COM3</c>, a pseudo-terminal.</param>
    /// <param name="baudRate">The module's baud rate (ESP-AT's default is 115200).</param>
    /// <param name="options">How to talk to the module.</param>
    /// <param name="cancellationToken">Stops initialising.</param>
    public static async Task<AtMqttClient> OpenSerialAsync(string portName, int baudRate = 115200, AtMqttClientOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(portName);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(baudRate);
        var port = new SerialPort(portName, baudRate, Parity.None, 8, StopBits.One)
        {
            Handshake = Handshake.None,
            ReadTimeout = SerialPort.InfiniteTimeout,
            WriteTimeout = SerialPort.InfiniteTimeout,
        };
        try
        {
            port.Open();
            port.DiscardInBuffer();
        }
        catch
        {
            port.Dispose();
            throw;
        }

        var client = new AtMqttClient(port.BaseStream, options, leaveOpen: false, owner: port);
        return await InitializeOrDisposeAsync(client, cancellationToken).ConfigureAwait(false);
    }

    private static async Task<AtMqttClient> InitializeOrDisposeAsync(AtMqttClient client, CancellationToken cancellationToken)
    {
        try
        {
            await client.InitializeAsync(cancellationToken).ConfigureAwait(false);
            return client;
        }
        catch
        {
            await client.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }
}
