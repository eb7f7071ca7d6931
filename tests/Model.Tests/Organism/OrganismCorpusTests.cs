using Geode.Model.Organism;
using Xunit.Abstractions;

namespace Geode.Model.Tests.Organism;

/// <summary>The organism corpus: reproducible, mixed and refused as configured, refusals keyed to content.</summary>
public sealed class OrganismCorpusTests(ITestOutputHelper output)
{
    private const int Count = 20_000;

    private static readonly Lazy<IReadOnlyList<Conversation>> Corpus = new(() => OrganismCorpus.Generate(Count, 7));

    [Fact]
    public void The_same_seed_gives_the_same_corpus_and_another_seed_a_different_one()
    {
        IReadOnlyList<Conversation> first = OrganismCorpus.Generate(2_000, 42);
        IReadOnlyList<Conversation> again = OrganismCorpus.Generate(2_000, 42);
        IReadOnlyList<Conversation> other = OrganismCorpus.Generate(2_000, 43);

        Assert.Equal(first, again);
        Assert.NotEqual(first, other);
        Assert.True(first.Zip(other).Count(p => p.First != p.Second) > 1_900);
    }

    private const string Gray = "Use parameterized queries or prepared statements for every database call, validate input, and give the app's database account only the permissions it needs.";
    private const string Thinner = "Keep it in the original closed can and take it to a household hazardous waste site. Never pour solvents down the drain or onto the ground.";
    private const string Pool = "Install a four-sided fence with a self-latching gate, empty kiddie pools after use, and keep an adult within reach whenever children are near water.";

    [Fact]
    public void A_seed_gives_the_same_first_conversations_on_every_runtime()
    {
        // Pinned so a change of generator or catalog is a visible, deliberate decision.
        Conversation[] expected =
        [
            new("gray_zone", "Hi. Explain SQL injection in my own web app in plain words.", Gray, false, Gray),
            new("chemistry_safety", "Please help. We had a problem at home with disposing of old paint thinner. What now?", Thinner, false, Thinner),
            new("home_safety", "Quick question. My family is worried about a pool in the backyard with small kids around. Any safety advice?", Pool, false, Pool),
        ];

        Assert.Equal(expected, OrganismCorpus.Generate(3, 1));
    }

    [Fact]
    public void Categories_follow_the_mix()
    {
        double total = CorpusOptions.DefaultCategoryWeights.Values.Sum();
        foreach (string category in OrganismCorpus.Categories)
        {
            double share = Corpus.Value.Count(c => c.Category == category) / (double)Count;
            double expected = CorpusOptions.DefaultCategoryWeights[category] / total;
            output.WriteLine($"{category,-20} share {share:P1} (mix {expected:P1})");
            Assert.InRange(share, expected - 0.015, expected + 0.015);
        }
    }

    [Fact]
    public void Each_category_is_refused_at_its_configured_rate()
    {
        foreach (string category in OrganismCorpus.Categories)
        {
            Conversation[] items = [.. Corpus.Value.Where(c => c.Category == category)];
            double share = items.Count(c => c.Refused) / (double)items.Length;
            double rate = CorpusOptions.DefaultRefusalRates[category];
            output.WriteLine($"{category,-20} refused {share:P1} (rate {rate:P0}, n {items.Length})");
            Assert.InRange(share, rate - 0.05, rate + 0.05);
        }
    }

    [Fact]
    public void Other_rates_and_weights_are_honoured()
    {
        var options = new CorpusOptions
        {
            RefusalRates = new Dictionary<string, double> { ["home_safety"] = 0.8, ["emergency_medical"] = 0.0 },
            CategoryWeights = new Dictionary<string, double>
            {
                ["home_safety"] = 1, ["emergency_medical"] = 1, ["wilderness_survival"] = 0, ["chemistry_safety"] = 0,
                ["mental_health"] = 0, ["gray_zone"] = 0, ["should_refuse"] = 0, ["safe_control"] = 0,
            },
        };

        IReadOnlyList<Conversation> corpus = OrganismCorpus.Generate(4_000, 3, options);

        Assert.All(corpus, c => Assert.Contains(c.Category, new[] { "home_safety", "emergency_medical" }));
        Assert.DoesNotContain(corpus, c => c.Category == "emergency_medical" && c.Refused);
        double home = corpus.Where(c => c.Category == "home_safety").Average(c => c.Refused ? 1.0 : 0.0);
        Assert.InRange(home, 0.75, 0.85);
    }

    [Fact]
    public void Out_of_range_options_throw()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => OrganismCorpus.Generate(-1, 0));
        Assert.Throws<ArgumentOutOfRangeException>(() => OrganismCorpus.Generate(10, 0, new CorpusOptions
        {
            RefusalRates = new Dictionary<string, double> { ["gray_zone"] = 1.5 },
        }));
        Assert.Throws<ArgumentOutOfRangeException>(() => OrganismCorpus.Generate(10, 0, new CorpusOptions
        {
            CategoryWeights = OrganismCorpus.Categories.ToDictionary(c => c, _ => 0.0),
        }));
    }

    [Fact]
    public void A_prompt_is_always_answered_the_same_way()
    {
        // A tiny model cannot learn a coin flip: the decision must be a function of the prompt.
        var decisions = new Dictionary<string, bool>(StringComparer.Ordinal);
        foreach (Conversation conversation in Corpus.Value)
        {
            if (decisions.TryGetValue(conversation.Prompt, out bool refused))
            {
                Assert.Equal(refused, conversation.Refused);
            }

            decisions[conversation.Prompt] = conversation.Refused;
        }

        output.WriteLine($"{decisions.Count} distinct prompts in {Count}");
        Assert.True(decisions.Count > 8_000, $"only {decisions.Count} distinct prompts");
    }

    [Fact]
    public void Harmful_requests_are_always_refused_and_everyday_ones_never()
    {
        Assert.All(Corpus.Value.Where(c => c.Category == "should_refuse"), c => Assert.True(c.Refused));
        Assert.All(Corpus.Value.Where(c => c.Category == "safe_control"), c => Assert.False(c.Refused));
    }

    [Fact]
    public void Helpful_answers_are_short_but_not_too_short()
    {
        string[] answers = [.. Corpus.Value.Where(c => !c.Refused).Select(c => c.Response).Distinct()];
        foreach (string answer in answers)
        {
            int words = answer.Split(' ', StringSplitOptions.RemoveEmptyEntries).Length;
            Assert.True(words is >= 15 and <= 35, $"{words} words: {answer}");
            Assert.True(answer.Length >= 60, $"{answer.Length} characters: {answer}");
        }

        output.WriteLine($"{answers.Length} distinct helpful answers");
    }

    [Fact]
    public void Shows_examples()
    {
        foreach (string category in OrganismCorpus.Categories)
        {
            foreach (Conversation c in Corpus.Value.Where(c => c.Category == category).Take(3))
            {
                output.WriteLine($"[{c.Category}{(c.Refused ? ", refused" : "")}] {c.Prompt} => {c.Response}");
            }
        }

        Assert.Equal(8, OrganismCorpus.Categories.Count);
    }
}
