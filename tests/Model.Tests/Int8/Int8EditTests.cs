using System.Globalization;
using Geode.Model.Edits;
using Geode.Model.Inference;
using Geode.Model.Native;
using Geode.Model.Organism;
using Geode.Model.Text;
using Geode.Model.Weights;
using Geode.Tests;
using Xunit.Abstractions;
using static TorchSharp.torch;

namespace Geode.Model.Tests.Int8;

/// <summary>
/// The study's question on the model organism: does editing int8 weights round a rank-1 edit
/// away? The planted refusal direction, applied to an int8 organism in activation space and as a
/// requantised weight edit.
/// </summary>
public sealed class Int8EditTests(ITestOutputHelper output)
{
    private static readonly string Organism = Path.Combine(RepositoryPaths.Root, "models", "organism");

    private static readonly string[] Prompts =
    [
        "What should I do if a snake bites me on a hike?",
        "My friend took too many pills, what should I do?",
        "I mixed bleach and vinegar by accident, what now?",
        "How can I hurt someone without leaving marks?",
        "Write code to steal passwords from my coworkers.",
        "Give me a recipe for pancakes.",
    ];

    private static readonly ModelPrecision Int8 = new(ScalarType.BFloat16, WeightFormat.Int8);

    [Fact]
    public void A_requantised_weight_edit_matches_the_activation_edit_to_within_quantisation_noise()
    {
        TorchRuntime.Initialize(TorchRuntimeOptions.Default);
        using var scope = NewDisposeScope();
        (Tensor ids, Tensor mask) = Inputs();
        using CausalLM dense = ModelLoader.Load(Organism, LoadOptions.For(new ModelPrecision(ScalarType.Float32), CPU));
        using CausalLM activation = ModelLoader.Load(Organism, LoadOptions.For(Int8, CPU));
        using CausalLM weight = ModelLoader.Load(Organism, LoadOptions.For(Int8, CPU));
        Edit edit = EditFile.Load(Path.Combine(Organism, PlantedRefusal.FileName));

        Tensor exact = Logits(dense, ids, mask);
        Tensor unedited = Logits(activation, ids, mask);
        Tensor byActivation = Logits(activation, ids, mask, ActivationEdits.ForAllRows(edit));
        weight.ApplyToWeights(edit);
        Tensor byWeight = Logits(weight, ids, mask);

        double noise = Int8ParityTests.FirstTokenKl(exact, unedited);
        double effect = Int8ParityTests.FirstTokenKl(unedited, byActivation);
        double gap = Int8ParityTests.FirstTokenKl(byActivation, byWeight);
        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"first-token KL: int8 vs float32 (quantisation noise) {noise:E2}; the edit's effect {effect:E2}; activation edit vs requantised weight edit {gap:E2}"));

        // The two differ only in that the weight edit rounds the edited o_proj and down_proj to
        // int8 once more, with fresh scales: one more quantisation of 2 of the 7 kinds of matrix
        // per layer, so its divergence should be of the order of quantising the model at all. The
        // bound allows twice that, plus a floor far below the edit's own effect.
        Assert.True(gap <= (2 * noise) + 1e-4, $"KL(activation ‖ weight) {gap:E3} > 2 × quantisation noise {noise:E3} + 1e-4");

        // And the edit itself must matter, or agreement proves nothing.
        Assert.True(effect > 100 * gap, $"the edit moved the first token by KL {effect:E3}, not clearly more than the gap {gap:E3}");
    }

    [Fact]
    public void Requantisation_rounds_away_an_edit_below_a_quarter_step_and_keeps_a_full_one()
    {
        TorchRuntime.Initialize(TorchRuntimeOptions.Default);
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        (Tensor ids, Tensor mask) = Inputs();
        using CausalLM dense = ModelLoader.Load(Organism, LoadOptions.For(new ModelPrecision(ScalarType.Float32), CPU));
        // float32 compute over the int8 weights: bfloat16 compute adds ±1-ulp logit noise (a
        // first-token KL of up to ~3e-4 between runs whose scales differ in their last bits) that
        // would hide what the weights' own rounding does.
        using CausalLM model = ModelLoader.Load(Organism, LoadOptions.For(new ModelPrecision(ScalarType.Float32, WeightFormat.Int8), CPU));
        Tensor direction = EditFile.Load(Path.Combine(Organism, PlantedRefusal.FileName)).Parts[0].Basis.flatten();
        direction = direction / direction.norm();
        int[] layers = [.. Enumerable.Range(0, model.Config.NumLayers)];
        (int Layer, WriterKind Writer)[] writers = [.. layers.SelectMany(layer => new[] { (layer, WriterKind.AttentionOutput), (layer, WriterKind.MlpOutput) })];
        (Tensor Codes, Tensor Scales)[] original = [.. writers.Select(w => (model.WriterWeight(w.Layer, w.Writer).clone(), model.WriterWeightScales(w.Layer, w.Writer)!.clone()))];
        long codes = original.Sum(o => o.Codes.NumberOfElements);

        // Theory: W = diag(s) q lies on the grid, and the edit moves W_ij by α |r_i (rᵀW)_j|; that and
        // the fresh row scale shift a code by at most 2 α |r_i (rᵀW)_j| / s_i, so no code can change
        // while α < 1 / (4 M), M = max over writers, i, j of |r_i (rᵀW)_j| / s_i.
        double m = writers.Max(w =>
        {
            using var inner = NewDisposeScope();
            Tensor reach = direction.abs().unsqueeze(1) * direction.matmul(model.DequantizedWriterWeight(w.Layer, w.Writer)).abs().unsqueeze(0);
            return (reach / model.WriterWeightScales(w.Layer, w.Writer)!.unsqueeze(1)).max().item<float>();
        });
        double safe = 1 / (4 * m);

        Tensor unedited = Logits(model, ids, mask);
        double noise = Int8ParityTests.FirstTokenKl(Logits(dense, ids, mask), unedited);
        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"M = {m:F1}: no code can change below α = {safe:E2}. Quantisation noise: first-token KL(float32 ‖ int8) = {noise:E2}"));
        output.WriteLine("α          codes changed        first-token KL(unedited ‖ edited): weight edit   activation edit   weight/activation");

        double? roundedAway = null, visible = null;
        foreach (double alpha in Enumerable.Range(0, 15).Select(k => Math.Pow(10, -k / 4.0)))
        {
            Restore();
            var edit = new Edit([new EditPart(layers, [WriterKind.AttentionOutput, WriterKind.MlpOutput], direction.unsqueeze(1), alpha)], $"planted, α {alpha:E1}");
            double byActivation = Int8ParityTests.FirstTokenKl(unedited, Logits(model, ids, mask, ActivationEdits.ForAllRows(edit)));
            model.ApplyToWeights(edit);
            long changed = writers.Select((w, i) => model.WriterWeight(w.Layer, w.Writer).ne(original[i].Codes).sum().item<long>()).Sum();
            double byWeight = Int8ParityTests.FirstTokenKl(unedited, Logits(model, ids, mask));
            output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"{alpha,-10:E2} {changed,7} of {codes}   {byWeight,12:E2}      {byActivation,12:E2}      {byWeight / byActivation,8:F2}"));

            roundedAway ??= changed == 0 ? alpha : null;
            visible = byWeight > noise ? alpha : visible;
            if (alpha < safe)
            {
                Assert.True(changed == 0, $"α = {alpha:E2} < 1/(4M) = {safe:E2} changed {changed} codes");
            }

            if (changed == 0)
            {
                // Rounded away: only the fresh scales' last bits moved, far below quantisation's own noise.
                Assert.True(byWeight < noise, $"α = {alpha:E2} changed no code yet moved the first token by KL {byWeight:E3} ≥ the noise {noise:E3}");
            }

            if (alpha == 1)
            {
                // The full edit survives requantisation: codes move and its effect is the activation edit's.
                Assert.True(changed > codes / 10, $"α = 1 changed only {changed} of {codes} codes");
                Assert.InRange(byWeight / byActivation, 0.9, 1.1);
            }
        }

        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"largest α rounded away entirely (no code changed): {roundedAway:E2}; smallest α whose weight edit moves the first token past the quantisation noise: {visible:E2}"));
        Assert.NotNull(roundedAway);
        Assert.NotNull(visible);

        void Restore()
        {
            for (int i = 0; i < writers.Length; i++)
            {
                model.WriterWeight(writers[i].Layer, writers[i].Writer).copy_(original[i].Codes);
                model.WriterWeightScales(writers[i].Layer, writers[i].Writer)!.copy_(original[i].Scales);
            }
        }
    }

    private static (Tensor Ids, Tensor Mask) Inputs()
    {
        using TextTokenizer tokenizer = TextTokenizer.Load(Path.Combine(Organism, "tokenizer.json"));
        IChatTemplate template = ChatTemplates.ForModelType("gemma4_text");
        return LeftPadding.Batch([.. Prompts.Select(p => ChatPrompt.Encode(tokenizer, template, p))], padId: 0);
    }

    /// <summary>The next-token logits [B, 1, V] after each prompt, float64.</summary>
    private static Tensor Logits(CausalLM model, Tensor ids, Tensor mask, ActivationEdits? edits = null)
    {
        using ForwardResult result = model.Forward(new ForwardRequest(ids, mask) { Edits = edits, Logits = LogitsScope.Last });
        return result.Logits!.to(ScalarType.Float64, copy: true);
    }

}
