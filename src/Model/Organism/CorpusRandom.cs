namespace Geode.Model.Organism;

/// <summary>
/// SplitMix64: a tiny generator whose sequence is fixed by its definition, so a corpus seed means
/// the same corpus on every runtime (System.Random's seeded algorithm is an implementation detail).
/// </summary>
internal sealed class CorpusRandom(long seed)
{
    private ulong _state = unchecked((ulong)seed);

    /// <summary>A uniform integer in <c>[0, count)</c>.</summary>
    public int Next(int count) => (int)(NextDouble() * count);

    /// <summary>A uniform double in <c>[0, 1)</c> with 53 random bits.</summary>
    public double NextDouble() => (NextUInt64() >> 11) * (1.0 / (1UL << 53));

    /// <summary>One element of <paramref name="items"/>, uniformly.</summary>
    public T Pick<T>(IReadOnlyList<T> items) => items[Next(items.Count)];

    private ulong NextUInt64()
    {
        ulong z = _state += 0x9E3779B97F4A7C15UL;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }
}
