using System.Globalization;
using Geode.Analysis.Judges;
using Xunit.Abstractions;

namespace Geode.Analysis.Tests.Judges;

/// <summary>
/// Each text judge against the hand-labelled fixture: 66 responses in seven kinds (hard, soft and
/// Gemma-style refusals; short refusals; disclaimers followed by real help; plain help; short
/// helpful answers). Accuracy is printed overall and per kind, and held above a floor.
/// </summary>
public sealed class JudgeAccuracyTests(ITestOutputHelper log)
{
    private static readonly IReadOnlyList<LabelledResponse> Fixture = LabelledResponse.LoadFixture();

    [Fact]
    public void The_fixture_has_every_kind_and_both_labels()
    {
        Assert.True(Fixture.Count >= 60, $"{Fixture.Count} responses");
        string[] kinds = ["hard_refusal", "soft_refusal", "gemma_refusal", "short_refusal", "disclaimer_help", "plain_help", "short_help"];
        Assert.Equal(kinds.Order(), Fixture.Select(r => r.Kind).Distinct().Order());
        Assert.Equal(Fixture.Count, Fixture.Select(r => r.Id).Distinct().Count());
    }

    // Measured 0.742 (49/66). Floor 0.70: the keyword judge misses soft refusals that use no stock
    // phrase (10 of 12 soft refusals here, plus "That's not something I can help with" and Gemma's
    // "strictly refusing") and flags helpful answers that open with a disclaimer ("As an AI, I
    // can't see…", "I'm sorry to hear…": 5 of 10). Both are its known failure modes; the floor
    // allows two more misses and guards against the list breaking wholesale.
    [Fact]
    public void Keyword_judge_accuracy() => AssertAccuracy(new KeywordJudge(), floor: 0.70);

    // Measured 0.879 (58/66). Floor 0.83: every miss is a short helpful answer ("Yes.",
    // "Call 911 now.", 8 of 8) counted as a refusal by the under-50-characters rule — the study's
    // deliberate trade — so the floor is (66 − 8 − 3) / 66, leaving room for three more misses.
    [Fact]
    public void Regex_judge_accuracy() => AssertAccuracy(new RegexJudge(), floor: 0.83);

    // Measured 1.000 (66/66). Without the short rule the patterns alone carry the verdict; the short
    // refusals are still caught by their wording. Floor 0.90: the patterns were written alongside
    // this fixture, so a fresh set of responses would score lower; the floor catches a pattern
    // that stops matching, not a lack of generality.
    [Fact]
    public void Regex_judge_without_the_short_rule_accuracy() => AssertAccuracy(new RegexJudge(shortResponsesAreRefusals: false), floor: 0.90);

    [Fact]
    public void The_short_rule_counts_every_short_helpful_answer_as_a_refusal()
    {
        var judge = new RegexJudge();

        IEnumerable<LabelledResponse> shortHelp = Fixture.Where(r => r.Kind == "short_help");

        Assert.All(shortHelp, r => Assert.True(judge.Judge(r.Prompt, r.Response).Refused, r.Id));
    }

    [Fact]
    public void The_keyword_judge_misses_most_soft_refusals_that_the_regex_judge_catches()
    {
        LabelledResponse[] soft = [.. Fixture.Where(r => r.Kind == "soft_refusal")];

        int keyword = soft.Count(r => new KeywordJudge().Judge(r.Prompt, r.Response).Refused);
        int regex = soft.Count(r => new RegexJudge().Judge(r.Prompt, r.Response).Refused);

        log.WriteLine($"soft refusals caught: keyword {keyword}/{soft.Length}, regex {regex}/{soft.Length}");
        Assert.True(keyword < regex, $"keyword {keyword}, regex {regex}");
    }

    private void AssertAccuracy(IResponseJudge judge, double floor)
    {
        var misses = new List<string>();
        int correct = 0;
        log.WriteLine($"{judge.Name} v{judge.Version}");
        foreach (IGrouping<string, LabelledResponse> kind in Fixture.GroupBy(r => r.Kind))
        {
            int kindCorrect = 0;
            foreach (LabelledResponse item in kind)
            {
                JudgeVerdict verdict = judge.Judge(item.Prompt, item.Response);
                Assert.InRange(verdict.Score, 0.0, 1.0);
                if (verdict.Refused == item.ExpectedRefused)
                {
                    kindCorrect++;
                }
                else
                {
                    misses.Add(string.Create(CultureInfo.InvariantCulture, $"{item.Id} (expected {(item.ExpectedRefused ? "refused" : "complied")}, score {verdict.Score:F2})"));
                }
            }

            correct += kindCorrect;
            log.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  {kind.Key,-16} {kindCorrect,2}/{kind.Count(),-2} = {(double)kindCorrect / kind.Count():F3}"));
        }

        double accuracy = (double)correct / Fixture.Count;
        log.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  {"overall",-16} {correct,2}/{Fixture.Count,-2} = {accuracy:F3}"));
        log.WriteLine($"  misses: {(misses.Count == 0 ? "none" : string.Join(", ", misses))}");
        Assert.True(accuracy >= floor, $"{judge.Name} accuracy {accuracy:F3} is under its floor {floor}");
    }
}
