namespace Geode.Analysis.Evaluation;

/// <summary>
/// Chooses the batch size by measured throughput: it starts at a size, doubles it while each
/// doubling raises rows per second by more than <see cref="MinimumGain"/>, and settles on the best
/// size measured. The best size depends on the model, the device and the sequence lengths, which
/// is why it is measured, not configured.
/// </summary>
/// <remarks>
/// Throughput per batch size is the median of what was measured at that size, so one slow batch
/// (a long prompt, a busy machine) does not end the search early. Not thread-safe.
/// </remarks>
public sealed class BatchSizer
{
    /// <summary>The relative gain a doubling must bring to be kept.</summary>
    public const double MinimumGain = 0.05;

    private readonly int _maximum;
    private readonly int _trialsPerSize;
    private readonly SortedDictionary<int, List<double>> _measured = [];
    private bool _settled;

    /// <summary>Starts the search at <paramref name="initial"/> rows, never going past <paramref name="maximum"/>.</summary>
    /// <param name="initial">The first size tried (at least 1).</param>
    /// <param name="maximum">The largest size allowed (at least <paramref name="initial"/>).</param>
    /// <param name="trialsPerSize">Batches measured at a size before it is compared.</param>
    public BatchSizer(int initial, int maximum, int trialsPerSize = 1)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(initial, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(maximum, initial);
        ArgumentOutOfRangeException.ThrowIfLessThan(trialsPerSize, 1);
        Next = initial;
        _maximum = maximum;
        _trialsPerSize = trialsPerSize;
    }

    /// <summary>The size to use for the next batch.</summary>
    public int Next { get; private set; }

    /// <summary>True once the search has ended and <see cref="Next"/> stays put.</summary>
    public bool Settled => _settled;

    /// <summary>Records a finished batch of <paramref name="rows"/> rows that took <paramref name="seconds"/>.</summary>
    /// <param name="rows">The batch's size.</param>
    /// <param name="seconds">Its wall time.</param>
    /// <param name="finished">Rows it finished, when some were handed back paused to finish later; null: all.</param>
    public void Record(int rows, double seconds, int? finished = null)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(rows, 1);
        if (_settled || rows != Next || !(seconds > 0))
        {
            // A short last batch, or a size no longer being tried, says nothing about the search.
            return;
        }

        if (!_measured.TryGetValue(rows, out List<double>? samples))
        {
            _measured[rows] = samples = [];
        }

        samples.Add((finished ?? rows) / seconds);
        if (samples.Count < _trialsPerSize)
        {
            return;
        }

        int previous = rows / 2;
        bool improved = !_measured.TryGetValue(previous, out List<double>? before) || Median(samples) > Median(before) * (1 + MinimumGain);
        if (improved && rows * 2 <= _maximum)
        {
            Next = rows * 2;
            return;
        }

        Next = _measured.MaxBy(pair => Median(pair.Value)).Key;
        _settled = true;
    }

    private static double Median(List<double> values)
    {
        double[] sorted = [.. values.Order()];
        return sorted.Length % 2 == 1 ? sorted[sorted.Length / 2] : (sorted[(sorted.Length / 2) - 1] + sorted[sorted.Length / 2]) / 2;
    }
}
