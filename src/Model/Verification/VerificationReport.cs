namespace Geode.Model.Verification;

/// <summary>One compared quantity.</summary>
/// <param name="Name">What was compared, e.g. <c>logits</c> or <c>hidden_states.3</c>.</param>
/// <param name="MaxAbsError">The largest absolute difference (for token sequences: the count of differing tokens).</param>
/// <param name="Tolerance">The most it may be.</param>
public sealed record VerificationMetric(string Name, double MaxAbsError, double Tolerance)
{
    /// <summary>True when within tolerance.</summary>
    public bool Passed => MaxAbsError <= Tolerance;
}

/// <summary>Every comparison of one model against one reference file.</summary>
/// <param name="Model">The model folder.</param>
/// <param name="Reference">The reference file.</param>
/// <param name="DType">The dtype the model ran in.</param>
/// <param name="Metrics">The comparisons, in order.</param>
public sealed record VerificationReport(string Model, string Reference, string DType, IReadOnlyList<VerificationMetric> Metrics)
{
    /// <summary>True when every metric is within tolerance.</summary>
    public bool Passed => Metrics.All(m => m.Passed);
}
