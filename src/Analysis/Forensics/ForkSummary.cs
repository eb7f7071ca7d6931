namespace Geode.Analysis.Forensics;

/// <summary>What one fork changed, in brief.</summary>
/// <param name="Fork">The fork's label.</param>
/// <param name="Changed">How many tensors changed.</param>
/// <param name="Unused">How many unused KV-shared tensors were seen (never counted as changes).</param>
/// <param name="OnlyInBase">Tensors the fork lacks.</param>
/// <param name="OnlyInFork">Tensors only the fork has.</param>
/// <param name="ChangedByKind">Changed tensors per kind (e.g. <c>self_attn.o_proj</c>), by kind name.</param>
/// <param name="LayersTouched">The layers with at least one changed tensor, ascending.</param>
/// <param name="MedianRank95">The median rank95 over changed matrices that have one, or null.</param>
public sealed record ForkSummary(
    string Fork,
    int Changed,
    int Unused,
    int OnlyInBase,
    int OnlyInFork,
    IReadOnlyDictionary<string, int> ChangedByKind,
    IReadOnlyList<int> LayersTouched,
    double? MedianRank95)
{
    /// <summary>Summarises each fork's records, in the order the forks first appear.</summary>
    public static IReadOnlyList<ForkSummary> Of(IReadOnlyList<TensorDiff> records)
    {
        ArgumentNullException.ThrowIfNull(records);
        return [.. records.GroupBy(r => r.Fork, StringComparer.Ordinal).Select(g =>
        {
            TensorDiff[] changed = [.. g.Where(r => r.Changed)];
            return new ForkSummary(
                g.Key,
                changed.Length,
                g.Count(r => r.Unused),
                g.Count(r => r.Status == TensorStatus.OnlyInBase),
                g.Count(r => r.Status == TensorStatus.OnlyInFork),
                new SortedDictionary<string, int>(changed.GroupBy(r => r.Kind).ToDictionary(k => k.Key, k => k.Count()), StringComparer.Ordinal),
                [.. changed.Where(r => r.Layer is not null).Select(r => r.Layer!.Value).Distinct().Order()],
                Median([.. changed.Where(r => r.Rank95 is not null).Select(r => (double)r.Rank95!.Value)]));
        })];
    }

    /// <summary>The median of <paramref name="values"/>, or null when empty.</summary>
    internal static double? Median(double[] values)
    {
        if (values.Length == 0)
        {
            return null;
        }

        Array.Sort(values);
        int mid = values.Length / 2;
        return values.Length % 2 == 1 ? values[mid] : (values[mid - 1] + values[mid]) / 2;
    }
}
