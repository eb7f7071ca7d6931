namespace Geode.Grains.Campaigns;

/// <summary>A trial's progress, written by the torch thread and read by the grain: one number, no locks.</summary>
internal sealed class TrialFraction
{
    private long _bits;

    /// <summary>The last fraction set.</summary>
    public double Value => BitConverter.Int64BitsToDouble(Interlocked.Read(ref _bits));

    /// <summary>Records <paramref name="fraction"/> (any thread).</summary>
    public void Set(double fraction) => Interlocked.Exchange(ref _bits, BitConverter.DoubleToInt64Bits(fraction));
}
