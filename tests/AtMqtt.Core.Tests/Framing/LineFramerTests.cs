using System.Buffers;
using System.Text;
using AtMqtt.Core.Framing;
using Xunit;

namespace AtMqtt.Core.Tests.Framing;

public class LineFramerTests
{
    /// <summary>One framed event: a line (with its echo) or an overflow.</summary>
    private sealed record Frame(FrameKind Kind, string Line, string Echo)
    {
        public override string ToString() => $"{Kind}:{Line.Replace("\r", "\\r").Replace("\n", "\\n")}|{Echo.Replace("\r", "\\r").Replace("\n", "\\n")}";
    }

    private static string L1(ReadOnlySpan<byte> bytes) => Encoding.Latin1.GetString(bytes);

    private static byte[] B(string latin1) => Encoding.Latin1.GetBytes(latin1);

    /// <summary>Feeds each chunk as one read (each optionally cut into several segments) and collects what the framer found.</summary>
    private static List<Frame> Feed(LineFramer framer, IEnumerable<byte[]> reads, int segmentSize = 0)
    {
        var frames = new List<Frame>();
        foreach (var read in reads)
        {
            var buffer = segmentSize > 0 ? Segmented(read, segmentSize) : new ReadOnlySequence<byte>(read);
            while (true)
            {
                var kind = framer.Next(ref buffer);
                if (kind == FrameKind.NeedMore)
                {
                    Assert.True(buffer.IsEmpty, "NeedMore must consume the whole read");
                    break;
                }

                frames.Add(kind == FrameKind.Line
                    ? new Frame(kind, L1(framer.Line), L1(framer.LineWithTerminator.Span))
                    : new Frame(kind, "", ""));
            }
        }

        return frames;
    }

    private static List<Frame> Feed(params string[] reads) => Feed(new LineFramer(), reads.Select(B));

    private static Frame Line(string line, string terminator) => new(FrameKind.Line, line, line + terminator);

    private static readonly Frame Overflow = new(FrameKind.Overflow, "", "");

    private static ReadOnlySequence<byte> Segmented(byte[] data, int size)
    {
        if (data.Length == 0)
        {
            return ReadOnlySequence<byte>.Empty;
        }

        Segment? first = null;
        Segment? last = null;
        for (int i = 0; i < data.Length; i += size)
        {
            var chunk = data.AsMemory(i, Math.Min(size, data.Length - i));
            if (first is null)
            {
                first = last = new Segment(chunk, 0);
            }
            else
            {
                last = last!.Append(chunk);
            }
        }

        return new ReadOnlySequence<byte>(first!, 0, last!, last!.Memory.Length);
    }

    private sealed class Segment : ReadOnlySequenceSegment<byte>
    {
        public Segment(ReadOnlyMemory<byte> memory, long runningIndex)
        {
            Memory = memory;
            RunningIndex = runningIndex;
        }

        public Segment Append(ReadOnlyMemory<byte> memory)
        {
            var next = new Segment(memory, RunningIndex + Memory.Length);
            Next = next;
            return next;
        }
    }

    [Theory]
    [InlineData("\r")]
    [InlineData("\n")]
    [InlineData("\r\n")]
    public void Each_terminator_ends_a_line_and_is_kept_for_the_echo(string terminator)
    {
        Assert.Equal([Line("AT", terminator)], Feed("AT" + terminator));
    }

    [Fact]
    public void The_LF_of_a_CR_LF_pair_is_not_an_empty_line()
    {
        Assert.Equal([Line("AT", "\r\n"), Line("ATE0", "\r\n")], Feed("AT\r\nATE0\r\n"));
    }

    [Fact]
    public void LF_CR_is_a_line_and_an_empty_line()
    {
        Assert.Equal([Line("AT", "\n"), Line("X", "\r")], Feed("AT\n\rX\r"));
    }

    [Fact]
    public void Mixed_terminators_in_one_read()
    {
        Assert.Equal(
            [Line("A", "\r"), Line("B", "\n"), Line("C", "\r\n"), Line("D", "\r")],
            Feed("A\rB\nC\r\nD\r"));
    }

    [Theory]
    [InlineData("\r\n")]
    [InlineData("\r\r\r")]
    [InlineData("\n\n\n")]
    [InlineData("\r\n\r\n\n\r\r\n")]
    public void Empty_lines_are_ignored(string input)
    {
        Assert.Empty(Feed(input));
        Assert.Equal([Line("AT", "\r\n")], Feed(input + "AT\r\n"));
    }

    [Fact]
    public void A_line_without_terminator_waits()
    {
        var framer = new LineFramer();
        Assert.Empty(Feed(framer, [B("AT+MQTT")]));
        Assert.Equal([Line("AT+MQTTCLEAN=0", "\r\n")], Feed(framer, [B("CLEAN=0\r\n")]));
    }

    [Fact]
    public void Any_byte_but_CR_and_LF_is_kept_in_the_line()
    {
        var all = new string(Enumerable.Range(0, 256).Where(b => b is not ('\r' or '\n')).Select(b => (char)b).ToArray());
        var frames = Feed(new LineFramer(), [B(all[..200] + "\r\n"), B(all[200..] + "\n")]);
        Assert.Equal([Line(all[..200], "\r\n"), Line(all[200..], "\n")], frames);
    }

    private const string Stream = "AT\r\nATE0\rAT+MQTTPUB=0,\"a\",\"b\",0,0\nAT+X\r\n\r\nAT\r";

    private static readonly Frame[] StreamFrames =
    [
        Line("AT", "\r\n"), Line("ATE0", "\r"), Line("AT+MQTTPUB=0,\"a\",\"b\",0,0", "\n"), Line("AT+X", "\r\n"), Line("AT", "\r"),
    ];

    public static TheoryData<int> SplitPositions()
    {
        var data = new TheoryData<int>();
        for (int i = 0; i <= Stream.Length; i++)
        {
            data.Add(i);
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(SplitPositions))]
    public void A_stream_split_into_two_reads_anywhere_frames_the_same_lines(int split)
    {
        var frames = Feed(Stream[..split], Stream[split..]);

        // Splitting CR from its LF shows only the CR in the echo (the LF comes later and is skipped).
        var expected = new List<Frame>();
        int cursor = 0;
        foreach (var frame in StreamFrames)
        {
            int start = Stream.IndexOf(frame.Echo, cursor, StringComparison.Ordinal);
            cursor = start + frame.Echo.Length;
            bool lfInNextRead = frame.Echo.EndsWith("\r\n", StringComparison.Ordinal) && cursor - 1 == split;
            expected.Add(lfInNextRead ? frame with { Echo = frame.Echo[..^1] } : frame);
        }

        Assert.Equal(expected, frames);
    }

    [Theory]
    [MemberData(nameof(SplitPositions))]
    public void A_stream_in_one_read_of_many_segments_frames_the_same_lines(int segmentSize)
    {
        if (segmentSize == 0)
        {
            return;
        }

        Assert.Equal(StreamFrames, Feed(new LineFramer(), [B(Stream)], segmentSize));
    }

    [Fact]
    public void A_stream_fed_byte_by_byte_frames_the_same_lines()
    {
        var frames = Feed(new LineFramer(), Stream.Select(c => new[] { (byte)c }));
        var expected = StreamFrames.Select(f => f.Echo.EndsWith("\r\n", StringComparison.Ordinal) ? f with { Echo = f.Echo[..^1] } : f);
        Assert.Equal(expected, frames);
    }

    [Fact]
    public void A_line_of_exactly_256_bytes_is_a_line()
    {
        var line = "AT" + new string('x', 254);
        Assert.Equal([Line(line, "\r\n")], Feed(line + "\r\n"));
        Assert.Equal(256, LineFramer.MaxLineBytes);
    }

    [Theory]
    [InlineData(257)]
    [InlineData(258)]
    [InlineData(300)]
    [InlineData(5000)]
    public void A_longer_line_is_an_overflow_then_framing_recovers(int length)
    {
        var line = new string('A', length);
        Assert.Equal([Overflow, Line("AT", "\r\n")], Feed(line + "\r\nAT\r\n"));
        Assert.Equal([Overflow, Line("AT", "\n")], Feed(line + "\rAT\n"));
    }

    [Theory]
    [InlineData(1)]
    [InlineData(7)]
    [InlineData(64)]
    [InlineData(255)]
    [InlineData(256)]
    [InlineData(257)]
    [InlineData(258)]
    [InlineData(1000)]
    public void An_overflow_split_across_reads_is_one_overflow(int split)
    {
        var input = new string('Z', 1000) + "\r\nAT\r\n";
        Assert.Equal([Overflow, Line("AT", "\r\n")], Feed(input[..split], input[split..]));
    }

    [Fact]
    public void A_257_byte_line_whose_last_byte_comes_in_a_later_read_overflows()
    {
        var framer = new LineFramer();
        Assert.Empty(Feed(framer, [B(new string('a', 256))]));
        Assert.Equal([Overflow, Line("AT", "\r")], Feed(framer, [B("b\r\n"), B("AT\r")]));
    }

    [Fact]
    public void The_LF_after_an_overflow_CR_in_the_next_read_is_skipped()
    {
        Assert.Equal([Overflow, Line("AT", "\r\n")], Feed(new string('q', 300) + "\r", "\nAT\r\n"));
    }

    [Fact]
    public void The_LF_skip_happens_only_once()
    {
        Assert.Equal([Line("AT", "\r"), Line("B", "\n")], Feed("AT\r", "\n", "B\n"));
        Assert.Equal([Line("AT", "\r"), Line("B", "\r")], Feed("AT\r", "B\r"));
    }

    [Fact]
    public void SkipPendingLf_drops_the_LF_of_a_split_CR_LF_before_raw_data()
    {
        var framer = new LineFramer();
        Assert.Equal([Line("AT+MQTTPUBRAW=0,\"t\",3", "\r")], Feed(framer, [B("AT+MQTTPUBRAW=0,\"t\",3\r")]));

        var data = new ReadOnlySequence<byte>(B("\nabc"));
        framer.SkipPendingLf(ref data);
        Assert.Equal("abc", L1(data.ToArray()));

        // Only once: a second LF is data.
        var more = new ReadOnlySequence<byte>(B("\nxyz"));
        framer.SkipPendingLf(ref more);
        Assert.Equal("\nxyz", L1(more.ToArray()));
    }

    [Fact]
    public void SkipPendingLf_keeps_data_that_does_not_start_with_LF()
    {
        var framer = new LineFramer();
        Feed(framer, [B("AT\r")]);
        var data = new ReadOnlySequence<byte>(B("abc"));
        framer.SkipPendingLf(ref data);
        Assert.Equal("abc", L1(data.ToArray()));

        // The pending skip was used up by that read.
        Assert.Equal([Line("X", "\n")], Feed(framer, [B("X\n")]));
    }

    [Fact]
    public void SkipPendingLf_after_a_CR_LF_line_takes_nothing()
    {
        var framer = new LineFramer();
        Feed(framer, [B("AT\r\n")]);
        var data = new ReadOnlySequence<byte>(B("\nabc"));
        framer.SkipPendingLf(ref data);
        Assert.Equal("\nabc", L1(data.ToArray()));
    }

    [Fact]
    public void SkipPendingLf_with_empty_input_keeps_the_skip_pending()
    {
        var framer = new LineFramer();
        Feed(framer, [B("AT\r")]);
        var empty = ReadOnlySequence<byte>.Empty;
        framer.SkipPendingLf(ref empty);
        var data = new ReadOnlySequence<byte>(B("\nabc"));
        framer.SkipPendingLf(ref data);
        Assert.Equal("abc", L1(data.ToArray()));
    }

    [Fact]
    public void Reset_forgets_a_partial_line_an_overflow_and_a_pending_LF()
    {
        var framer = new LineFramer();
        Feed(framer, [B("AT+PARTIAL")]);
        framer.Reset();
        Assert.Equal([Line("AT", "\r")], Feed(framer, [B("AT\r")]));
        framer.Reset();
        Assert.Empty(Feed(framer, [B("\n")]));

        Feed(framer, [B(new string('x', 400))]);
        framer.Reset();
        Assert.Equal([Line("AT", "\n")], Feed(framer, [B("AT\n")]));
    }

    [Fact]
    public void Random_splits_of_random_streams_frame_like_one_read()
    {
        var random = new Random(20261125);
        for (int round = 0; round < 300; round++)
        {
            var bytes = new byte[random.Next(0, 700)];
            for (int i = 0; i < bytes.Length; i++)
            {
                int r = random.Next(20);
                bytes[i] = r == 0 ? (byte)'\r' : r == 1 ? (byte)'\n' : (byte)random.Next(256);
            }

            var whole = Feed(new LineFramer(), [bytes]);
            var reads = new List<byte[]>();
            for (int i = 0; i < bytes.Length;)
            {
                int n = Math.Min(random.Next(1, 40), bytes.Length - i);
                reads.Add(bytes[i..(i + n)]);
                i += n;
            }

            var split = Feed(new LineFramer(), reads, segmentSize: random.Next(1, 9));

            // The lines are the same; only an echo whose LF arrived in a later read lacks it.
            Assert.Equal(whole.Select(f => (f.Kind, f.Line)), split.Select(f => (f.Kind, f.Line)));
            Assert.All(whole, f => Assert.True(f.Kind == FrameKind.Overflow || f.Line.Length is > 0 and <= 256));
        }
    }
}
