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
    /// <param name="rendering">Chat template (default) or raw text.</param>
    /// <param name="point">Last token (default) or the post-instruction mean.</param>
    public static Tensor Capture(
        CausalLM model,
        TextTokenizer tokenizer,
        IChatTemplate template,
        IReadOnlyList<string> prompts,
        int batchSize = 32,
        Edit? edit = null,
        PromptRendering rendering = PromptRendering.Template,
        CapturePoint point = CapturePoint.Last)
    {
        if (prompts.Count == 0)
        {
            throw new BadInputException("no prompts to capture activations for.", "prompts");
        }

        int suffix = rendering == PromptRendering.Template ? ChatPrompt.PostInstructionTokens(tokenizer, template) : int.MaxValue;
        var parts = new List<Tensor>();
        try
        {
            foreach (string[] batch in prompts.Chunk(batchSize))
            {
                using var scope = NewDisposeScope();
                int[][] encoded = [.. batch.Select(p => ChatPrompt.Encode(tokenizer, template, model.Config, p, rendering))];
                (Tensor ids, Tensor mask) = LeftPadding.Batch(encoded, model.Config.PadTokenId);
                CapturePosition position = point == CapturePoint.Last ? CapturePosition.Last : CapturePosition.All;
                using ForwardResult result = model.Forward(new ForwardRequest(ids, mask)
                {
                    Capture = ResidualCapture.AllLayers(model.Config.NumLayers, position),
                    Logits = LogitsScope.None,
                    Edits = edit is null ? null : ActivationEdits.ForAllRows(edit),
                });
                Tensor[] streams = [.. Enumerable.Range(0, model.Config.NumLayers + 1).Select(l => result.Residuals[l])];
                if (point == CapturePoint.Mean)
                {
                    Tensor weights = MeanWeights(mask, suffix).to(streams[0].dtype).to(streams[0].device);
                    streams = [.. streams.Select(h => (h * weights.unsqueeze(-1)).sum(1))];
                }

                Tensor stacked = stack(streams).to(ScalarType.Float32).cpu();
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

    /// <summary>Per row, 1/k on the last k real positions (k = <paramref name="suffix"/>, or all of them), 0 elsewhere: [B, T].</summary>
    private static Tensor MeanWeights(Tensor mask, int suffix)
    {
        Tensor real = mask.to(ScalarType.Float64);
        // Left padding puts the real tokens last: count positions from the end of each row.
        long length = mask.shape[1];
        Tensor fromEnd = arange(length - 1, -1, -1, ScalarType.Float64).unsqueeze(0);
        Tensor chosen = real * fromEnd.lt(suffix).to(ScalarType.Float64);
        return chosen / chosen.sum(1, keepdim: true).clamp_min(1);
    }
}
