namespace Margin.Sweep.Seeding;

/// <summary>A SplitMix64 generator seeded by (seed, account index): the same numbers on every run, whatever else is generated.</summary>
/// <remarks>
/// Our own generator rather than <see cref="Random"/>, whose seeded sequence is an implementation detail of the runtime:
/// a book must stay the same book across .NET versions. SplitMix64 (Steele, Lea and Flood, 2014) passes BigCrush and
/// needs one 64-bit state; seeding it with a mix of both numbers makes every account's stream independent.
/// </remarks>
internal struct SeedRandom
{
    private const ulong Golden = 0x9E3779B97F4A7C15UL;

    private ulong _state;

    public SeedRandom(int seed, int index)
    {
        _state = unchecked(Mix(((ulong)(uint)seed * Golden) ^ Mix((ulong)(uint)index + 0x632BE59BD9B4E019UL)));
    }

    /// <summary>The next 64 random bits.</summary>
    public ulong NextBits()
    {
        _state = unchecked(_state + Golden);
        return Mix(_state);
    }

    /// <summary>Uniform in [0, 1), 53 random bits.</summary>
    public double NextDouble() => (NextBits() >> 11) * (1.0 / (1UL << 53));

    /// <summary>Uniform in [<paramref name="low"/>, <paramref name="high"/>).</summary>
    public double Uniform(double low, double high) => low + ((high - low) * NextDouble());

    /// <summary>True with probability <paramref name="p"/>.</summary>
    public bool Chance(double p) => NextDouble() < p;

    /// <summary>A standard normal variate (Box-Muller; one of the pair is dropped so that every draw takes the same two numbers).</summary>
    public double Normal()
    {
        var u1 = 1.0 - NextDouble();
        var u2 = NextDouble();
        return Math.Sqrt(-2.0 * Math.Log(u1)) * Math.Cos(2.0 * Math.PI * u2);
    }

    /// <summary>An exponential variate with mean 1.</summary>
    public double Exponential() => -Math.Log(1.0 - NextDouble());

    /// <summary>An index into <paramref name="weights"/>, each drawn with probability proportional to its weight (all weights not negative, their sum positive).</summary>
    public int Pick(ReadOnlySpan<double> weights)
    {
        var total = 0.0;
        foreach (var w in weights)
        {
            total += w;
        }

        var x = NextDouble() * total;
        for (var i = 0; i < weights.Length; i++)
        {
            x -= weights[i];
            if (x < 0.0)
            {
                return i;
            }
        }

        return weights.Length - 1;
    }

    private static ulong Mix(ulong z)
    {
        unchecked
        {
            z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
            z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
            return z ^ (z >> 31);
        }
    }
}
