namespace Geode.Analysis.Forensics;

/// <summary>One tensor of one fork compared with the base.</summary>
/// <param name="Name">The tensor's name as in the base checkpoint (the fork's, for a tensor only the fork has).</param>
/// <param name="Fork">The fork's label (see <see cref="WeightDiff.Labels"/>).</param>
/// <param name="Status">What the comparison found.</param>
/// <param name="Layer">The decoder layer the tensor belongs to, or null for model-level tensors.</param>
/// <param name="Kind">The tensor's role without layer and prefix, e.g. <c>self_attn.o_proj</c>, <c>embed_tokens</c>.</param>
/// <param name="Shape">The shape.</param>
/// <param name="DType">The stored type, as in the safetensors header (<c>BF16</c>, <c>F32</c>...).</param>
public sealed record TensorDiff(string Name, string Fork, TensorStatus Status, int? Layer, string Kind, long[] Shape, string DType)
{
    /// <summary>True when max |ΔW| exceeds the tolerance.</summary>
    public bool Changed => Status == TensorStatus.Changed;

    /// <summary>True for the unused k/v tensors of KV-shared layers.</summary>
    public bool Unused => Status == TensorStatus.Unused;

    /// <summary>max |ΔW|, or null when it was not computed (missing or unused tensors).</summary>
    public double? MaxAbsDelta { get; init; }

    /// <summary>‖ΔW‖_F, for changed tensors.</summary>
    public double? DeltaNorm { get; init; }

    /// <summary>‖ΔW‖_F / ‖W_base‖_F, for changed tensors (null when the base is all zeros).</summary>
    public double? RelativeDeltaNorm { get; init; }

    /// <summary>The largest singular values of ΔW, descending; empty unless a changed 2-D tensor.</summary>
    public IReadOnlyList<double> Spectrum { get; init; } = [];

    /// <summary>
    /// The smallest r with Σ_{i≤r} σ_i² ≥ 0.95 ‖ΔW‖_F²; null when not a changed 2-D tensor, or when a
    /// randomized SVD did not reach 95% within the triplets it computed (see <see cref="Rank95AtLeast"/>).
    /// </summary>
    public int? Rank95 { get; init; }

    /// <summary>When <see cref="Rank95"/> is null after a randomized SVD: a lower bound on it.</summary>
    public int? Rank95AtLeast { get; init; }

    /// <summary>σ1/σ2; null when there is no σ2 or σ2 is 0.</summary>
    public double? SigmaRatio { get; init; }

    /// <summary><c>exact</c> or <c>randomized</c>; null when no SVD was computed.</summary>
    public string? Svd { get; init; }

    /// <summary>
    /// The top left (output-side) singular vectors of ΔW, unit length, in order of σ; their signs
    /// are arbitrary. Empty unless a changed 2-D tensor.
    /// </summary>
    public IReadOnlyList<float[]> TopVectors { get; init; } = [];

    /// <summary>
    /// Per direction label: the cosine between the direction and the span of the top
    /// min(rank95, kept) left singular vectors — the best cosine any unit vector in that span
    /// reaches, ≥ 0; for a rank-1 ΔW, |cos(u1, d)|. Only for tensors whose output side has the
    /// directions' size.
    /// </summary>
    public IReadOnlyDictionary<string, double> TopCosines { get; init; } = new Dictionary<string, double>();

    /// <summary>Per direction label: the signed cosine of each kept left singular vector with the direction.</summary>
    public IReadOnlyDictionary<string, double[]> VectorCosines { get; init; } = new Dictionary<string, double[]>();

    /// <summary>Per other fork that changed the same tensor: |cos| of the two top left singular vectors.</summary>
    public IReadOnlyDictionary<string, double> ForkCosines { get; init; } = new Dictionary<string, double>();
}
