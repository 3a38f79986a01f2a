namespace AtMqtt.Core.Instrument;

/// <summary>
/// uart-noise: bytes lost or bit-flipped on the host channel. Each direction draws from its own
/// generator seeded with the fault's seed, so the same seed and the same bytes in one direction give
/// the same result whatever the other direction does.
/// </summary>
internal sealed class UartNoise(FaultSpec spec)
{
    public Stream? ToHost { get; } = spec.Direction is "to-host" or "both" ? new Stream(spec) : null;

    public Stream? ToModem { get; } = spec.Direction is "to-modem" or "both" ? new Stream(spec) : null;

    /// <summary>One direction's noise.</summary>
    internal sealed class Stream(FaultSpec spec)
    {
        private readonly Random _random = new(spec.Seed ?? 0);
        private readonly double _drop = spec.DropRate ?? 0;
        private readonly double _flip = spec.FlipRate ?? 0;
        private readonly Lock _gate = new();

        /// <summary>
        /// Copies <paramref name="input"/> to <paramref name="output"/> (at least as long; may be the
        /// same memory) with the noise applied; returns how many bytes were kept. Per byte: one draw
        /// for a drop, and for a kept byte one for a flip and, when flipped, one for the bit.
        /// </summary>
        public int Apply(ReadOnlySpan<byte> input, Span<byte> output)
        {
            lock (_gate)
            {
                int n = 0;
                for (int i = 0; i < input.Length; i++)
                {
                    byte b = input[i];
                    if (_random.NextDouble() < _drop)
                    {
                        continue;
                    }

                    if (_random.NextDouble() < _flip)
                    {
                        b ^= (byte)(1 << _random.Next(8));
                    }

                    output[n++] = b;
                }

                return n;
            }
        }
    }
}
