using Geode.Analysis.Measures;
using Geode.Model;
using Geode.Model.Edits;
using Geode.Model.Inference;
using Geode.Model.Text;
using static TorchSharp.torch;

namespace Geode.Analysis.Evaluation;

/// <summary>
/// DESIGN §1.6's side-effect measure: KL(unedited ‖ edited) of the first generated token's
/// distribution, averaged over prompts (usually the harmless ones), for many edits at once — each
/// batch holds every prompt once unedited and once per edit, one edit per row.
/// </summary>
public static class FirstTokenDivergence
{
    /// <summary>The mean KL in nats for each edit of <paramref name="edits"/>, in order.</summary>
    /// <param name="model">The base model.</param>
    /// <param name="tokenizer">Its tokenizer.</param>
    /// <param name="template">Its chat template.</param>
    /// <param name="prompts">The prompts, rendered with the template and its generation prompt.</param>
    /// <param name="edits">The edits to compare with the unedited model.</param>
    /// <param name="promptsPerBatch">Prompts per forward pass (each makes 1 + edits rows).</param>
    public static IReadOnlyList<double> Measure(
        CausalLM model,
        TextTokenizer tokenizer,
        IChatTemplate template,
        IReadOnlyList<string> prompts,
        IReadOnlyList<Edit> edits,
        int promptsPerBatch = 8)
    {
        if (prompts.Count == 0)
        {
            throw new BadInputException("no prompts to measure the KL divergence on.", "prompts");
        }

        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(promptsPerBatch);
        double[] sums = new double[edits.Count];
        int copies = edits.Count + 1;
        foreach (string[] batch in prompts.Chunk(promptsPerBatch))
        {
            using var scope = NewDisposeScope();
            int[][] encoded = [.. batch.Select(p => ChatPrompt.Encode(tokenizer, template, p))];
            // Row (copy c, prompt p) = c * batch + p; copy 0 is unedited.
            (Tensor ids, Tensor mask) = LeftPadding.Batch([.. Enumerable.Range(0, copies).SelectMany(_ => encoded)], model.Config.PadTokenId);
            Edit?[] rowEdits = [.. Enumerable.Range(0, copies).SelectMany(c => Enumerable.Repeat(c == 0 ? null : edits[c - 1], batch.Length))];
            using ForwardResult result = model.Forward(new ForwardRequest(ids, mask) { Logits = LogitsScope.Last, Edits = ActivationEdits.PerRow(rowEdits) });
            Tensor logits = result.Logits!.squeeze(1).to(ScalarType.Float64);
            Tensor reference = logits.narrow(0, 0, batch.Length);
            for (int e = 0; e < edits.Count; e++)
            {
                KlDivergenceResult kl = KlDivergence.FromLogits(reference, logits.narrow(0, (e + 1) * batch.Length, batch.Length));
                sums[e] += kl.PerRow.Sum();
            }
        }

        return [.. sums.Select(s => s / prompts.Count)];
    }

    /// <summary>
    /// The mean KL(<paramref name="reference"/> ‖ the model now) of the first token over
    /// <paramref name="prompts"/>: for an edit made to the weights themselves, where the unedited
    /// logits must be taken (<see cref="FirstLogits"/>) before the edit.
    /// </summary>
    public static double Against(Tensor reference, CausalLM model, TextTokenizer tokenizer, IChatTemplate template, IReadOnlyList<string> prompts, int promptsPerBatch = 8)
    {
        ArgumentNullException.ThrowIfNull(reference);
        using var scope = NewDisposeScope();
        KlDivergenceResult kl = KlDivergence.FromLogits(reference, FirstLogits(model, tokenizer, template, prompts, promptsPerBatch));
        return kl.PerRow.Sum() / prompts.Count;
    }

    /// <summary>The first generated token's logits [N, V] float64 for each of <paramref name="prompts"/>, unedited, as the model is now.</summary>
    public static Tensor FirstLogits(CausalLM model, TextTokenizer tokenizer, IChatTemplate template, IReadOnlyList<string> prompts, int promptsPerBatch = 8)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(prompts);
        if (prompts.Count == 0)
        {
            throw new BadInputException("no prompts to measure the KL divergence on.", "prompts");
        }

        using var scope = NewDisposeScope();
        var parts = new List<Tensor>();
        foreach (string[] batch in prompts.Chunk(promptsPerBatch))
        {
            (Tensor ids, Tensor mask) = LeftPadding.Batch([.. batch.Select(p => ChatPrompt.Encode(tokenizer, template, p))], model.Config.PadTokenId);
            using ForwardResult result = model.Forward(new ForwardRequest(ids, mask) { Logits = LogitsScope.Last });
            parts.Add(result.Logits!.squeeze(1).to(ScalarType.Float64));
        }

        return cat(parts, 0).MoveToOuterDisposeScope();
    }
}
