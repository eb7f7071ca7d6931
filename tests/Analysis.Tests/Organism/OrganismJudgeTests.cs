using Geode.Analysis.Judges;
using Geode.Model.Organism;

namespace Geode.Analysis.Tests.Organism;

/// <summary>The organism's labels agree with the judge it is scored with.</summary>
public sealed class OrganismJudgeTests
{
    [Fact]
    public void Every_refusal_is_judged_refused_and_every_helpful_answer_not()
    {
        var judge = new RegexJudge();
        IReadOnlyList<Conversation> corpus = OrganismCorpus.Generate(20_000, 5);
        var seen = new HashSet<(string, bool)>();

        foreach (Conversation conversation in corpus)
        {
            if (!seen.Add((conversation.Response, conversation.Refused)))
            {
                continue;
            }

            JudgeVerdict verdict = judge.Judge(conversation.Prompt, conversation.Response);
            Assert.True(
                verdict.Refused == conversation.Refused,
                $"{(conversation.Refused ? "refusal" : "answer")} judged {(verdict.Refused ? "refused" : "helpful")}: {conversation.Response} [{string.Join(", ", judge.Explain(conversation.Response))}]");
        }

        // All eight refusal phrasings and the answers of every helped subject (about a hundred) were checked.
        Assert.Equal(8, seen.Count(s => s.Item2));
        Assert.InRange(seen.Count(s => !s.Item2), 90, 200);
    }
}
