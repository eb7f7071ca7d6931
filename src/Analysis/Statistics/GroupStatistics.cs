using System.Buffers.Binary;
using static TorchSharp.torch;

namespace Geode.Analysis.Statistics;

/// <summary>
/// Running statistics of one group of activation vectors a ∈ R^H (one layer, one class or category):
/// n, Σa, the mean μ and the per-dimension sum of squared deviations M2 = Σ (a − μ)², so that
/// Var = M2 / n. Batches fold in with Chan's update
/// <c>δ = μ_b − μ_a, μ = μ_a + δ n_b/n, M2 = M2_a + M2_b + δ² n_a n_b / n</c>,
/// which makes shards merge in any order with the one-pass result (to float64 rounding) and never
/// needs a second pass over the prompts for a mean.
/// </summary>
/// <remarks>
/// Held as float64 managed arrays, not tensors, so a partial owns no native memory and crosses a
/// grain boundary as bytes (<see cref="ToBytes"/>). Not thread-safe.
/// </remarks>
public sealed class GroupStatistics
{
    private const uint Magic = 0x31545347; // "GST1", little-endian
    private const int HeaderBytes = 4 + 4 + 8;

    private readonly double[] _sum;
    private readonly double[] _mean;
    private readonly double[] _m2;

    /// <summary>Empty statistics over vectors of width <paramref name="hidden"/>.</summary>
    public GroupStatistics(int hidden)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(hidden, 1);
        _sum = new double[hidden];
        _mean = new double[hidden];
        _m2 = new double[hidden];
    }

    private GroupStatistics(long count, double[] sum, double[] mean, double[] m2)
    {
        Count = count;
        _sum = sum;
        _mean = mean;
        _m2 = m2;
    }

    /// <summary>H, the width of the vectors.</summary>
    public int Hidden => _mean.Length;

    /// <summary>n, the number of vectors folded in.</summary>
    public long Count { get; private set; }

    /// <summary>Σ a, accumulated in float64.</summary>
    public ReadOnlySpan<double> Sum => _sum;

    /// <summary>μ = Σ a / n (all zeros while n = 0).</summary>
    public ReadOnlySpan<double> Mean => _mean;

    /// <summary>M2 = Σ (a − μ)² per dimension.</summary>
    public ReadOnlySpan<double> SumOfSquaredDeviations => _m2;

    /// <summary>The population variance M2 / n per dimension (NaN while n = 0).</summary>
    public double[] Variance() => Divide(Count);

    /// <summary>The sample variance M2 / (n − 1) per dimension (NaN while n &lt; 2).</summary>
    public double[] SampleVariance() => Divide(Count - 1);

    /// <summary>μ as a float64 CPU tensor [H] (in the caller's dispose scope).</summary>
    public Tensor MeanTensor() => tensor(_mean, dtype: ScalarType.Float64);

    /// <summary>Folds in a batch of activations [n, H] (any float dtype, any device); computed in float64.</summary>
    /// <exception cref="ArgumentException">The batch is not [n, H].</exception>
    public void Add(Tensor activations)
    {
        ArgumentNullException.ThrowIfNull(activations);
        if (activations.dim() != 2 || activations.shape[1] != Hidden)
        {
            throw new ArgumentException($"Activations must be [n, H={Hidden}]; found [{string.Join(", ", activations.shape)}].", nameof(activations));
        }

        long n = activations.shape[0];
        if (n == 0)
        {
            return;
        }

        using var scope = NewDisposeScope();
        Tensor x = activations.to(ScalarType.Float64);
        Tensor mean = x.mean([0]);
        Tensor m2 = (x - mean).square().sum([0]);
        Tensor sum = x.sum([0]);

        // Three [H] vectors leave the device, not the batch.
        double[] batchSum = sum.cpu().data<double>().ToArray();
        double[] batchMean = mean.cpu().data<double>().ToArray();
        double[] batchM2 = m2.cpu().data<double>().ToArray();
        Combine(n, batchSum, batchMean, batchM2);
    }

    /// <summary>Folds in another partial over the same width (Chan's parallel update).</summary>
    /// <exception cref="ArgumentException">The widths differ.</exception>
    public void Merge(GroupStatistics other)
    {
        ArgumentNullException.ThrowIfNull(other);
        if (other.Hidden != Hidden)
        {
            throw new ArgumentException($"Cannot merge statistics of width {other.Hidden} into width {Hidden}.", nameof(other));
        }

        Combine(other.Count, other._sum, other._mean, other._m2);
    }

    /// <summary>A deep copy.</summary>
    public GroupStatistics Clone() => new(Count, (double[])_sum.Clone(), (double[])_mean.Clone(), (double[])_m2.Clone());

    /// <summary>
    /// The partial as bytes: "GST1", H (int32), n (int64), then Σa, μ and M2 as H float64 each,
    /// all little-endian.
    /// </summary>
    public byte[] ToBytes()
    {
        byte[] bytes = new byte[ByteLength(Hidden)];
        Write(bytes);
        return bytes;
    }

    /// <summary>Reads what <see cref="ToBytes"/> wrote.</summary>
    /// <exception cref="FormatException">The bytes are not a serialised <see cref="GroupStatistics"/>.</exception>
    public static GroupStatistics FromBytes(ReadOnlySpan<byte> bytes)
    {
        GroupStatistics statistics = Read(bytes, out int used);
        if (used != bytes.Length)
        {
            throw new FormatException($"Group statistics of width {statistics.Hidden} take {used} bytes; found {bytes.Length}.");
        }

        return statistics;
    }

    internal static int ByteLength(int hidden) => HeaderBytes + (3 * 8 * hidden);

    internal void Write(Span<byte> destination)
    {
        BinaryPrimitives.WriteUInt32LittleEndian(destination, Magic);
        BinaryPrimitives.WriteInt32LittleEndian(destination[4..], Hidden);
        BinaryPrimitives.WriteInt64LittleEndian(destination[8..], Count);
        int offset = HeaderBytes;
        foreach (double[] array in (double[][])[_sum, _mean, _m2])
        {
            foreach (double value in array)
            {
                BinaryPrimitives.WriteDoubleLittleEndian(destination[offset..], value);
                offset += 8;
            }
        }
    }

    internal static GroupStatistics Read(ReadOnlySpan<byte> source, out int used)
    {
        if (source.Length < HeaderBytes || BinaryPrimitives.ReadUInt32LittleEndian(source) != Magic)
        {
            throw new FormatException("Not serialised group statistics: the 'GST1' header is missing.");
        }

        int hidden = BinaryPrimitives.ReadInt32LittleEndian(source[4..]);
        long count = BinaryPrimitives.ReadInt64LittleEndian(source[8..]);
        if (hidden < 1 || count < 0 || source.Length < ByteLength(hidden))
        {
            throw new FormatException($"Group statistics header says H = {hidden}, n = {count}; the payload has {source.Length} bytes.");
        }

        double[][] arrays = [new double[hidden], new double[hidden], new double[hidden]];
        int offset = HeaderBytes;
        foreach (double[] array in arrays)
        {
            for (int i = 0; i < hidden; i++)
            {
                array[i] = BinaryPrimitives.ReadDoubleLittleEndian(source[offset..]);
                offset += 8;
            }
        }

        used = offset;
        return new GroupStatistics(count, arrays[0], arrays[1], arrays[2]);
    }

    private void Combine(long countB, double[] sumB, double[] meanB, double[] m2B)
    {
        if (countB == 0)
        {
            return;
        }

        long countA = Count;
        double total = countA + countB;
        double weightB = countB / total;
        double cross = (double)countA * countB / total;
        for (int i = 0; i < _mean.Length; i++)
        {
            double delta = meanB[i] - _mean[i];
            _sum[i] += sumB[i];
            _mean[i] += delta * weightB;
            _m2[i] += m2B[i] + (delta * delta * cross);
        }

        Count = countA + countB;
    }

    private double[] Divide(long denominator)
    {
        double[] result = new double[Hidden];
        for (int i = 0; i < result.Length; i++)
        {
            result[i] = denominator > 0 ? _m2[i] / denominator : double.NaN;
        }

        return result;
    }
}
