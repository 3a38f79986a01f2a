using System.Text;
using AtMqtt.Core;
using CsCheck;
using Xunit;
using Xunit.Abstractions;

namespace AtMqtt.Core.Tests.Parsing;

/// <summary>
/// Item 5, escaping: any topic and payload, written quoted or bare with <c>\"</c>, <c>\,</c>,
/// <c>\\</c> (and needless backslashes), reaches the broker as the original bytes: the modem
/// subscribes to the escaped topic, publishes the escaped payload, and gets the exact bytes back.
/// </summary>
public sealed class EscapingRoundTripTests(MosquittoFixture mosquitto, ITestOutputHelper output) : IClassFixture<MosquittoFixture>
{
    private static readonly char[] TopicChars = "abcXYZ019/ _-.,\"\\=?!'é€中𝄞".EnumerateRunes().Select(r => r.ToString()).SelectMany(s => s).ToArray();

    private static readonly Gen<string> TopicGen = Gen.Int[0, TopicChars.Length - 1].Array[1, 24].Select(ix =>
    {
        // Whole runes only (the 𝄞 surrogate pair stays together): valid UTF-8.
        var sb = new StringBuilder("rt/");
        foreach (int i in ix)
        {
            char c = TopicChars[i];
            if (char.IsHighSurrogate(c))
            {
                sb.Append(c).Append(TopicChars[i + 1]);
            }
            else if (!char.IsLowSurrogate(c))
            {
                sb.Append(c);
            }
        }

        return sb.ToString();
    });

    private static readonly Gen<byte[]> PayloadGen = Gen.Frequency(
        (3, Gen.Byte.Array[1, 80]),
        (2, Gen.OneOf("\"\\,a 1é"u8.ToArray()).Array[1, 40])).Select(p => p.Select(b => b is (byte)'\r' or (byte)'\n' ? (byte)'n' : b).ToArray());

    /// <summary>How a value is written: quoted or bare, and which bytes get a needless backslash.</summary>
    private static readonly Gen<(bool Quoted, bool[] Extra)> FormGen = Gen.Select(Gen.Bool, Gen.Frequency((3, Gen.Const(false)), (1, Gen.Const(true))).Array[100, 100]);

    [Fact]
    public async Task AnyTopicAndPayload_SurviveEscaping_QuotedOrBare()
    {
        await using var modem = await InMemoryModem.StartAsync(new ModemOptions());
        var host = modem.Host;
        await host.SendAsync("ATE0\r\n");
        await host.ReadUntilAsync("\r\nOK\r\n", LiveModem.Timeout);
        await host.SendAsync($"AT+MQTTUSERCFG=0,1,\"{Guid.NewGuid():N}\",\"\",\"\",0,0,\"\"\r\n");
        Assert.Equal("\r\nOK\r\n", await host.ReadUntilAsync("\r\nOK\r\n", LiveModem.Timeout));
        await host.SendAsync($"AT+MQTTCONN=0,\"{FreePort.Host}\",{mosquitto.Broker.Port},0\r\n");
        Assert.EndsWith("\r\nOK\r\n", await host.ReadUntilAnyAsync(AtHost.FinalResults, LiveModem.Timeout));

        await Gen.Select(TopicGen, PayloadGen, FormGen, FormGen).SampleAsync(
            async (topic, payload, topicForm, payloadForm) =>
            {
                byte[] topicBytes = Encoding.UTF8.GetBytes(topic);
                string t = Escape(topicBytes, topicForm);
                string p = Escape(payload, payloadForm);
                string sub = $"AT+MQTTSUB=0,{t},1";
                string pub = $"AT+MQTTPUB=0,{t},{p},1,0";
                if (pub.Length > 256)
                {
                    return; // the line limit, not escaping, would answer
                }

                try
                {
                    await SendLatin1Async(host, sub + "\r\n");
                    Assert.Equal("\r\nOK\r\n", await host.ReadUntilAnyAsync(AtHost.FinalResults, LiveModem.Timeout));
                    await SendLatin1Async(host, pub + "\r\n");
                    string result = await host.ReadUntilAnyAsync(AtHost.FinalResults, LiveModem.Timeout);
                    Assert.Equal("\r\nOK\r\n", result);
                    string expected = $"+MQTTSUBRECV:0,\"{Encoding.Latin1.GetString(topicBytes)}\",{payload.Length},{Encoding.Latin1.GetString(payload)}\r\n";
                    string got = Encoding.Latin1.GetString(await host.ReadExactlyAsync(expected.Length, LiveModem.Timeout));
                    Assert.Equal(AtHost.Escape(expected), AtHost.Escape(got));
                }
                catch (Exception ex)
                {
                    // Keep the next sample (and CsCheck's shrinking) independent of this one.
                    string stray = await host.DrainAsync(TimeSpan.FromMilliseconds(300));
                    string failure = $"{ex.Message}\nsent: {AtHost.Escape(sub)} / {AtHost.Escape(pub)}\nthen: \"{AtHost.Escape(stray)}\"";
                    output.WriteLine(failure);
                    throw new InvalidOperationException(failure, ex);
                }
                finally
                {
                    await SendLatin1Async(host, $"AT+MQTTUNSUB=0,{t}\r\n");
                    Assert.EndsWith("\r\nOK\r\n", await host.ReadUntilAnyAsync(AtHost.FinalResults, LiveModem.Timeout));
                }
            },
            iter: Math.Max(300, Fuzz.Count / 100),
            threads: 1,
            writeLine: output.WriteLine,
            print: s => $"topic \"{s.Item1}\" payload \"{Fuzz.Show(s.Item2)}\" topic quoted {s.Item3.Quoted} payload quoted {s.Item4.Quoted}");
    }

    /// <summary>Writes <paramref name="value"/> as a parameter (Latin-1 text, one char a byte).</summary>
    private static string Escape(byte[] value, (bool Quoted, bool[] Extra) form)
    {
        var sb = new StringBuilder();
        if (form.Quoted)
        {
            sb.Append('"');
        }

        for (int i = 0; i < value.Length; i++)
        {
            byte b = value[i];
            bool must = b is (byte)'"' or (byte)'\\' || (!form.Quoted && b == (byte)',');
            if (must || form.Extra[i % form.Extra.Length])
            {
                sb.Append('\\');
            }

            sb.Append((char)b);
        }

        if (form.Quoted)
        {
            sb.Append('"');
        }

        return sb.ToString();
    }

    private static Task SendLatin1Async(AtHost host, string text) => host.SendBytesAsync(Encoding.Latin1.GetBytes(text));
}
