namespace Geode.Analysis.Measures;

/// <summary>
/// A tiny seeded generator (Steele, Lea and Flood's SplitMix64). Written out rather than
/// <see cref="Random"/> so that a seed gives the same resamples on every .NET version — results
/// must be reproducible from their recorded seed.
/// </summary>
internal struct SplitMix64(ulong seed)
{
    private ulong _state = seed;

    /// <summary>The next 64 random bits.</summary>
    public ulong Next()
    {
        ulong z = _state += 0x9E3779B97F4A7C15UL;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }

    /// <summary>A uniform integer in [0, <paramref name="bound"/>), by the high word of a 64×64 product (bias ≤ bound / 2⁶⁴).</summary>
    public int NextInt(int bound) => (int)Math.BigMul(Next(), (ulong)bound, out _);
}
