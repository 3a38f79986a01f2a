using System.Globalization;
using AtMqtt.Core.Profiles;

namespace AtMqtt.Core.Tests.Commands.Quectel;

/// <summary>A quectel-bg95 modem in memory (result delay 0 unless given) and the steps every QMT test takes.</summary>
internal static class Quectel
{
    public const string Ok = "\r\nOK\r\n";
    public const string Error = "\r\nERROR\r\n";

    public static ModemOptions Options(TimeSpan? resultDelay = null, TimeProvider? time = null) => new()
    {
        Profile = Profile.FromName("quectel-bg95"),
        ResultDelay = resultDelay ?? TimeSpan.Zero,
        DataTimeout = TimeSpan.FromSeconds(5),
        TimeProvider = time ?? TimeProvider.System,
    };

    public static Task<InMemoryModem> StartAsync(TimeSpan? resultDelay = null, TimeProvider? time = null) =>
        InMemoryModem.StartAsync(Options(resultDelay, time));

    /// <summary>A command answered OK at once, then its result URC.</summary>
    public static async Task ActionAsync(this InMemoryModem m, string line, string urc)
    {
        await m.CommandAsync(line, Ok);
        await m.ExpectAsync("\r\n" + urc + "\r\n");
    }

    public static Task OpenAsync(this InMemoryModem m, int idx, int port) =>
        m.ActionAsync(string.Create(CultureInfo.InvariantCulture, $"AT+QMTOPEN={idx},\"127.0.0.1\",{port}"), $"+QMTOPEN: {idx},0");

    /// <summary>QMTOPEN then QMTCONN with a fresh client id (returned).</summary>
    public static async Task<string> QmtConnectAsync(this InMemoryModem m, int idx, int port, string? clientId = null)
    {
        clientId ??= Unique.Id($"q{idx}");
        await m.OpenAsync(idx, port);
        await m.ActionAsync($"AT+QMTCONN={idx},\"{clientId}\"", $"+QMTCONN: {idx},0,0");
        return clientId;
    }

    /// <summary>QMTOPEN then QMTCONN with echo off (ATE0).</summary>
    public static async Task ConnectAsyncNoEcho(this InMemoryModem m, int idx, int port)
    {
        await m.SendAsync(string.Create(CultureInfo.InvariantCulture, $"AT+QMTOPEN={idx},\"127.0.0.1\",{port}\r\n"));
        await m.ExpectAsync(Ok + $"\r\n+QMTOPEN: {idx},0\r\n");
        await m.SendAsync($"AT+QMTCONN={idx},\"{Unique.Id("q")}\"\r\n");
        await m.ExpectAsync(Ok + $"\r\n+QMTCONN: {idx},0,0\r\n");
    }
}
