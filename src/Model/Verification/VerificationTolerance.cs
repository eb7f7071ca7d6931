namespace Geode.Model.Verification;

/// <summary>How <see cref="ReferenceVerifier"/> judges the errors it measures.</summary>
/// <param name="Value">The largest allowed absolute error, or with <paramref name="RelativeToReference"/> the factor on the reference's magnitude.</param>
/// <param name="RelativeToReference">
/// Scale each float comparison's tolerance by the largest magnitude of the reference tensor (at
/// least 1). Half-precision rounding is relative, and Gemma's hidden states grow to 10–100, so an
/// absolute bound that suits logits would fail every hidden state for no fault of the port.
/// </param>
/// <param name="JudgeTokens">
/// Whether differing greedy tokens fail the check. Off, they are reported only: in half precision a
/// near-tie between two logits can flip, and every later token then differs.
/// </param>
public sealed record VerificationTolerance(double Value, bool RelativeToReference = false, bool JudgeTokens = true)
{
    /// <summary>An absolute bound on every float comparison; every greedy token must match.</summary>
    public static VerificationTolerance Absolute(double value) => new(value);
}
