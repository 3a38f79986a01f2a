using System.Buffers;
using AtMqtt.Core.Framing;
using AtMqtt.Core.Parsing;
using CsCheck;
using Xunit;
using Xunit.Abstractions;

namespace AtMqtt.Core.Tests.Parsing;

/// <summary>
/// Item 5, the pure part: the framer and the parser under CsCheck, any bytes, any cut into reads.
/// Sample counts follow <c>ATMQTT_FUZZ_COUNT</c>.
/// </summary>
public sealed class FramerAndParserPropertyTests(ITestOutputHelper output)
{
    [Fact]
    public void Framer_AgreesWithTheSpecModel_ForAnyBytesCutAnyWay()
    {
        Gen.Select(Fuzz.RawStream, Fuzz.Chunks).Sample(
            (stream, chunks) =>
            {
                var expected = Fuzz.Frame(stream);
                var actual = RunFramer(stream, chunks);
                if (!expected.SequenceEqual(actual, FramedComparer.Instance))
                {
                    throw new InvalidOperationException($"framer: [{string.Join(", ", actual)}]\nmodel:  [{string.Join(", ", expected)}]");
                }
            },
            iter: Fuzz.Count,
            writeLine: output.WriteLine,
            print: t => $"stream \"{Fuzz.Show(t.Item1)}\" cut {string.Join(",", t.Item2)}");
    }

    [Fact]
    public void Framer_EchoIsTheLineAndItsTerminator_AsReceived()
    {
        Gen.Select(Fuzz.LineContent, Fuzz.Terminator).Sample(
            (content, terminator) =>
            {
                var framer = new LineFramer();
                byte[] bytes = [.. content, .. System.Text.Encoding.ASCII.GetBytes(terminator)];
                var buffer = new ReadOnlySequence<byte>(bytes);
                var kind = framer.Next(ref buffer);
                var model = Fuzz.Frame(bytes);
                if (model.Count == 0)
                {
                    Assert.Equal(FrameKind.NeedMore, kind);
                    return;
                }

                if (model[0].Overflow)
                {
                    Assert.Equal(FrameKind.Overflow, kind);
                    return;
                }

                Assert.Equal(FrameKind.Line, kind);
                Assert.Equal(content, framer.Line.ToArray());
                string firstTerminator = terminator.StartsWith("\r\n", StringComparison.Ordinal) ? "\r\n" : terminator[..1];
                Assert.Equal([.. content, .. System.Text.Encoding.ASCII.GetBytes(firstTerminator)], framer.LineWithTerminator.ToArray());
            },
            iter: Fuzz.Count,
            writeLine: output.WriteLine);
    }

    [Fact]
    public void Framer_HoldsAtMost256Bytes_OfAnEndlessLine()
    {
        var framer = new LineFramer();
        var chunk = new byte[65536];
        Array.Fill(chunk, (byte)'A');
        for (int i = 0; i < 512; i++)
        {
            // 32 MB without a terminator: nothing framed, nothing kept beyond the 256-byte line buffer.
            var buffer = new ReadOnlySequence<byte>(chunk);
            Assert.Equal(FrameKind.NeedMore, framer.Next(ref buffer));
            Assert.True(buffer.IsEmpty, "the framer must consume every byte it is given");
            Assert.True(framer.Line.Length <= LineFramer.MaxLineBytes);
        }

        var end = new ReadOnlySequence<byte>("\r\nAT\r\n"u8.ToArray());
        Assert.Equal(FrameKind.Overflow, framer.Next(ref end));
        Assert.Equal(FrameKind.Line, framer.Next(ref end));
        Assert.Equal("AT"u8.ToArray(), framer.Line.ToArray());
    }

    [Fact]
    public void CommandLineAndParamList_NeverThrow_AndStayInBounds()
    {
        var lineGen = Gen.Frequency((3, Fuzz.LineContent), (1, Gen.Byte.Array[0, 300]));
        lineGen.Sample(
            line =>
            {
                var parameters = new ParamList();
                if (CommandLine.TryParse(line, out var name, out var kind, out var range))
                {
                    Assert.InRange(name.End.GetOffset(line.Length), 2, line.Length);
                    if (kind == CommandKind.Set)
                    {
                        int start = range.Start.GetOffset(line.Length);
                        bool ok = parameters.Parse(line.AsSpan(range), start, out int badIndex);
                        Assert.InRange(parameters.Count, 0, ParamList.MaxParams);
                        if (!ok)
                        {
                            Assert.InRange(badIndex, 0, ParamList.MaxParams);
                        }
                    }
                }

                // The parameter splitter alone, on anything at all.
                bool any = parameters.Parse(line, 0, out int bad);
                Assert.InRange(parameters.Count, 0, ParamList.MaxParams);
                Assert.True(any || bad is >= 0 and <= ParamList.MaxParams);
            },
            iter: Fuzz.Count,
            writeLine: output.WriteLine,
            print: l => Fuzz.Show(l));
    }

    private static List<Framed> RunFramer(byte[] stream, int[] chunks)
    {
        var framer = new LineFramer();
        var result = new List<Framed>();
        foreach (var piece in Fuzz.Cut(stream, chunks))
        {
            var buffer = new ReadOnlySequence<byte>(piece);
            while (true)
            {
                var kind = framer.Next(ref buffer);
                if (kind == FrameKind.NeedMore)
                {
                    Assert.True(buffer.IsEmpty, "NeedMore with input left");
                    break;
                }

                if (framer.Line.Length > LineFramer.MaxLineBytes)
                {
                    throw new InvalidOperationException($"line of {framer.Line.Length} bytes");
                }

                result.Add(kind == FrameKind.Overflow ? new Framed(true, []) : new Framed(false, framer.Line.ToArray()));
            }
        }

        return result;
    }

    private sealed class FramedComparer : IEqualityComparer<Framed>
    {
        public static readonly FramedComparer Instance = new();

        public bool Equals(Framed x, Framed y) => x.Overflow == y.Overflow && x.Line.AsSpan().SequenceEqual(y.Line);

        public int GetHashCode(Framed obj) => obj.Line.Length;
    }
}
