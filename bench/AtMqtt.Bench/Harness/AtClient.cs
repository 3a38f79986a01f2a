using System.Net;
using System.Net.Sockets;
using System.Text;

namespace AtMqtt.Bench.Harness;

/// <summary>
/// The host of the benchmarks: a plain blocking socket, as lean as a microcontroller's UART driver, so
/// that what is measured is the modem and not the host. One thread at a time uses it.
/// </summary>
internal sealed class AtClient : IDisposable
{
    public static ReadOnlySpan<byte> Ok => "\r\nOK\r\n"u8;
    public static ReadOnlySpan<byte> Error => "\r\nERROR\r\n"u8;
    private static ReadOnlySpan<byte> SubRecvPrefix => "+MQTTSUBRECV:0,\""u8;

    private readonly Socket _socket;
    private byte[] _buffer = new byte[256 * 1024];
    private int _start;
    private int _end;

    private AtClient(Socket socket) => _socket = socket;

    /// <summary>Bytes received in total (for diagnostics).</summary>
    public long Received { get; private set; }

    public static AtClient Connect(IPEndPoint endPoint, TimeSpan? timeout = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(10));
        while (true)
        {
            var socket = new Socket(endPoint.AddressFamily, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
            try
            {
                socket.Connect(endPoint);
                socket.ReceiveTimeout = 30_000;
                socket.SendTimeout = 30_000;
                return new AtClient(socket);
            }
            catch (SocketException) when (DateTime.UtcNow < deadline)
            {
                socket.Dispose();
                Thread.Sleep(20);
            }
        }
    }

    public void Send(ReadOnlySpan<byte> data)
    {
        while (!data.IsEmpty)
        {
            int n = _socket.Send(data);
            data = data[n..];
        }
    }

    /// <summary>Waits for <paramref name="marker"/> and consumes everything up to and including it.</summary>
    public void WaitFor(ReadOnlySpan<byte> marker)
    {
        while (true)
        {
            int i = _buffer.AsSpan(_start, _end - _start).IndexOf(marker);
            if (i >= 0)
            {
                _start += i + marker.Length;
                return;
            }

            Fill();
        }
    }

    /// <summary>
    /// Waits for the final result of a command: true for <c>OK</c>, false for <c>ERROR</c>. Everything
    /// before it (echo, information lines) is consumed.
    /// </summary>
    public bool WaitResult() => WaitForAny(Ok, Error) == 0;

    /// <summary>Waits for whichever marker comes first; consumes through it and returns 0 or 1.</summary>
    public int WaitForAny(ReadOnlySpan<byte> first, ReadOnlySpan<byte> second)
    {
        while (true)
        {
            var span = _buffer.AsSpan(_start, _end - _start);
            int a = span.IndexOf(first);
            int b = span.IndexOf(second);
            if (a >= 0 && (b < 0 || a < b))
            {
                _start += a + first.Length;
                return 0;
            }

            if (b >= 0)
            {
                _start += b + second.Length;
                return 1;
            }

            Fill();
        }
    }

    /// <summary>Sends a setup command and returns its whole response; throws on ERROR.</summary>
    public string Command(string line)
    {
        int before = _start;
        Send(Encoding.UTF8.GetBytes(line + "\r\n"));
        var text = new StringBuilder();
        while (true)
        {
            var span = _buffer.AsSpan(_start, _end - _start);
            int ok = span.IndexOf(Ok);
            int error = span.IndexOf(Error);
            int at = ok >= 0 && (error < 0 || ok < error) ? ok + Ok.Length : error >= 0 ? error + Error.Length : -1;
            if (at >= 0)
            {
                string response = Encoding.Latin1.GetString(span[..at]);
                _start += at;
                if (error >= 0 && (ok < 0 || error < ok))
                {
                    throw new InvalidOperationException($"'{line}' answered ERROR: {response.Replace("\r\n", "|", StringComparison.Ordinal)}");
                }

                return response;
            }

            Fill();
        }
    }

    /// <summary>
    /// Reads <paramref name="count"/> <c>+MQTTSUBRECV</c> lines, checking each length field against the
    /// bytes that follow. Other lines are skipped. Returns the number of payload bytes read.
    /// </summary>
    public long ReadSubRecv(int count, Action<ReadOnlySpan<byte>>? onPayload = null)
    {
        long bytes = 0;
        int seen = 0;
        while (seen < count)
        {
            if (TryTakeSubRecv(out var payload))
            {
                bytes += payload.Length;
                onPayload?.Invoke(payload);
                seen++;
                continue;
            }

            Fill();
        }

        return bytes;
    }

    /// <summary>Consumes whatever has arrived within <paramref name="quiet"/> of silence (bounded by 5 s).</summary>
    public string Drain(TimeSpan quiet)
    {
        var sb = new StringBuilder();
        sb.Append(Encoding.Latin1.GetString(_buffer, _start, _end - _start));
        _start = _end = 0;
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(5);
        while (DateTime.UtcNow < deadline && _socket.Poll((int)quiet.TotalMicroseconds, SelectMode.SelectRead))
        {
            int n = _socket.Receive(_buffer);
            if (n == 0)
            {
                break;
            }

            sb.Append(Encoding.Latin1.GetString(_buffer, 0, n));
        }

        return sb.ToString();
    }

    public void Dispose()
    {
        try
        {
            _socket.Shutdown(SocketShutdown.Both);
        }
        catch (SocketException)
        {
        }

        _socket.Dispose();
    }

    private bool TryTakeSubRecv(out ReadOnlySpan<byte> payload)
    {
        payload = default;
        var span = _buffer.AsSpan(_start, _end - _start);
        if (span.Length < SubRecvPrefix.Length)
        {
            return false;
        }

        if (!span.StartsWith(SubRecvPrefix))
        {
            // Another line (a status URC): skip it whole.
            int lf = span.IndexOf((byte)'\n');
            if (lf < 0)
            {
                return false;
            }

            _start += lf + 1;
            return TryTakeSubRecv(out payload);
        }

        int p = SubRecvPrefix.Length;
        int close = span[p..].IndexOf("\","u8);
        if (close < 0)
        {
            return false;
        }

        p += close + 2;
        int length = 0;
        while (true)
        {
            if (p >= span.Length)
            {
                return false;
            }

            byte b = span[p++];
            if (b == (byte)',')
            {
                break;
            }

            if (b < (byte)'0' || b > (byte)'9')
            {
                throw new InvalidDataException($"bad +MQTTSUBRECV length: {Encoding.Latin1.GetString(span[..Math.Min(span.Length, 80)])}");
            }

            length = (length * 10) + (b - '0');
        }

        if (span.Length < p + length + 2)
        {
            EnsureCapacity(p + length + 2);
            return false;
        }

        if (span[p + length] != (byte)'\r' || span[p + length + 1] != (byte)'\n')
        {
            throw new InvalidDataException("a +MQTTSUBRECV line is not followed by CR LF after its payload");
        }

        payload = span.Slice(p, length);
        _start += p + length + 2;
        return true;
    }

    private void EnsureCapacity(int needed)
    {
        if (needed > _buffer.Length)
        {
            var bigger = new byte[Math.Max(needed * 2, _buffer.Length * 2)];
            Buffer.BlockCopy(_buffer, _start, bigger, 0, _end - _start);
            _end -= _start;
            _start = 0;
            _buffer = bigger;
        }
    }

    private void Fill()
    {
        if (_start == _end)
        {
            _start = _end = 0;
        }
        else if (_buffer.Length - _end < 16 * 1024)
        {
            Buffer.BlockCopy(_buffer, _start, _buffer, 0, _end - _start);
            _end -= _start;
            _start = 0;
            if (_buffer.Length - _end < 16 * 1024)
            {
                Array.Resize(ref _buffer, _buffer.Length * 2);
            }
        }

        int n = _socket.Receive(_buffer, _end, _buffer.Length - _end, SocketFlags.None);
        if (n == 0)
        {
            throw new EndOfStreamException($"the modem closed the connection; unread: {Encoding.Latin1.GetString(_buffer, _start, Math.Min(200, _end - _start))}");
        }

        _end += n;
        Received += n;
    }
}
