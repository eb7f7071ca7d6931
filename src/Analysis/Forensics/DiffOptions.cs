namespace Geode.Analysis.Forensics;

/// <summary>How a weight diff is computed.</summary>
public sealed record DiffOptions
{
    /// <summary>The default options.</summary>
    public static DiffOptions Default { get; } = new();

    /// <summary>
    /// A tensor is <c>changed</c> when max |ΔW| exceeds this. ΔW is computed in float32 (float64 for
    /// float64 tensors) from the stored values, and the stored values of bfloat16, float16 and
    /// float32 tensors are exact in float32, so the default 0 counts every element whose stored value
    /// differs at all — nothing is lost to rounding in the comparison itself. Bit-identical tensors are
    /// recognised from their bytes without being loaded. Raise it to ignore requantisation noise.
    /// </summary>
    public double Tolerance { get; init; }

    /// <summary>How many singular values each changed 2-D tensor reports (its <c>spectrum</c>).</summary>
    public int SpectrumLength { get; init; } = 16;

    /// <summary>How many top left (output-side) singular vectors are kept per changed 2-D tensor.</summary>
    public int Vectors { get; init; } = 8;

    /// <summary>
    /// ΔW whose smaller side is at most this gets a full SVD in float64; larger ones a randomized
    /// SVD of rank <see cref="RandomizedRank"/> in float32 (exact for ΔW of lower rank, which is
    /// what abliterations produce).
    /// </summary>
    public int ExactSvdMaxDim { get; init; } = 512;

    /// <summary>How many singular triplets the randomized SVD computes (target rank plus oversampling).</summary>
    public int RandomizedRank { get; init; } = 48;

    /// <summary>Power iterations of the randomized SVD; each sharpens a slowly decaying spectrum.</summary>
    public int PowerIterations { get; init; } = 2;

    /// <summary>The seed of the randomized SVD's test matrix, so the same inputs give the same numbers.</summary>
    public long Seed { get; init; } = 20240611;
}
