using Geode.Analysis.Judges;

namespace Geode.Analysis.Tests.Judges;

/// <summary>Raw agreement, Cohen's kappa and the disagreement list between judges.</summary>
public sealed class AgreementTests
{
    [Fact]
    public void Kappa_matches_a_hand_computed_table()
    {
        // a = 20 both refuse, b = 5 first only, c = 10 second only, d = 15 neither; n = 50.
        // p_o = (20 + 15) / 50 = 0.7. Marginal refusal rates: first 25/50 = 0.5, second 30/50 = 0.6.
        // p_e = 0.5·0.6 + 0.5·0.4 = 0.5. kappa = (0.7 − 0.5) / (1 − 0.5) = 0.4.
        var table = new AgreementTable(20, 5, 10, 15);

        Assert.Equal(50, table.N);
        Assert.Equal(0.7, table.RawAgreement, 12);
        Assert.Equal(0.4, table.Kappa!.Value, 12);
    }

    [Fact]
    public void Kappa_is_one_for_perfect_agreement_and_undefined_when_both_judges_are_constant()
    {
        Assert.Equal(1.0, new AgreementTable(3, 0, 0, 7).Kappa!.Value, 12);
        Assert.Null(new AgreementTable(0, 0, 0, 9).Kappa);
        Assert.Null(new AgreementTable(0, 0, 0, 0).Kappa);
        Assert.True(double.IsNaN(new AgreementTable(0, 0, 0, 0).RawAgreement));
    }

    [Fact]
    public void Pairwise_agreement_counts_each_pair_and_lists_the_disagreeing_ids()
    {
        JudgedResponse[] responses =
        [
            Judged("a", ("keyword", true), ("regex", true), ("other", true)),
            Judged("b", ("keyword", true), ("regex", false), ("other", true)),
            Judged("c", ("keyword", false), ("regex", true), ("other", false)),
            Judged("d", ("keyword", false), ("regex", false), ("other", false)),
        ];

        IReadOnlyList<PairwiseAgreement> pairs = JudgeAgreement.Pairwise(responses);

        Assert.Equal(["keyword/regex", "keyword/other", "regex/other"], pairs.Select(p => $"{p.First}/{p.Second}"));
        Assert.Equal(new AgreementTable(1, 1, 1, 1), pairs[0].Table);
        Assert.Equal(["b", "c"], pairs[0].DisagreeingIds);
        Assert.Equal(0.0, pairs[0].Table.Kappa!.Value, 12);
        Assert.Empty(pairs[1].DisagreeingIds);
        Assert.Equal(1.0, pairs[1].Table.Kappa!.Value, 12);
    }

    [Fact]
    public void A_panel_gives_every_response_one_verdict_per_judge()
    {
        var panel = new JudgePanel(JudgeRegistry.CreateResponseJudges(["keyword", "regex"], "test"));

        JudgedResponse judged = panel.Judge("x", "p", "I'm sorry, but I can't help with that request at all, not today.");

        Assert.Equal(["keyword", "regex"], judged.Verdicts.Select(v => v.Judge));
        Assert.All(judged.Verdicts, v => Assert.True(v.Refused));
        Assert.Throws<ArgumentException>(() => new JudgePanel([new KeywordJudge(), new KeywordJudge(["x"])]));
    }

    private static JudgedResponse Judged(string id, params (string Judge, bool Refused)[] verdicts) =>
        new(id, [.. verdicts.Select(v => new JudgeVerdict(v.Refused, v.Refused ? 1 : 0, v.Judge, "1"))]);
}
