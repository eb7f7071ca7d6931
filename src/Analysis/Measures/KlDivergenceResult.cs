namespace Geode.Analysis.Measures;

/// <summary>KL divergences of first-token distributions, per row and their mean.</summary>
/// <param name="PerRow">KL(p_b ‖ q_b) in nats, one per row.</param>
/// <param name="Mean">The mean over rows.</param>
public sealed record KlDivergenceResult(IReadOnlyList<double> PerRow, double Mean);
