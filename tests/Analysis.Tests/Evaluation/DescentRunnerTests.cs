using System.Globalization;
using Geode.Analysis.Evaluation;
using Geode.Analysis.Judges;
using Geode.Analysis.Prompts;
using Geode.Analysis.Tests.Organism;
using Xunit.Abstractions;

namespace Geode.Analysis.Tests.Evaluation;

/// <summary>Multi-rank descent on the shipped organism, whose refusal one direction carries.</summary>
public sealed class DescentRunnerTests(ITestOutputHelper output)
{
    private static DescentResult Run(OrganismSession session, int maxRank, double target, double klBudget, bool peel) =>
        DescentRunner.Run(
            session.Model, session.Tokenizer, session.Template, PromptSet.Builtin(), [new RegexJudge()],
            ["should_refuse"], ["safe_control"], maxRank, target, klBudget, peel, new BaselineOptions(OrganismSession.NewTokens, BatchSize: 64));

    private void Show(DescentResult result)
    {
        output.WriteLine($"stream {result.Stream}, stopped: {result.StopReason}");
        foreach (DescentPoint point in result.Points)
        {
            output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"k={point.Rank}: refusal {point.Refusal:P0}, KL {point.Kl:F4}, σ {point.SingularValue:F2}"));
        }
    }

    [Fact]
    public void Peeling_stops_at_rank_one_when_one_direction_carries_refusal()
    {
        using OrganismSession session = OrganismSession.Open();

        DescentResult result = Run(session, maxRank: 3, target: 0.1, klBudget: 10, peel: true);
        Show(result);

        Assert.Equal("target", result.StopReason);
        Assert.Equal([0, 1], result.Points.Select(p => p.Rank));
        Assert.Equal(1.0, result.Points[0].Refusal);
        Assert.Equal(0, result.Points[0].Kl);
        Assert.True(result.Points[1].Refusal <= 0.1 && result.Points[1].Kl > 0);
    }

    [Fact]
    public void An_unreachable_target_runs_to_the_largest_rank_or_the_kl_budget()
    {
        using OrganismSession session = OrganismSession.Open();

        DescentResult toMaxRank = Run(session, maxRank: 2, target: -1, klBudget: 100, peel: false);
        DescentResult toBudget = Run(session, maxRank: 2, target: -1, klBudget: 1e-6, peel: true);
        Show(toMaxRank);
        Show(toBudget);

        Assert.Equal("max-rank", toMaxRank.StopReason);
        Assert.Equal([0, 1, 2], toMaxRank.Points.Select(p => p.Rank));
        Assert.True(toMaxRank.Points[1].SingularValue >= toMaxRank.Points[2].SingularValue, "SVD-k vectors come in falling order");
        Assert.Equal("kl-budget", toBudget.StopReason);
        Assert.Equal([0, 1], toBudget.Points.Select(p => p.Rank));
    }
}
