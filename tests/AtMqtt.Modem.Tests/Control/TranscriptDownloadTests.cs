using System.Security.Cryptography;
using System.Text;
using AtMqtt.Modem.Tests.Transcript;
using Xunit;

namespace AtMqtt.Modem.Tests.Control;

/// <summary>
/// GET /api/transcript, the web page's download: the session's traffic as the --transcript file has it,
/// redacted the same way (SPEC 7: the USERCFG and CWJAP passwords, LONGPASSWORD's data, the PSK).
/// </summary>
public sealed class TranscriptDownloadTests
{
    [Fact]
    public async Task The_download_is_the_session_redacted_as_the_transcript_file_is()
    {
        string password = "Pw-" + Guid.NewGuid().ToString("N");
        string longPassword = "Long-" + Guid.NewGuid().ToString("N") + Guid.NewGuid().ToString("N");
        string wifiPassword = "Wifi-" + Guid.NewGuid().ToString("N");
        string pskHex = Convert.ToHexString(RandomNumberGenerator.GetBytes(32));
        using var dir = new TempDirectory("download");
        string file = dir.PathOf("session.transcript");
        int brokerPort = FreePort.Get();
        await using var api = await ControlApi.StartAsync(
            "--transcript", file, "--embedded-broker", brokerPort.ToString(System.Globalization.CultureInfo.InvariantCulture), "--wifi", $"home:{wifiPassword}", "--psk", $"dev1:{pskHex}");
        await using (var host = await api.HostAsync())
        {
            await host.ExpectAsync($"AT+CWJAP=\"home\",\"{wifiPassword}\"", "WIFI CONNECTED\r\nWIFI GOT IP\r\n\r\nOK\r\n");
            await host.OkAsync($"AT+MQTTUSERCFG=0,1,\"download\",\"user\",\"{password}\",0,0,\"\"");

            // The long password in two reads (the modem has read the first part before the second is sent).
            await host.SendAsync($"AT+MQTTLONGPASSWORD=0,{longPassword.Length}\r\n");
            await host.ReadUntilAsync("\r\n>", ControlApi.Timeout);
            await host.SendAsync(longPassword[..20]);
            await Poll.UntilAsync(() => TcpSockets.ReceiveQueue(api.HostPort) == 0, "the modem reads the first part of the password");
            await host.SendAsync(longPassword[20..]);
            await host.ReadUntilAsync("\r\nOK\r\n", ControlApi.Timeout);

            await host.ExpectAsync($"AT+MQTTCONN=0,\"127.0.0.1\",{brokerPort},0", LiveModem.ConnectedResponse(brokerPort, 0));
            await host.OkAsync("AT+MQTTSUB=0,\"download/#\",0");
            await host.OkAsync($"AT+MQTTPUB=0,\"download/key\",\"{pskHex}\",0,0");
            await host.ReadUntilAsync($"{pskHex}\r\n", ControlApi.Timeout);
            await host.OkAsync("AT+MQTTCLEAN=0");
        }

        // The line events are made off the channel's thread: the last line is in the history once a stream shows it.
        await using (var events = await api.RawEventsAsync(since: 0))
        {
            await events.LineAsync("to-modem", "AT+MQTTCLEAN=0\\r\\n");
            await events.LineAsync("to-host", "OK\\r\\n");
        }

        using var response = await api.Http.GetAsync("/api/transcript");
        Assert.Equal("text/plain; charset=utf-8", response.Content.Headers.ContentType?.ToString());
        Assert.Equal("attachment", response.Content.Headers.ContentDisposition?.DispositionType);
        Assert.Matches($@"^""?atmqtt-{api.Process.Pid}-\d{{8}}-\d{{6}}\.transcript\.txt""?$", response.Content.Headers.ContentDisposition?.FileName);
        Assert.Equal("no-cache", response.Headers.CacheControl?.ToString());
        string download = await response.Content.ReadAsStringAsync();

        foreach (string secret in new[] { password, longPassword, wifiPassword, pskHex, pskHex.ToLowerInvariant() })
        {
            for (int i = 0; i + 12 <= secret.Length; i += 6)
            {
                Assert.DoesNotContain(secret.Substring(i, 12), download, StringComparison.Ordinal);
            }
        }

        Assert.StartsWith("# atmqtt ", download, StringComparison.Ordinal);
        Assert.DoesNotContain("# Older lines were dropped", download, StringComparison.Ordinal);
        Assert.Contains(" h>m AT+MQTTUSERCFG=0,1,\"download\",\"user\",***,0,0,\"\"\\r\\n\n", download, StringComparison.Ordinal);
        Assert.Contains(" h>m ***\n", download, StringComparison.Ordinal); // the long password's data
        Assert.Contains(" --- state: host attached\n", download, StringComparison.Ordinal);

        // Each direction, unescaped and joined, is the file's (lines may be cut at other places: two recorders).
        var file1 = TranscriptTests.Parse(await File.ReadAllTextAsync(file));
        var file2 = TranscriptTests.Parse(download);
        foreach (string tag in new[] { "h>m", "m>h" })
        {
            string fromFile = TranscriptTests.Join(file1, tag);
            Assert.Contains("download/key", fromFile, StringComparison.Ordinal);
            Assert.Equal(AtHost.Escape(fromFile), AtHost.Escape(TranscriptTests.Join(file2, tag)));
        }
    }
}
