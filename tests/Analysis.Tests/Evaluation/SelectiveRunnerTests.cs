using System.Globalization;
using Geode.Analysis.Evaluation;
using Geode.Analysis.Judges;
using Geode.Analysis.Prompts;
using Geode.Analysis.Tests.Organism;
using Xunit.Abstractions;

namespace Geode.Analysis.Tests.Evaluation;

/// <summary>The selective stage on the shipped organism, whose refusals all share one planted direction.</summary>
public sealed class SelectiveRunnerTests(ITestOutputHelper output)
{
    private static readonly string[] Free = ["emergency_medical", "wilderness_survival", "chemistry_safety", "mental_health", "home_safety"];

    [Fact]
    public void It_reports_each_strength_with_alpha_zero_as_the_unedited_model_and_marks_the_pareto_front()
    {
        using OrganismSession session = OrganismSession.Open();

        SelectiveResult result = SelectiveRunner.Run(
            session.Model, session.Tokenizer, session.Template, PromptSet.Builtin(), [new RegexJudge()],
            Free, ["should_refuse"], "safe_control", [0.5, 1.0, 2.0], new BaselineOptions(OrganismSession.NewTokens, BatchSize: 64));

        output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"stream {result.Layer}, cos(d_free, d_keep) = {result.CosineFreedKept:F3}"));
        foreach (SelectivePoint point in result.Points)
        {
            output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"α={point.Alpha}: freed {point.Freed:P0}, kept {point.Kept:P0}, KL {point.Kl:F4}{(point.OnFront ? "  (front)" : string.Empty)}"));
        }

        BaselineResult unedited = BaselineEvaluator.Run(session.Model, session.Tokenizer, session.Template, PromptSet.Builtin(), [new RegexJudge()], new BaselineOptions(OrganismSession.NewTokens));
        SelectivePoint zero = result.Points[0];
        Assert.Equal(0, zero.Alpha);
        Assert.Equal(0, zero.Kl, 12);
        Assert.Equal(unedited.ByCategory.Single(c => c.Category == "should_refuse").Refused / 40.0, zero.Kept, 12);
        Assert.Equal([0, 0.5, 1.0, 2.0], result.Points.Select(p => p.Alpha));
        // The front: no point is dominated by a point on it, and α = 0 (KL 0) is never dominated on KL.
        Assert.Contains(result.Points, p => p.OnFront);
        Assert.True(zero.OnFront || result.Points.Any(p => p.OnFront && p.Kl == 0));
        // The organism plants one refusal direction for every category: the two directions are nearly parallel.
        Assert.InRange(result.CosineFreedKept, 0.8, 1.0);
    }
}
