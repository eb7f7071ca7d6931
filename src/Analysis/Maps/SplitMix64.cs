namespace Geode.Analysis.Maps;

/// <summary>
/// SplitMix64 (Steele, Lea &amp; Flood 2014): a 64-bit counter passed through an invertible mixer.
/// Owned here rather than <see cref="System.Random"/> so a seed means the same stream on every
/// runtime version, which is what makes a seeded map reproducible.
/// </summary>
internal sealed class SplitMix64(ulong seed)
{
    private ulong _state = seed;

    /// <summary>The next 64 uniformly distributed bits.</summary>
    public ulong Next()
    {
        ulong z = _state += 0x9E3779B97F4A7C15UL;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }

    /// <summary>An integer in [0, <paramref name="bound"/>) by multiply-shift of the top 32 bits (bias ≤ bound / 2³², negligible here).</summary>
    public int NextInt(int bound) => (int)(((Next() >> 32) * (ulong)bound) >> 32);
}
