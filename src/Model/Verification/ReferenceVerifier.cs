using Geode.Model.Checkpoints;
using Geode.Model.Edits;
using Geode.Model.Inference;
using Geode.Model.Weights;
using static TorchSharp.torch;

namespace Geode.Model.Verification;

/// <summary>
/// Runs a reference file's inputs through a model and compares with what transformers computed:
/// logits, every hidden state and layer output (valid positions only), greedy tokens with and
/// without the KV cache, and the logits after the reference's rank-1 ablation of every o_proj and
/// down_proj — both as an activation edit and as a weight edit.
/// </summary>
/// <remarks>
/// Reference layout (<c>shared/fixtures/hf/README.md</c>): <c>input_ids</c>, <c>attention_mask</c>,
/// <c>logits</c>, <c>hidden_states.{0..L}</c> (the last one final-normed), <c>layer_output.{i}</c>,
/// <c>greedy_cached</c>/<c>greedy_uncached</c> (row 0 followed by new tokens),
/// <c>ablation.direction</c>, <c>ablation.alpha</c>, <c>ablation.logits</c>. Missing entries are skipped.
/// </remarks>
public static class ReferenceVerifier
{
    /// <summary>Loads <paramref name="modelFolder"/> and compares it with <paramref name="referencePath"/>.</summary>
    /// <param name="modelFolder">The checkpoint folder.</param>
    /// <param name="referencePath">The reference safetensors file.</param>
    /// <param name="options">Dtype and device to run in.</param>
    /// <param name="tolerance">Largest allowed absolute error on every float comparison.</param>
    public static VerificationReport Verify(string modelFolder, string referencePath, LoadOptions options, double tolerance) =>
        Verify(modelFolder, referencePath, options, VerificationTolerance.Absolute(tolerance));

    /// <summary>Loads <paramref name="modelFolder"/> and compares it with <paramref name="referencePath"/>, judging errors as <paramref name="tolerance"/> says.</summary>
    /// <param name="modelFolder">The checkpoint folder.</param>
    /// <param name="referencePath">The reference safetensors file.</param>
    /// <param name="options">Dtype and device to run in.</param>
    /// <param name="tolerance">How large an error may be.</param>
    public static VerificationReport Verify(string modelFolder, string referencePath, LoadOptions options, VerificationTolerance tolerance)
    {
        using SafetensorsFile reference = SafetensorsFile.Open(referencePath);
        using CausalLM model = ModelLoader.Load(modelFolder, options);
        using var noGrad = no_grad();
        using var scope = NewDisposeScope();
        var metrics = new List<VerificationMetric>();
        Tensor ids = reference.Read("input_ids", ScalarType.Int64);
        Tensor mask = reference.Read("attention_mask", ScalarType.Int64);
        Tensor valid = mask.to(ScalarType.Bool);
        int layers = model.Config.NumLayers;

        using (ForwardResult result = model.Forward(new ForwardRequest(ids, mask)
        {
            Capture = ResidualCapture.AllLayers(layers, CapturePosition.All, includeFinalNorm: true),
        }))
        {
            metrics.Add(Compare("logits", result.Logits!, reference, "logits", valid, tolerance));
            for (int k = 0; k <= layers; k++)
            {
                Tensor ours = k < layers ? result.Residuals[k] : result.FinalNormed!;
                AddIfPresent($"hidden_states.{k}", ours);
            }

            for (int i = 0; i < layers; i++)
            {
                AddIfPresent($"layer_output.{i}", result.Residuals[i + 1]);
            }
        }

        foreach ((string name, bool cached) in new[] { ("greedy_cached", true), ("greedy_uncached", false) })
        {
            if (reference.Contains(name))
            {
                metrics.Add(CompareGreedy(name, model, reference.Read(name, ScalarType.Int64), ids.shape[1], cached, tolerance.JudgeTokens));
            }
        }

        if (reference.Contains("ablation.logits"))
        {
            Tensor direction = reference.Read("ablation.direction", ScalarType.Float32).unsqueeze(1);
            double alpha = reference.Read("ablation.alpha", ScalarType.Float64).item<double>();
            var edit = new Edit(
                [new EditPart([.. Enumerable.Range(0, layers)], [WriterKind.AttentionOutput, WriterKind.MlpOutput], direction, alpha)],
                "ablation");
            using (ForwardResult edited = model.Forward(new ForwardRequest(ids, mask) { Edits = ActivationEdits.ForAllRows(edit) }))
            {
                metrics.Add(Compare("ablation.logits (activation edit)", edited.Logits!, reference, "ablation.logits", valid, tolerance));
            }

            model.ApplyToWeights(edit);
            using ForwardResult weightEdited = model.Forward(new ForwardRequest(ids, mask));
            metrics.Add(Compare("ablation.logits (weight edit)", weightEdited.Logits!, reference, "ablation.logits", valid, tolerance));
        }

        return new VerificationReport(modelFolder, referencePath, model.DType.ToString(), metrics);

        void AddIfPresent(string name, Tensor ours)
        {
            if (reference.Contains(name))
            {
                metrics.Add(Compare(name, ours, reference, name, valid, tolerance));
            }
        }
    }

    private static VerificationMetric Compare(string label, Tensor ours, SafetensorsFile reference, string name, Tensor valid, VerificationTolerance tolerance)
    {
        using var scope = NewDisposeScope();
        Tensor expected = reference.Read(name, ScalarType.Float32);
        Tensor actual = ours.to(ScalarType.Float32).cpu();
        if (!actual.shape.SequenceEqual(expected.shape))
        {
            throw new BadInputException(
                $"{reference.Path}: '{name}' has shape [{string.Join(", ", expected.shape)}], the model produced [{string.Join(", ", actual.shape)}].",
                reference.Path,
                name);
        }

        // Values at padded positions are not meaningful; compare real tokens only.
        Tensor difference = (actual - expected).abs()[valid];
        double error = difference.numel() == 0 ? 0 : difference.max().item<float>();
        double scale = 1;
        if (tolerance.RelativeToReference && difference.numel() > 0)
        {
            scale = Math.Max(1, expected.abs()[valid].max().item<float>());
        }

        return new VerificationMetric(label, error, tolerance.Value * scale);
    }

    /// <summary>Generates from row 0 of the inputs (the reference's prompt) and counts differing tokens.</summary>
    private static VerificationMetric CompareGreedy(string name, CausalLM model, Tensor expected, long promptLength, bool cached, bool judge)
    {
        using var scope = NewDisposeScope();
        Tensor prompt = expected.narrow(1, 0, promptLength);
        int newTokens = (int)(expected.shape[1] - promptLength);
        GenerationResult generated = TextGenerator.Generate(
            model,
            prompt,
            ones_like(prompt),
            new GenerationOptions(newTokens) { UseCache = cached });
        long[] want = expected.narrow(1, promptLength, newTokens).flatten().data<long>().ToArray();

        // transformers pads a row that stopped early with the pad id.
        int[] got = [.. generated.Tokens[0], .. Enumerable.Repeat(model.Config.PadTokenId, newTokens - generated.Tokens[0].Length)];
        int mismatches = Enumerable.Range(0, want.Length).Count(i => got[i] != want[i]);
        return new VerificationMetric($"{name} ({mismatches} of {want.Length} tokens differ)", mismatches, judge ? 0 : want.Length);
    }
}
