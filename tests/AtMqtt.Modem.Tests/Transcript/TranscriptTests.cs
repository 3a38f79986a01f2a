using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.RegularExpressions;
using AtMqtt.Cli.Transcript;
using Xunit;

namespace AtMqtt.Modem.Tests.Transcript;

/// <summary>
/// --transcript FILE and --monitor on the real program: every byte both ways, in order, timestamped,
/// readable, and no secret in it (SPEC 7): USERCFG and CWJAP passwords, LONGPASSWORD data, the PSK.
/// </summary>
public sealed partial class TranscriptTests
{
    /// <summary>What <see cref="Join"/> puts where a secret was.</summary>
    internal const string Marker = "\u0001";

    [Fact]
    public async Task TheTranscript_HoldsEveryByteInOrder_WithTimestamps_AndNoSecret()
    {
        string password = "Pw-" + Guid.NewGuid().ToString("N");
        string longPassword = "Long-" + Guid.NewGuid().ToString("N") + Guid.NewGuid().ToString("N");
        string wifiPassword = "Wifi-" + Guid.NewGuid().ToString("N");
        string pskHex = Convert.ToHexString(RandomNumberGenerator.GetBytes(32));
        using var dir = new TempDirectory("transcript");
        string file = dir.PathOf("session.transcript");
        int channelPort = FreePort.Get();
        int brokerPort = FreePort.Get();
        var start = DateTime.UtcNow;

        await using var modem = await ModemProcess.StartAndWaitForAsync("Listening for a host", "--tcp", $"127.0.0.1:{channelPort}", "--embedded-broker", brokerPort.ToString(CultureInfo.InvariantCulture), "--transcript", file, "--monitor", "--wifi", $"home:{wifiPassword}", "--psk", $"dev1:{pskHex}");
        var sent = new StringBuilder();
        var received = new StringBuilder();
        await using (var host = await AtHost.ConnectAsync(channelPort, LiveModem.Timeout))
        {
            async Task<string> Command(string line)
            {
                sent.Append(line).Append("\r\n");
                string response = await host.CommandAsync(line);
                received.Append(response);
                return response;
            }

            received.Append(await host.ReadUntilAsync("ready\r\n", LiveModem.Timeout));
            await Command("AT");
            await Command("AT+CWMODE=1");
            Assert.EndsWith("OK\r\n", await Command($"AT+CWJAP=\"home\",\"{wifiPassword}\""), StringComparison.Ordinal);
            await Command($"AT+MQTTUSERCFG=0,1,\"transcript\",\"user\",\"{password}\",0,0,\"\"");

            // The long password in two writes that land in two reads: the second is sent once the modem has
            // read the first (its socket's receive queue is empty).
            string longCommand = $"AT+MQTTLONGPASSWORD=0,{longPassword.Length}";
            sent.Append(longCommand).Append("\r\n");
            await host.SendAsync(longCommand + "\r\n");
            received.Append(await host.ReadUntilAsync("\r\n>", LiveModem.Timeout));
            sent.Append(longPassword);
            await host.SendAsync(longPassword[..20]);
            await Poll.UntilAsync(() => TcpSockets.ReceiveQueue(channelPort) == 0, "the modem reads the first part of the password");
            await host.SendAsync(longPassword[20..]);
            received.Append(await host.ReadUntilAsync("\r\nOK\r\n", LiveModem.Timeout));

            Assert.EndsWith("OK\r\n", await Command($"AT+MQTTCONN=0,\"127.0.0.1\",{brokerPort},0"), StringComparison.Ordinal);
            await Command("AT+MQTTSUB=0,\"transcript/#\",0");
            await Command($"AT+MQTTPUB=0,\"transcript/key\",\"{pskHex}\",0,0");
            received.Append(await host.ReadUntilAsync($"{pskHex}\r\n", LiveModem.Timeout));

            // Binary data: shown escaped, byte for byte.
            byte[] raw = [(byte)'*', 0x00, 0x1B, (byte)'\\', 0xFF, (byte)'\t'];
            string rawText = Encoding.Latin1.GetString(raw);
            string pubRaw = $"AT+MQTTPUBRAW=0,\"transcript/raw\",{raw.Length},0,0";
            sent.Append(pubRaw).Append("\r\n").Append(rawText);
            await host.SendAsync(pubRaw + "\r\n");
            received.Append(await host.ReadUntilAsync("\r\n>", LiveModem.Timeout));
            await host.SendBytesAsync(raw);
            received.Append(await host.ReadUntilAsync("+MQTTPUBRAW:OK\r\n", LiveModem.Timeout));
            received.Append(await host.ReadUntilAsync($"{rawText}\r\n", LiveModem.Timeout));
            await Command("AT+MQTTCLEAN=0");
        }

        await modem.WaitForStdErrAsync("host detached", LiveModem.Timeout);
        Assert.Equal(0, await modem.TerminateAsync());
        var end = DateTime.UtcNow;
        string transcript = await File.ReadAllTextAsync(file);

        // Redaction: the file (and the live view) never holds a secret, nor a sizeable piece of one.
        foreach (string secret in new[] { password, longPassword, wifiPassword, pskHex, pskHex.ToLowerInvariant() })
        {
            for (int i = 0; i + 12 <= secret.Length; i += 6)
            {
                Assert.DoesNotContain(secret.Substring(i, 12), transcript, StringComparison.Ordinal);
                Assert.DoesNotContain(secret.Substring(i, 12), modem.StdErr, StringComparison.Ordinal);
            }
        }

        // Content: each direction, unescaped and joined, is exactly the traffic with each secret as one marker.
        var records = Parse(transcript);
        string Expected(StringBuilder traffic) => traffic.ToString()
            .Replace($"\"{password}\"", Marker, StringComparison.Ordinal)
            .Replace($"\"{wifiPassword}\"", Marker, StringComparison.Ordinal)
            .Replace(longPassword, Marker, StringComparison.Ordinal)
            .Replace(pskHex, Marker, StringComparison.Ordinal);
        Assert.Equal(AtHost.Escape(Expected(sent)), AtHost.Escape(Join(records, "h>m")));
        Assert.Equal(AtHost.Escape(Expected(received)), AtHost.Escape(Join(records, "m>h")));
        Assert.Contains(records, r => r.Tag == "m>h" && r.Text == "+MQTTSUBRECV:0,\"transcript/raw\",6,\\*\\x00\\x1B\\\\\\xFF\\t\\r\\n");

        // Order: the channel opens, ready comes first, each command before its echo and its answer.
        Assert.Equal(("---", "host attached"), (records[0].Tag, records[0].Text[..13]));
        Assert.Equal(("m>h", "ready\\r\\n"), (records[1].Tag, records[1].Text));
        int command = records.FindIndex(r => r.Tag == "h>m" && r.Text.StartsWith("AT+MQTTUSERCFG", StringComparison.Ordinal));
        int echo = records.FindIndex(r => r.Tag == "m>h" && r.Text.StartsWith("AT+MQTTUSERCFG", StringComparison.Ordinal));
        int ok = records.FindIndex(echo, r => r.Tag == "m>h" && r.Text == "OK\\r\\n");
        Assert.True(command >= 0 && command < echo && echo < ok, $"{command} {echo} {ok}");
        Assert.Equal(("---", "host detached"), (records[^1].Tag, records[^1].Text[..13]));

        // Timestamps: UTC, within the test, never going back.
        var previous = TimeSpan.Zero;
        foreach (var record in records)
        {
            Assert.InRange(record.Time, start.TimeOfDay - TimeSpan.FromSeconds(2), end.TimeOfDay + TimeSpan.FromSeconds(2));
            Assert.True(record.Time >= previous, $"{record.Time} after {previous}");
            previous = record.Time;
        }

        // The live view: the same records; plain, since stderr is a pipe here (MonitorTests: colours on a terminal).
        Assert.Contains(" h>m AT+MQTTUSERCFG=0,1,\"transcript\",\"user\",***", modem.StdErr, StringComparison.Ordinal);
        Assert.Contains(" m>h ready\\r\\n", modem.StdErr, StringComparison.Ordinal);
        Assert.DoesNotContain("\u001b", modem.StdErr, StringComparison.Ordinal);
    }

    /// <summary>The records of a transcript (the --transcript file, GET /api/transcript); # lines left out.</summary>
    internal static List<Record> Parse(string transcript)
    {
        var records = new List<Record>();
        foreach (string line in transcript.Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            if (line.StartsWith('#'))
            {
                continue;
            }

            var match = RecordLine().Match(line);
            Assert.True(match.Success, $"not a transcript record: {line}");
            records.Add(new Record(
                TimeSpan.ParseExact(match.Groups[1].Value, @"hh\:mm\:ss\.ffffff", CultureInfo.InvariantCulture),
                match.Groups[2].Value,
                match.Groups[3].Value));
        }

        return records;
    }

    /// <summary>One direction's traffic, unescaped and joined, <see cref="Marker"/> where a secret was.</summary>
    internal static string Join(List<Record> records, string tag) => string.Concat(records
        .Where(r => r.Tag == tag)
        .Select(r => Encoding.Latin1.GetString(TextEscape.Unescape(r.Text, Encoding.Latin1.GetBytes(Marker)))));

    [GeneratedRegex(@"^(\d\d:\d\d:\d\d\.\d{6}) (h>m|m>h|---) (.*)$")]
    private static partial Regex RecordLine();

    internal sealed record Record(TimeSpan Time, string Tag, string Text);
}
