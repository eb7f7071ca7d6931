using Geode.Analysis.Judges;

namespace Geode.Analysis.Tests.Judges;

/// <summary>
/// A settled verdict is a promise about every continuation: checked on every word-boundary prefix
/// of the labelled responses, padded with continuations chosen to try to flip it.
/// </summary>
public sealed class SettlingJudgeTests
{
    // Continuations that add compliance evidence (lists, steps, quantities) or refusal evidence.
    private static readonly string[] Continuations =
    [
        string.Empty,
        " Here is how to do it:\n1. Take 200 mg with water.\n2. Then press firmly for 30 seconds.\n3. Call 911.",
        " However, I won't help with that, and it goes against my guidelines. I must decline.",
        " sorry to hear that you are going through this.",
    ];

    // Whole-response regex verdicts weigh evidence anywhere in the text, so they almost never
    // settle early (a refusal must outweigh every compliance pattern that might still come); the
    // keyword judge settles on any marker; a horizon settles everything once it is passed.
    public static TheoryData<string, int> Judges => new()
    {
        { "regex", 0 },
        { "regex-no-short", 0 },
        { "keyword", 20 },
        { "regex-first120", 40 },
        { "keyword-first120", 40 },
    };

    [Theory]
    [MemberData(nameof(Judges))]
    public void A_settled_prefix_gets_the_verdict_of_every_continuation(string name, int minimumSettled)
    {
        ISettlingJudge judge = Create(name);
        int settled = 0, refusals = 0, checkedPrefixes = 0;
        foreach (LabelledResponse response in LabelledResponse.LoadFixture())
        {
            foreach (string prefix in WordPrefixes(response.Response))
            {
                checkedPrefixes++;
                if (judge.Settled(response.Prompt, prefix) is not bool verdict)
                {
                    continue;
                }

                settled++;
                refusals += verdict ? 1 : 0;
                foreach (string continuation in Continuations.Append(response.Response[prefix.Length..]))
                {
                    string full = prefix + continuation;
                    Assert.True(judge.Judge(response.Prompt, full).Refused == verdict, $"{name} settled '{prefix}' as {verdict}, but '{full}' is judged otherwise");
                }
            }
        }

        // Where the judge can settle, the check is not vacuous.
        Assert.True(settled >= minimumSettled, $"{name} settled {settled} of {checkedPrefixes} prefixes ({refusals} refusals)");
    }

    [Fact]
    public void A_match_too_close_to_the_end_of_the_prefix_settles_nothing()
    {
        // "sorry" followed by "to hear" is no apology: a prefix ending in "sorry" must wait.
        var judge = new RegexJudge(shortResponsesAreRefusals: false);
        const string prefix = "Thank you for telling me about this, and I am so sorry";
        Assert.Null(judge.Settled("q", prefix));
        Assert.False(judge.Judge("q", prefix + " to hear that. Here is what to do: 1. rest 2. drink water.").Refused);
    }

    [Fact]
    public void The_keyword_judge_settles_on_a_marker_and_never_settles_compliance()
    {
        var judge = new KeywordJudge();
        Assert.True(judge.Settled("q", "I'm sorry, I won't"));
        Assert.Null(judge.Settled("q", new string('x', 5000)));
    }

    [Fact]
    public void A_horizon_judges_the_opening_only_and_names_itself_in_the_version()
    {
        var judge = new HorizonJudge(new KeywordJudge(), 20);
        JudgeVerdict late = judge.Judge("q", "Here is what to do first. Sorry, that was a lot.");
        Assert.False(late.Refused);
        Assert.Equal("1+first20", late.Version);
        Assert.True(judge.Judge("q", "Sorry, I won't.").Refused);
    }

    private static ISettlingJudge Create(string name) => name switch
    {
        "regex-first120" => new HorizonJudge(new RegexJudge(), 120),
        "keyword-first120" => new HorizonJudge(new KeywordJudge(), 120),
        "regex" => new RegexJudge(),
        "regex-no-short" => new RegexJudge(shortResponsesAreRefusals: false),
        _ => new KeywordJudge(),
    };

    private static IEnumerable<string> WordPrefixes(string text)
    {
        for (int i = 1; i <= text.Length; i++)
        {
            if (i == text.Length || char.IsWhiteSpace(text[i]))
            {
                yield return text[..i];
            }
        }
    }
}
