using TorchSharp;
using static TorchSharp.torch;

namespace Geode.Analysis.Measures;

/// <summary>
/// KL(p ‖ q) between next-token distributions given as logits — the "how much did the edit change
/// the model on harmless prompts" measure of sweeps (p the unedited model, q the edited one).
/// </summary>
public static class KlDivergence
{
    /// <summary>
    /// KL(p ‖ q) = Σ_v p_v (log p_v − log q_v) in nats, per row and averaged over rows.
    /// </summary>
    /// <remarks>
    /// Both sides go through log_softmax in float64, which subtracts the row maximum before
    /// exponentiating, so logits of ±1e4 stay finite; terms with p_v = 0 (underflow, or a logit of
    /// −∞) contribute 0 by the convention 0 · log 0 = 0 instead of NaN. Where q_v = 0 and p_v &gt; 0
    /// the divergence is +∞, as it should be. Tiny negative sums from rounding are clamped to 0.
    /// </remarks>
    /// <param name="p">Logits of the reference distribution, <c>[V]</c> or <c>[B, V]</c>.</param>
    /// <param name="q">Logits of the compared distribution, the same shape and device as <paramref name="p"/>.</param>
    public static KlDivergenceResult FromLogits(Tensor p, Tensor q)
    {
        ArgumentNullException.ThrowIfNull(p);
        ArgumentNullException.ThrowIfNull(q);
        if (p.dim() is not (1 or 2) || !p.shape.SequenceEqual(q.shape))
        {
            throw new ArgumentException(
                $"KL needs two [V] or [B, V] logit tensors of one shape; got [{string.Join(", ", p.shape)}] and [{string.Join(", ", q.shape)}].",
                nameof(q));
        }

        if (!p.is_floating_point() || !q.is_floating_point())
        {
            throw new ArgumentException($"KL needs floating-point logits; got {p.dtype} and {q.dtype}.", nameof(p));
        }

        using DisposeScope scope = NewDisposeScope();
        Tensor pRows = p.dim() == 1 ? p.unsqueeze(0) : p;
        Tensor qRows = q.dim() == 1 ? q.unsqueeze(0) : q;
        // [B, V] log-probabilities in float64
        Tensor logP = nn.functional.log_softmax(pRows.to_type(ScalarType.Float64), -1);
        Tensor logQ = nn.functional.log_softmax(qRows.to_type(ScalarType.Float64), -1);
        Tensor probability = logP.exp();
        Tensor terms = where(probability > 0, probability * (logP - logQ), zeros_like(probability));
        double[] perRow = terms.sum(1).cpu().data<double>().ToArray();
        for (int row = 0; row < perRow.Length; row++)
        {
            if (double.IsNaN(perRow[row]))
            {
                throw new ArgumentException($"Row {row} gives a NaN divergence (NaN or +∞ logits).", nameof(p));
            }

            perRow[row] = Math.Max(perRow[row], 0.0);
        }

        return new KlDivergenceResult(perRow, perRow.Average());
    }
}
