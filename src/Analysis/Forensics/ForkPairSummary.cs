namespace Geode.Analysis.Forensics;

/// <summary>How alike two forks' edits are, over the tensors both changed.</summary>
/// <param name="ForkA">The first fork's label.</param>
/// <param name="ForkB">The second fork's label.</param>
/// <param name="SharedTensors">Tensors both forks changed (2-D, with singular vectors).</param>
/// <param name="MedianCosine">The median |cos| of the two top left singular vectors over those tensors, or null.</param>
/// <param name="MeanCosine">Their mean, or null.</param>
public sealed record ForkPairSummary(string ForkA, string ForkB, int SharedTensors, double? MedianCosine, double? MeanCosine)
{
    /// <summary>One summary per unordered pair of forks, in fork order.</summary>
    public static IReadOnlyList<ForkPairSummary> Of(IReadOnlyList<TensorDiff> records)
    {
        ArgumentNullException.ThrowIfNull(records);
        string[] forks = [.. records.Select(r => r.Fork).Distinct(StringComparer.Ordinal)];
        var pairs = new List<ForkPairSummary>();
        for (int a = 0; a < forks.Length; a++)
        {
            for (int b = a + 1; b < forks.Length; b++)
            {
                double[] cosines = [.. records
                    .Where(r => r.Fork == forks[a] && r.ForkCosines.ContainsKey(forks[b]))
                    .Select(r => r.ForkCosines[forks[b]])];
                pairs.Add(new ForkPairSummary(
                    forks[a],
                    forks[b],
                    cosines.Length,
                    ForkSummary.Median([.. cosines]),
                    cosines.Length == 0 ? null : cosines.Average()));
            }
        }

        return pairs;
    }
}
