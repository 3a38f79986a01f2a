namespace AtMqtt.Testing;

/// <summary>Counting final results in what the modem wrote with echo off.</summary>
public static class Finals
{
    /// <summary>The query sent after a batch; its answer marks the end of the batch's output.</summary>
    public const string Sentinel = "AT+MQTTRXQUEUE?";

    /// <summary>How the sentinel's answer starts (nothing else the fuzzer can make writes it).</summary>
    public const string SentinelAnswer = "+MQTTRXQUEUE:0,";

    private static readonly string[] Markers = ["\r\nOK\r\n", "\r\nERROR\r\n", "busy p...\r\n"];

    /// <summary>Final results in <paramref name="text"/>, counted left to right without overlap.</summary>
    public static int Count(string text) => (int)Tally(text).Total;

    /// <summary>OK, ERROR and busy results in <paramref name="text"/>, counted left to right without overlap.</summary>
    public static FinalTally Tally(string text)
    {
        var count = new FinalTally();
        int at = 0;
        while (true)
        {
            int best = -1;
            int bestEnd = 0;
            foreach (var m in Markers)
            {
                int i = text.IndexOf(m, at, StringComparison.Ordinal);
                if (i >= 0 && (best < 0 || i + m.Length < bestEnd))
                {
                    best = i;
                    bestEnd = i + m.Length;
                }
            }

            if (best < 0)
            {
                return count;
            }

            count = text[best] == 'b' ? count with { Busy = count.Busy + 1 } : text[best + 2] == 'O' ? count with { Ok = count.Ok + 1 } : count with { Error = count.Error + 1 };
            at = bestEnd;
        }
    }
}

/// <summary>Final results by kind.</summary>
public readonly record struct FinalTally(long Ok, long Error, long Busy)
{
    /// <summary>All final results counted.</summary>
    public long Total => Ok + Error + Busy;

    /// <summary>The sum of two tallies.</summary>
    public static FinalTally operator +(FinalTally a, FinalTally b) => new(a.Ok + b.Ok, a.Error + b.Error, a.Busy + b.Busy);

    /// <summary>The counts, for messages.</summary>
    public override string ToString() => $"{Ok} OK, {Error} ERROR, {Busy} busy";
}
