using Geode.Analysis.Evaluation;
using Geode.Analysis.Judges;
using Geode.Analysis.Prompts;
using Geode.Analysis.Tests.Organism;
using Geode.Model;
using Geode.Model.Edits;
using Geode.Model.Text;
using Geode.Model.Weights;
using static TorchSharp.torch;

namespace Geode.Analysis.Tests.Evaluation;

/// <summary>The cascade: plans change one ingredient per row, subsets and gates follow their rules, and a row runs on the organism.</summary>
public sealed class CascadeRunnerTests
{
    [Fact]
    public void Each_row_of_a_plan_changes_exactly_the_ingredient_its_step_names()
    {
        CascadeSettings start = CascadeSettings.Start("float32");
        IReadOnlyList<CascadeSettings> plan = CascadeRunner.Plan(start, [("input", "template"), ("winsorize", "0.995"), ("gram_schmidt", "true"), ("variant", "norm_preserving"), ("precision", "bfloat16")]);

        Assert.Equal(6, plan.Count);
        Assert.Equal(new CascadeSettings("float32", PromptRendering.Raw, null, false, EditVariant.Projection, false), plan[0]);
        Assert.Equal(plan[0] with { Rendering = PromptRendering.Template }, plan[1]);
        Assert.Equal(plan[1] with { Winsorize = 0.995 }, plan[2]);
        Assert.Equal(plan[2] with { GramSchmidt = true }, plan[3]);
        Assert.Equal(plan[3] with { Variant = EditVariant.NormPreserving }, plan[4]);
        Assert.Equal(plan[4] with { Precision = "bfloat16" }, plan[5]);
        Assert.Equal("bfloat16 template winsorize=0.995 gram_schmidt=true norm_preserving post_norm_aware=false", plan[5].ToString());
        Assert.Throws<ArgumentException>(() => start.With("temperature", "0"));
    }

    [Fact]
    public void A_subset_takes_the_first_prompts_of_every_category_in_set_order()
    {
        PromptSet all = PromptSet.Builtin();
        PromptSet smoke = CascadeRunner.Subset(all, 3);

        Assert.Equal(all.Categories.Count * 3, smoke.Records.Count);
        foreach (string category in all.Categories)
        {
            Assert.Equal(all.Records.Where(r => r.Category == category).Take(3), smoke.Records.Where(r => r.Category == category));
        }

        Assert.Same(all, CascadeRunner.Subset(all, 0));
    }

    [Fact]
    public void A_step_passes_its_gate_when_it_does_not_raise_refusal_over_the_row_before()
    {
        Assert.Equal([true, true, false, true, true], CascadeRunner.Gates([0.9, 0.5, 0.6, 0.6, 0.0]));
        Assert.Equal([true], CascadeRunner.Gates([1.0]));
    }

    [Fact]
    public void On_the_organism_template_directions_remove_refusal_that_raw_text_directions_leave()
    {
        using OrganismSession session = OrganismSession.Open();
        PromptSet prompts = PromptSet.Builtin().Where(r => r.Category is "should_refuse" or "safe_control", "two classes");
        PromptSet smoke = CascadeRunner.Subset(prompts, 10);
        IResponseJudge[] judges = [new RegexJudge()];
        var options = new BaselineOptions(OrganismSession.NewTokens);
        CascadeSettings raw = CascadeSettings.Start("float32");

        CascadeTrial rawTrial = CascadeRunner.Run(session.Model, session.Tokenizer, session.Template, prompts, smoke, judges, raw, ["should_refuse"], ["safe_control"], options);
        CascadeTrial templateTrial = CascadeRunner.Run(session.Model, session.Tokenizer, session.Template, prompts, smoke, judges, raw.With("input", "template"), ["should_refuse"], ["safe_control"], options);

        // The organism only ever saw chat-formatted text: its refusal lives where the template puts it.
        Assert.Equal(20, templateTrial.Result.Responses.Count);
        Assert.True(templateTrial.Refusal <= 0.1, $"template-direction refusal {templateTrial.Refusal}");
        Assert.True(rawTrial.Refusal > templateTrial.Refusal, $"raw {rawTrial.Refusal} vs template {templateTrial.Refusal}");
        Assert.InRange(templateTrial.Stream, 1, session.Model.Config.NumLayers);
        Assert.True(templateTrial.Kl >= 0);
    }
    [Fact]
    public void An_int8_edit_rounded_into_the_weights_matches_the_exact_edit_and_leaves_the_weights_as_they_were()
    {
        ModelDTypes.TryParse("int8", out ModelPrecision int8);
        using OrganismSession session = OrganismSession.Open(precision: int8);
        using var scope = NewDisposeScope();
        PromptSet prompts = PromptSet.Builtin().Where(r => r.Category is "should_refuse" or "safe_control", "two classes");
        PromptSet smoke = CascadeRunner.Subset(prompts, 6);
        IResponseJudge[] judges = [new RegexJudge()];
        var options = new BaselineOptions(32);
        CascadeSettings exact = CascadeSettings.Start("int8").With("input", "template");
        Tensor[] before = [.. Writers(session.Model).Select(t => t.clone())];

        CascadeTrial activation = CascadeRunner.Run(session.Model, session.Tokenizer, session.Template, prompts, smoke, judges, exact, ["should_refuse"], ["safe_control"], options);
        CascadeTrial requantised = CascadeRunner.Run(session.Model, session.Tokenizer, session.Template, prompts, smoke, judges, exact.With("edit_precision", "int8"), ["should_refuse"], ["safe_control"], options);

        // The rank-1 edit at α = 1 survives requantisation: the same refusal, nearly the same KL
        // (Int8EditTests puts the two edits' first-token KL at ~1e-6 against the edit's ~6 nats).
        Assert.True(activation.Refusal <= 0.2, $"the exact edit left refusal {activation.Refusal}");
        Assert.Equal(activation.Refusal, requantised.Refusal);
        Assert.True(Math.Abs(activation.Kl - requantised.Kl) <= (0.05 * activation.Kl) + 1e-3, $"KL exact {activation.Kl} vs requantised {requantised.Kl}");
        Assert.Equal(activation.Stream, requantised.Stream);

        // The trial edited the pooled model's weights only while it ran: every writer's codes and scales are back, bit for bit.
        Assert.All(Writers(session.Model).Zip(before), pair => Assert.True(!pair.First.ne(pair.Second).any().item<bool>(), "a writer's int8 weights changed"));
    }

    /// <summary>Every writer's stored int8 codes and row scales.</summary>
    private static IEnumerable<Tensor> Writers(CausalLM model) =>
        Enumerable.Range(0, model.Config.NumLayers).SelectMany(l => model.Writers.SelectMany(w => (Tensor?[])[model.WriterWeight(l, w), model.WriterWeightScales(l, w)])).OfType<Tensor>();
}

