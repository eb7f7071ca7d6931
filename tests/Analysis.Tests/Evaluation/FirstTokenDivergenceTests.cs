using Geode.Analysis.Directions;
using Geode.Analysis.Evaluation;
using Geode.Analysis.Measures;
using Geode.Analysis.Prompts;
using Geode.Analysis.Surgery;
using Geode.Analysis.Tests.Organism;
using Geode.Model.Edits;
using Geode.Model.Inference;
using Geode.Model.Organism;
using Geode.Model.Text;
using static TorchSharp.torch;

namespace Geode.Analysis.Tests.Evaluation;

public sealed class FirstTokenDivergenceTests
{
    [Fact]
    public void Batched_kl_equals_one_prompt_at_a_time_and_an_empty_edit_costs_nothing()
    {
        using OrganismSession session = OrganismSession.Open();
        using var scope = NewDisposeScope();
        string[] harmless = [.. PromptSet.Builtin().Records.Where(r => r.Category == "safe_control").Take(12).Select(r => r.Prompt)];
        Edit planted = EditFile.Load(Path.Combine(session.Folder, PlantedRefusal.FileName));
        Edit random = StandardRecipe.Edit(session.Model.Config, RandomDirections.Sample(1, session.Model.Config.HiddenSize, seed: 3)[0], "random");
        Edit[] edits = [Edit.None, planted, random];

        IReadOnlyList<double> batched = FirstTokenDivergence.Measure(session.Model, session.Tokenizer, session.Template, harmless, edits, promptsPerBatch: 5);

        Assert.Equal(0, batched[0], 12);
        for (int e = 1; e < edits.Length; e++)
        {
            double expected = harmless.Average(prompt => Kl(session, prompt, edits[e]));
            // The model runs in float32, and padding and batch shapes (a shared prefill computes the
            // unedited layers once per prompt) differ between the two ways. Logits then differ by
            // ~1e-6, which moves a KL of ~1e-3 by a few 1e-8: agree to 1e-4 relative.
            Assert.True(Math.Abs(expected - batched[e]) <= 1e-4 * expected, $"edit {edits[e].Name}: {batched[e]} batched, {expected} alone");
            Assert.True(batched[e] > 0, $"edit {edits[e].Name} changed nothing");
        }
    }

    /// <summary>KL of one prompt, unedited against edited, in two plain forward passes.</summary>
    private static double Kl(OrganismSession session, string prompt, Edit edit)
    {
        using var scope = NewDisposeScope();
        int[] ids = session.Tokenizer.Encode(session.Template.Render([new ChatMessage(ChatMessage.User, prompt)]));
        (Tensor input, Tensor mask) = LeftPadding.Batch([ids], session.Model.Config.PadTokenId);
        using ForwardResult plain = session.Model.Forward(new ForwardRequest(input, mask) { Logits = LogitsScope.Last });
        using ForwardResult edited = session.Model.Forward(new ForwardRequest(input, mask) { Logits = LogitsScope.Last, Edits = ActivationEdits.ForAllRows(edit) });
        return KlDivergence.FromLogits(plain.Logits!.squeeze(1).to(ScalarType.Float64), edited.Logits!.squeeze(1).to(ScalarType.Float64)).Mean;
    }
}
