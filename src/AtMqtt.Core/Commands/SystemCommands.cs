using System.Globalization;
using AtMqtt.Core.Device;
using AtMqtt.Core.Parsing;

namespace AtMqtt.Core.Commands;

/// <summary>AT+RESTORE, AT+SYSSTORE, AT+SYSTIMESTAMP, AT+UART_CUR, AT+UART_DEF (SPEC section 5).</summary>
internal static class SystemCommands
{
    public static readonly Command[] Commands =
    [
        new("AT+RESTORE", execute: static (m, ref _) => Restore(m), blocking: true),
        new("AT+SYSSTORE", query: QuerySysStore, set: SetSysStore),
        new("AT+SYSTIMESTAMP", query: QueryTimestamp, set: SetTimestamp),
        // Blocking (echo written first, URCs held until the final result) so that the next write
        // after the handler is exactly the OK: a paced channel switches rate after it (DeviceState.UartChanged).
        new("AT+UART_CUR", query: static (m, ref _) => QueryUart(m, "+UART_CUR:", m.Device.UartCurrent), set: SetUartCurrent, blocking: true),
        new("AT+UART_DEF", query: static (m, ref _) => QueryUart(m, "+UART_DEF:", m.Device.UartDefault), set: SetUartDefault, blocking: true),
    ];

    /// <summary>OK, then factory settings and a restart that ends with <c>ready</c>.</summary>
    private static ValueTask Restore(Modem m)
    {
        m.Response.Ok();
        m.Device.Restore();
        return m.RestartAsync();
    }

    private static ValueTask QuerySysStore(Modem m, ref ArgReader a)
    {
        m.Response.Line(m.Device.SysStore ? "+SYSSTORE:1" : "+SYSSTORE:0");
        return m.Ok();
    }

    private static ValueTask SetSysStore(Modem m, ref ArgReader a)
    {
        if (!a.Arity(1, 1) || !a.Int(0, 0, 1, out int store))
        {
            return m.Fail(a.Error);
        }

        m.Device.SysStore = store == 1;
        return m.Ok();
    }

    private static ValueTask QueryTimestamp(Modem m, ref ArgReader a)
    {
        m.Response.Line(string.Create(CultureInfo.InvariantCulture, $"+SYSTIMESTAMP:{m.Device.UnixTime}"));
        return m.Ok();
    }

    private static ValueTask SetTimestamp(Modem m, ref ArgReader a)
    {
        // ESP-AT reads it as a 32-bit signed integer.
        if (!a.Arity(1, 1) || !a.Int(0, 0, int.MaxValue, out int unix))
        {
            return m.Fail(a.Error);
        }

        m.Device.SetUnixTime(unix);
        return m.Ok();
    }

    private static ValueTask QueryUart(Modem m, string prefix, UartConfig c)
    {
        m.Response.Line(string.Create(CultureInfo.InvariantCulture,
            $"{prefix}{c.BaudRate},{c.DataBits},{c.StopBits},{c.Parity},{c.FlowControl}"));
        return m.Ok();
    }

    private static ValueTask SetUartCurrent(Modem m, ref ArgReader a)
    {
        if (!Uart(ref a, out var config))
        {
            return m.Fail(a.Error);
        }

        m.Device.UartCurrent = config;
        return m.Ok();
    }

    private static ValueTask SetUartDefault(Modem m, ref ArgReader a)
    {
        if (!Uart(ref a, out var config))
        {
            return m.Fail(a.Error);
        }

        m.Device.SetUartDefault(config);
        return m.Ok();
    }

    /// <summary>&lt;baudrate&gt;,&lt;databits&gt;,&lt;stopbits&gt;,&lt;parity&gt;,&lt;flow control&gt;, all mandatory.</summary>
    private static bool Uart(ref ArgReader a, out UartConfig config)
    {
        config = default;
        if (!a.Arity(5, 5)
            || !a.Int(0, 80, 5_000_000, out int baud)
            || !a.Int(1, 5, 8, out int dataBits)
            || !a.Int(2, 1, 3, out int stopBits)
            || !a.Int(3, 0, 2, out int parity)
            || !a.Int(4, 0, 3, out int flow))
        {
            return false;
        }

        config = new UartConfig(baud, dataBits, stopBits, parity, flow);
        return true;
    }
}
