using Geode.Analysis.Directions;
using Geode.Analysis.Evaluation;
using Geode.Analysis.Judges;
using Geode.Analysis.Prompts;
using Geode.Analysis.Surgery;
using Geode.Analysis.Tests.Organism;
using Geode.Model.Edits;
using Geode.Model.Organism;
using static TorchSharp.torch;

namespace Geode.Analysis.Tests.Evaluation;

/// <summary>
/// Variants evaluated side by side, one edit per batch row, give exactly what evaluating each
/// variant alone gives — on the shipped organism, where the variants behave very differently.
/// </summary>
public sealed class VariantEvaluatorTests
{
    [Fact]
    public void Side_by_side_variants_match_separate_runs_response_for_response()
    {
        using OrganismSession session = OrganismSession.Open();
        using var scope = NewDisposeScope();
        PromptSet prompts = PromptSet.Builtin().Where(r => r.Category is "should_refuse" or "safe_control" or "emergency_medical", "three categories");
        Edit planted = EditFile.Load(Path.Combine(session.Folder, PlantedRefusal.FileName));
        Edit random = StandardRecipe.Edit(session.Model.Config, RandomDirections.Sample(1, session.Model.Config.HiddenSize, seed: 5)[0], "random");
        Edit?[] variants = [null, planted, random, planted with { Parts = [planted.Parts[0] with { Alpha = 0.5 }], Name = "half" }];
        IResponseJudge[] judges = [new RegexJudge(), new KeywordJudge()];
        // A batch of 48 rows straddles variants, so rows with different edits share a forward pass.
        var options = new BaselineOptions(OrganismSession.NewTokens, BatchSize: 48);

        IReadOnlyList<BaselineResult> together = VariantEvaluator.Run(session.Model, session.Tokenizer, session.Template, prompts, judges, variants, options);

        Assert.Equal(variants.Length, together.Count);
        for (int v = 0; v < variants.Length; v++)
        {
            BaselineResult alone = BaselineEvaluator.Run(session.Model, session.Tokenizer, session.Template, prompts, judges, options with { Edit = variants[v] });
            Assert.Equal(alone.Responses.Select(r => r.Response), together[v].Responses.Select(r => r.Response));
            Assert.Equal(alone.ByCategory.Select(c => c.Refused), together[v].ByCategory.Select(c => c.Refused));
        }

        // The variants really differ, so the comparison above could have failed.
        Assert.True(together[0].Rate("should_refuse") >= 0.9 && together[1].Rate("should_refuse") <= 0.1, "the planted edit should remove refusal");
    }

    [Theory]
    [InlineData(2)]
    [InlineData(3)]
    public void Batches_side_by_side_on_several_threads_give_what_one_batch_at_a_time_gives(int sideBySide)
    {
        using OrganismSession session = OrganismSession.Open();
        using var scope = NewDisposeScope();
        PromptSet prompts = CascadeRunner.Subset(PromptSet.Builtin().Where(r => r.Category is "should_refuse" or "safe_control" or "emergency_medical", "three categories"), 6);
        Edit planted = EditFile.Load(Path.Combine(session.Folder, PlantedRefusal.FileName));
        Edit?[] variants = [null, planted, planted with { Parts = [planted.Parts[0] with { Alpha = 0.5 }], Name = "half" }, planted with { Parts = [planted.Parts[0] with { Alpha = 0.25 }], Name = "quarter" }];
        IResponseJudge[] judges = [new RegexJudge(), new KeywordJudge()];

        // Batches of 8 over 72 rows: several batches, some paused and resumed, with a long wait list.
        var options = new BaselineOptions(48, BatchSize: 8);
        IReadOnlyList<BaselineResult> serial = VariantEvaluator.Run(session.Model, session.Tokenizer, session.Template, prompts, judges, variants, options with { ParallelBatches = 1 });
        var threads = new System.Collections.Concurrent.ConcurrentDictionary<int, bool>();
        int done = 0;
        IReadOnlyList<BaselineResult> parallel = VariantEvaluator.Run(
            session.Model, session.Tokenizer, session.Template, prompts, [new ThreadRecordingJudge(judges[0], threads), judges[1]], variants, options with { ParallelBatches = sideBySide }, d => done = d);

        Assert.Equal(sideBySide, VariantEvaluator.Workers(session.Model, options with { ParallelBatches = sideBySide }, variants.Length * prompts.Records.Count));
        Assert.True(threads.Count >= 2, $"batches were judged on {threads.Count} thread(s); side by side needs at least 2");
        Assert.Equal(variants.Length * prompts.Records.Count, done);
        for (int v = 0; v < variants.Length; v++)
        {
            Assert.Equal(
                serial[v].Responses.Select(r => (r.Record.Id, r.Response, r.Tokens, string.Join(",", r.Verdicts.Select(x => x.Refused)))),
                parallel[v].Responses.Select(r => (r.Record.Id, r.Response, r.Tokens, string.Join(",", r.Verdicts.Select(x => x.Refused)))));
        }

        // The variants answer differently, so equal responses could have failed.
        Assert.NotEqual(serial[0].Responses.Select(r => r.Response), serial[1].Responses.Select(r => r.Response));
    }

    /// <summary>Judges as <paramref name="inner"/> and notes which threads judged.</summary>
    private sealed class ThreadRecordingJudge(IResponseJudge inner, System.Collections.Concurrent.ConcurrentDictionary<int, bool> threads) : IResponseJudge
    {
        public string Name => inner.Name;

        public string Version => inner.Version;

        public JudgeVerdict Judge(string prompt, string response)
        {
            threads[Environment.CurrentManagedThreadId] = true;
            return inner.Judge(prompt, response);
        }
    }
}
