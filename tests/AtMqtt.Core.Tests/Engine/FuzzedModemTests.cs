using System.Diagnostics;
using System.Text;
using AtMqtt.Core;
using AtMqtt.Core.Dialects;
using CsCheck;
using Xunit;
using Xunit.Abstractions;

namespace AtMqtt.Core.Tests.Engine;

/// <summary>
/// Item 5 against whole modems: generated lines (command-shaped, garbage, too long; CR, LF, CR LF;
/// cut into arbitrary reads) never crash it, and each terminated line gets exactly one final result.
/// The live run sends <c>ATMQTT_FUZZ_COUNT</c> lines (default 20000) to the real program.
/// </summary>
public sealed class FuzzedModemTests(ITestOutputHelper output)
{
    [Theory]
    [InlineData("seed")]
    [InlineData("esp-at")]
    public async Task InProcess_EveryTerminatedLine_GetsExactlyOneFinalResult(string dialect)
    {
        var options = new ModemOptions { Dialect = Dialect.FromName(dialect, 65536)!, DataTimeout = TimeSpan.FromSeconds(2) };
        await Gen.Select(Fuzz.Batch, Fuzz.Chunks).SampleAsync(
            async (batch, chunks) =>
            {
                await using var modem = await InMemoryModem.StartAsync(options);
                await SendAsync(modem.Host, "ATE0\r\n");
                Assert.Equal("ATE0\r\n\r\nOK\r\n", await modem.Host.ReadUntilAsync("\r\nOK\r\n", LiveModem.Timeout));
                byte[] stream = Fuzz.Bytes(batch);
                foreach (var piece in Fuzz.Cut(stream, chunks))
                {
                    await modem.Host.SendBytesAsync(piece);
                }

                await CheckBatchAsync(modem.Host, Fuzz.Frame(stream).Count, batch);
                Assert.False(modem.Run.IsCompleted, "the modem stopped serving its host");
            },
            iter: Math.Max(500, Fuzz.Count / 20),
            writeLine: output.WriteLine,
            print: t => Fuzz.Show(t.Item1));
    }

    [Fact]
    public async Task InProcess_EchoIsExact_AndOneFinalResultFollows_LineByLine()
    {
        await using var modem = await InMemoryModem.StartAsync(new ModemOptions());
        await Gen.Select(Fuzz.LineContent, Fuzz.Terminator).SampleAsync(
            async (content, terminator) =>
            {
                // Echo stays on; lines that start unsolicited output later (SNTP, Wi-Fi) are left to the batch tests.
                string text = Encoding.Latin1.GetString(content);
                if (text == "ATE0" || text.Contains("SNTP", StringComparison.Ordinal) || text.Contains("+CW", StringComparison.Ordinal))
                {
                    return;
                }

                byte[] bytes = [.. content, .. Encoding.ASCII.GetBytes(terminator)];
                var framed = Fuzz.Frame(bytes);
                await modem.Host.SendBytesAsync(bytes);
                if (framed.Count == 0)
                {
                    return;
                }

                if (framed[0].Overflow)
                {
                    // Over 256 bytes: not kept, so not echoed.
                    Assert.Matches(@"^(ERR CODE:0x[0-9a-f]{8}\r\n)?\r\nERROR\r\n$", await modem.Host.ReadUntilAsync("\r\nERROR\r\n", LiveModem.Timeout));
                    return;
                }

                string echo = Encoding.Latin1.GetString(content) + (terminator.StartsWith("\r\n", StringComparison.Ordinal) ? "\r\n" : terminator[..1]);
                string got = Encoding.Latin1.GetString(await modem.Host.ReadExactlyAsync(echo.Length, LiveModem.Timeout));
                Assert.Equal(AtHost.Escape(echo), AtHost.Escape(got));
                string rest = await modem.Host.ReadUntilAnyAsync(AtHost.FinalResults, LiveModem.Timeout);
                Assert.Equal(1, Finals.Count(rest));
                Assert.DoesNotContain("busy p...", rest, StringComparison.Ordinal);
            },
            iter: Math.Max(2000, Fuzz.Count / 10),
            threads: 1,
            writeLine: output.WriteLine,
            print: t => Fuzz.Show(t.Item1) + Fuzz.Show(Encoding.ASCII.GetBytes(t.Item2)));

        // Nothing was left over: the next line is answered in step.
        await modem.Host.SendAsync("AT\r\n");
        Assert.Equal("AT\r\n\r\nOK\r\n", await modem.Host.ReadUntilAsync("\r\nOK\r\n", LiveModem.Timeout));
    }

    [Fact]
    public async Task LiveModem_SurvivesTheGeneratedInput_WithOneFinalResultPerLine()
    {
        long target = Fuzz.Count;
        await using var modem = await LiveModem.StartAsync();
        await modem.OkAsync("ATE0");
        long rssStart = modem.Rss();
        var sw = Stopwatch.StartNew();
        long lines = 0;
        long bytes = 0;
        var results = new FinalTally();
        while (lines < target)
        {
            long remaining = target - lines;
            await Gen.Select(Fuzz.Batch, Fuzz.Chunks).SampleAsync(
                async (batch, chunks) =>
                {
                    byte[] stream = Fuzz.Bytes(batch);
                    foreach (var piece in Fuzz.Cut(stream, chunks))
                    {
                        await modem.Host.SendBytesAsync(piece);
                    }

                    results += await CheckBatchAsync(modem.Host, Fuzz.Frame(stream).Count, batch);
                    Interlocked.Add(ref lines, batch.Length);
                    Interlocked.Add(ref bytes, stream.Length);
                },
                iter: Math.Max(1, remaining / 25),
                threads: 1,
                print: t => Fuzz.Show(t.Item1));
        }

        // Still healthy, and still the same process. A URC the generated commands set going (a Wi-Fi join's
        // WIFI DISCONNECT when it fails) may still come first: whole lines, then the one OK.
        await modem.Host.SendAsync("AT\r\n");
        string last = await modem.Host.ReadUntilAsync("\r\nOK\r\n", LiveModem.Timeout);
        Assert.Matches(@"^([^\r\n]+\r\n)*\r\nOK\r\n$", last);
        Assert.Equal(1, Finals.Count(last));
        Assert.False(modem.Process.HasExited);
        long rssEnd = modem.Rss();
        string summary = $"live fuzz: {lines} generated lines ({bytes} bytes) in {sw.Elapsed.TotalSeconds:F1} s, answered {results}; modem RSS {rssStart / 1048576.0:F1} MB -> {rssEnd / 1048576.0:F1} MB";
        output.WriteLine(summary);
        Console.WriteLine(summary);
        Assert.True(lines >= target);
        Assert.True(rssEnd - rssStart < 64L * 1024 * 1024, summary);
    }

    [Fact]
    public async Task LiveModem_EndlessLine_IsDiscardedWithoutGrowing()
    {
        await using var modem = await LiveModem.StartAsync();
        await modem.OkAsync("AT");
        long before = modem.Rss();
        var chunk = new byte[64 * 1024];
        Array.Fill(chunk, (byte)'A');
        for (int i = 0; i < 512; i++)
        {
            await modem.Host.SendBytesAsync(chunk); // 32 MB, no terminator
        }

        await modem.Host.SendAsync("\r\n");
        Assert.Equal("\r\nERROR\r\n", await modem.Host.ReadUntilAsync("\r\nERROR\r\n", LiveModem.Timeout));
        long after = modem.Rss();
        output.WriteLine($"RSS {before / 1048576.0:F1} MB before 32 MB of one line, {after / 1048576.0:F1} MB after");
        Assert.True(after - before < 24L * 1024 * 1024, $"the modem grew by {(after - before) / 1048576.0:F1} MB on one endless line");
        await modem.OkAsync("AT");
    }

    /// <summary>
    /// Sends the sentinel query and reads through its answer: the output before it must hold exactly
    /// <paramref name="expected"/> final results, and nothing after the sentinel's OK may follow at once.
    /// </summary>
    private static async Task<FinalTally> CheckBatchAsync(AtHost host, int expected, (byte[] Content, string Terminator)[] batch)
    {
        await host.SendAsync(Finals.Sentinel + "\r\n");
        string before;
        try
        {
            before = await host.ReadUntilAsync(Finals.SentinelAnswer, LiveModem.Timeout);
        }
        catch (TimeoutException ex)
        {
            throw new InvalidOperationException($"No answer to the sentinel after the batch: {Fuzz.Show(batch)}", ex);
        }

        string answer = await host.ReadUntilAsync("\r\nOK\r\n", LiveModem.Timeout);
        var results = Finals.Tally(before[..^Finals.SentinelAnswer.Length]);
        long finals = results.Total;
        if (finals != expected)
        {
            throw new InvalidOperationException(
                $"{expected} terminated lines got {finals} final results.\nOutput: \"{AtHost.Escape(before)}{AtHost.Escape(answer)}\"\nInput: {Fuzz.Show(batch)}");
        }

        Assert.DoesNotContain("\r\n\r\n", answer[..^"\r\nOK\r\n".Length]);
        return results;
    }

    private static Task SendAsync(AtHost host, string text) => host.SendBytesAsync(Encoding.ASCII.GetBytes(text));
}
