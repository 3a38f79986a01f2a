using System.Globalization;
using System.Text;
using Xunit;

namespace AtMqtt.Modem.Tests.Transcript;

/// <summary>
/// --transcript and --monitor on the real program while a private key goes over AT (SPEC 7): written with
/// AT+SYSMFG (esp-at-4.1) or AT+SYSFLASH in an AtPKI bin (esp-at-2.2), and read back; no piece of the key
/// is in the file or on stderr, while the certificate written beside it is shown.
/// </summary>
public sealed class KeyTranscriptTests
{
    [Theory]
    [InlineData("esp-at-4.1")]
    [InlineData("esp-at-2.2")]
    public async Task A_key_written_and_read_back_over_AT_is_not_in_the_transcript(string profile)
    {
        var pki = Pki.Create("Transcript CA");
        var client = pki.Client("transcript-client");
        using var dir = new TempDirectory("keytranscript");
        string file = dir.PathOf("session.transcript");
        int channelPort = FreePort.Get();

        await using var modem = await ModemProcess.StartAndWaitForAsync("Listening for a host", "--tcp", $"127.0.0.1:{channelPort}", "--profile", profile, "--transcript", file, "--monitor");
        await using (var host = await AtHost.ConnectAsync(channelPort, LiveModem.Timeout))
        {
            await host.ReadUntilAsync("ready\r\n", LiveModem.Timeout);
            if (profile == "esp-at-4.1")
            {
                await WriteAsync(host, "AT+SYSMFG=2,\"mqtt_cert\",\"mqtt_cert\",8,{0}", "\r\nOK\r\n\r\n>", Encoding.ASCII.GetBytes(client.CertificatePem));
                await WriteAsync(host, "AT+SYSMFG=2,\"mqtt_key\",\"mqtt_key\",8,{0}", "\r\nOK\r\n\r\n>", Encoding.ASCII.GetBytes(client.KeyPem));
                await host.CommandAsync("AT+SYSMFG=1,\"mqtt_key\",\"mqtt_key\"");
                await host.CommandAsync("AT+SYSMFG=1,\"mqtt_key\",\"mqtt_key\",30,60");
            }
            else
            {
                byte[] key = AtPkiBin.Build((AtPkiBin.Key, Encoding.ASCII.GetBytes(client.KeyPem)));
                await host.OkAsync("AT+SYSFLASH=0,\"mqtt_key\"", LiveModem.Timeout);
                await WriteAsync(host, "AT+SYSFLASH=1,\"mqtt_key\",0,{0}", "\r\n>", key);
                await host.CommandAsync($"AT+SYSFLASH=2,\"mqtt_key\",0,{key.Length}");
                await host.CommandAsync("AT+SYSFLASH=2,\"mqtt_key\",0x10,0x40");
                await host.OkAsync("AT+SYSFLASH=0,\"mqtt_cert\"", LiveModem.Timeout);
                await WriteAsync(host, "AT+SYSFLASH=1,\"mqtt_cert\",0,{0}", "\r\n>", Encoding.ASCII.GetBytes(client.CertificatePem));
            }

            await host.OkAsync("AT", LiveModem.Timeout);
        }

        await modem.WaitForStdErrAsync("host detached", LiveModem.Timeout);
        Assert.Equal(0, await modem.TerminateAsync());
        string transcript = await File.ReadAllTextAsync(file);

        string body = client.KeyPemBody;
        for (int i = 0; i + 12 <= body.Length; i += 6)
        {
            string piece = body.Substring(i, 12);
            if (client.CertificatePem.Replace("\n", "", StringComparison.Ordinal).Contains(piece, StringComparison.Ordinal))
            {
                continue; // an algorithm identifier the certificate (shown) carries too
            }

            Assert.False(transcript.Contains(piece, StringComparison.Ordinal), $"a piece of the key ({piece}) is in the transcript:\n{transcript}");
            Assert.False(modem.StdErr.Contains(piece, StringComparison.Ordinal), $"a piece of the key ({piece}) is on stderr:\n{modem.StdErr}");
        }

        // The certificate is no secret: its lines are there, as the traffic went.
        string certificateLine = client.CertificatePem.Split('\n')[1];
        Assert.Contains(certificateLine, transcript, StringComparison.Ordinal);
        Assert.Contains("AT+", transcript, StringComparison.Ordinal);
    }

    /// <summary>Sends the command (its length filled in), waits for exactly its echo and prompt, sends the bytes, waits for OK.</summary>
    private static async Task WriteAsync(AtHost host, string format, string prompt, byte[] data)
    {
        string line = string.Format(CultureInfo.InvariantCulture, format, data.Length);
        await host.SendAsync(line + "\r\n");
        await host.ExpectBytesAsync(line + "\r\n" + prompt, LiveModem.Timeout);
        await host.SendBytesAsync(data);
        await host.ExpectBytesAsync("\r\nOK\r\n", LiveModem.Timeout);
    }
}
