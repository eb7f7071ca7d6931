using Geode.Analysis.Evaluation;
using Geode.Analysis.Judges;
using Geode.Analysis.Prompts;
using Geode.Analysis.Tests.Organism;
using Geode.Model;
using Geode.Model.Edits;
using Geode.Model.Organism;
using static TorchSharp.torch;

namespace Geode.Analysis.Tests.Evaluation;

/// <summary>
/// A prompt whose processing throws does not fail an evaluation (issue 9): its batch runs again a
/// row at a time, the prompt that throws alone is left out of every variant with its cause, and the
/// other prompts' responses are the ones a clean run gives.
/// </summary>
public sealed class VariantEvaluatorFailureTests
{
    [Fact]
    public void A_prompt_that_throws_is_left_out_of_every_variant_with_its_cause_and_the_rest_are_unchanged()
    {
        using OrganismSession session = OrganismSession.Open();
        using var scope = NewDisposeScope();
        PromptSet prompts = CascadeRunner.Subset(PromptSet.Builtin().Where(r => r.Category is "should_refuse" or "safe_control", "two categories"), 6);
        PromptRecord poisoned = prompts.Records[3];
        Edit planted = EditFile.Load(Path.Combine(session.Folder, PlantedRefusal.FileName));
        Edit?[] variants = [null, planted];
        var options = new BaselineOptions(32, BatchSize: 8);
        IResponseJudge[] clean = [new RegexJudge(), new KeywordJudge()];
        IResponseJudge[] faulty = [new ThrowingJudge(new RegexJudge(), poisoned.Prompt, () => new InvalidOperationException("the judge cannot read this one")), new KeywordJudge()];

        IReadOnlyList<BaselineResult> reference = VariantEvaluator.Run(session.Model, session.Tokenizer, session.Template, prompts, clean, variants, options);
        int[] progress = [0];
        IReadOnlyList<BaselineResult> results = VariantEvaluator.Run(session.Model, session.Tokenizer, session.Template, prompts, faulty, variants, options, done => progress[0] = done);

        for (int v = 0; v < variants.Length; v++)
        {
            FailedPrompt failed = Assert.Single(results[v].Failed);
            Assert.Equal(new FailedPrompt(3, poisoned.Id, "InvalidOperationException: the judge cannot read this one"), failed);
            Assert.Equal(reference[v].Responses.Where(r => r.Record.Id != poisoned.Id).Select(r => (r.Record.Id, r.Response)), results[v].Responses.Select(r => (r.Record.Id, r.Response)));
            CategoryRefusal refuse = results[v].ByCategory.Single(c => c.Category == "should_refuse");
            Assert.Equal(prompts.Records.Count(r => r.Category == "should_refuse") - 1, refuse.Interval.N);
        }

        // The variants differ, so equal responses above could have failed; every row was counted done.
        Assert.NotEqual(reference[0].Responses.Select(r => r.Response), reference[1].Responses.Select(r => r.Response));
        Assert.Equal(variants.Length * prompts.Records.Count, progress[0]);
    }

    [Fact]
    public void Bad_input_is_not_a_prompts_fault_and_still_fails_the_evaluation()
    {
        using OrganismSession session = OrganismSession.Open();
        using var scope = NewDisposeScope();
        PromptSet prompts = PromptSet.Builtin().Where(r => r.Category is "should_refuse", "one category");
        IResponseJudge[] judges = [new ThrowingJudge(new RegexJudge(), prompts.Records[1].Prompt, () => new BadInputException("judges.yaml: the judge is misconfigured.", "judges.yaml"))];

        BadInputException error = Assert.Throws<BadInputException>(() => VariantEvaluator.Run(session.Model, session.Tokenizer, session.Template, prompts, judges, [null], new BaselineOptions(4, BatchSize: 4)));
        Assert.Equal("judges.yaml: the judge is misconfigured.", error.Message);
    }

    /// <summary>A judge that throws on one prompt and otherwise judges as <paramref name="inner"/>.</summary>
    private sealed class ThrowingJudge(IResponseJudge inner, string prompt, Func<Exception> error) : IResponseJudge
    {
        public string Name => inner.Name;

        public string Version => inner.Version;

        public JudgeVerdict Judge(string judged, string response) =>
            judged == prompt ? throw error() : inner.Judge(judged, response);
    }
}
