using Geode.Model;
using Geode.Model.Edits;
using Geode.Model.Inference;
using Geode.Model.Text;
using static TorchSharp.torch;

namespace Geode.Analysis.Evaluation;

/// <summary>
/// DESIGN §1.3: the residual stream h_l (l = 0..L) at the last token of each prompt rendered with
/// the chat template and its generation prompt — the input of the first generated token.
/// </summary>
public static class PromptActivations
{
    /// <summary>Captures [L+1, N, H] float32 on the CPU for <paramref name="prompts"/>, in order.</summary>
    /// <param name="model">The model.</param>
    /// <param name="tokenizer">Its tokenizer.</param>
    /// <param name="template">Its chat template.</param>
    /// <param name="prompts">The prompts.</param>
    /// <param name="batchSize">Prompts per forward pass.</param>
    /// <param name="edit">An edit applied to the writers while capturing (multi-rank descent re-captures with its basis removed), or null.</param>
    public static Tensor Capture(CausalLM model, TextTokenizer tokenizer, IChatTemplate template, IReadOnlyList<string> prompts, int batchSize = 32, Edit? edit = null)
    {
        if (prompts.Count == 0)
        {
            throw new BadInputException("no prompts to capture activations for.", "prompts");
        }

        var parts = new List<Tensor>();
        try
        {
            foreach (string[] batch in prompts.Chunk(batchSize))
            {
                using var scope = NewDisposeScope();
                int[][] encoded = [.. batch.Select(p => ChatPrompt.Encode(tokenizer, template, p))];
                (Tensor ids, Tensor mask) = LeftPadding.Batch(encoded, model.Config.PadTokenId);
                using ForwardResult result = model.Forward(new ForwardRequest(ids, mask)
                {
                    Capture = ResidualCapture.AllLayers(model.Config.NumLayers),
                    Logits = LogitsScope.None,
                    Edits = edit is null ? null : ActivationEdits.ForAllRows(edit),
                });
                Tensor stacked = stack([.. Enumerable.Range(0, model.Config.NumLayers + 1).Select(l => result.Residuals[l])]).cpu();
                parts.Add(stacked.DetachFromDisposeScope());
            }

            return cat(parts, 1);
        }
        finally
        {
            foreach (Tensor part in parts)
            {
                part.Dispose();
            }
        }
    }
}
