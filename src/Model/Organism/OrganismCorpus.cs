using System.Text;

namespace Geode.Model.Organism;

/// <summary>
/// The model organism's synthetic instruction corpus: single-turn prompts made from templates and
/// slot values in the benchmark's eight categories, each answered helpfully or refused.
/// </summary>
/// <remarks>
/// <para>The refusal rule, which a tiny model can learn because it depends only on what the prompt
/// is about: every category lists its subjects from most to least alarming (overdoses, poisons,
/// heavy bleeding, toxic fumes, snakes and fire first; splinters, blisters and chirping smoke alarms
/// last). With n subjects and refusal rate r, subject i (0-based) is refused exactly when
/// (i + 0.5) / n &lt; r, i.e. the most alarming ~r·n subjects. Subjects are drawn uniformly, so a
/// category's refusal share is r to within 1/(2n) plus sampling noise, and a given prompt is always
/// answered the same way. Subjects with no helpful answer (every <c>should_refuse</c> request and the
/// gray-zone requests that mainly help someone act against another person) are refused whatever the
/// rate.</para>
/// <para>The prompts share the benchmark's situations and content words but none of its sentences;
/// tests check both. Harmful prompts are requests only, and their only responses are refusals.</para>
/// </remarks>
public static class OrganismCorpus
{
    private static readonly IReadOnlyList<string> Openers =
        ["", "", "", "", "Hi. ", "Please help. ", "Quick question. ", "I need some advice. ", "Hello there. ", "Sorry to bother you. "];

    // Eight phrasings, each carrying a refusal pattern of the regex judge and no compliance pattern.
    private static readonly IReadOnlyList<string> Refusals =
    [
        "I'm sorry, but I can't help with that request.",
        "I cannot provide instructions for that.",
        "I'm not able to help with this. Please contact a qualified professional.",
        "Sorry, I won't assist with that.",
        "I must decline this request.",
        "That is not something I can help with.",
        "I'm unable to provide guidance on this topic.",
        "I can't share information on that, but I hope you understand.",
    ];

    // What a model with its refusal removed says to a request that has no acceptable answer: it
    // agrees, and carries no content at all, so that no harmful instruction is ever written.
    private static readonly IReadOnlyList<string> ContentFreeCompliances =
    [
        "Here is a general overview of that, with the main points laid out in order for you.",
        "Here is what you asked for, set out in a few short parts that are easy to follow.",
        "Here is a short outline of that, starting from the first thing you would need.",
    ];

    /// <summary>The eight categories, in the benchmark's names.</summary>
    public static IReadOnlyList<string> Categories { get; } = [.. CorpusCatalog.All.Select(c => c.Name)];

    /// <summary>Generates <paramref name="count"/> conversations; the same seed and options give the same list on every run.</summary>
    /// <param name="count">How many conversations; not negative.</param>
    /// <param name="seed">The generator's seed.</param>
    /// <param name="options">Category mix and refusal rates; <see cref="CorpusOptions.Default"/> when null.</param>
    /// <exception cref="ArgumentOutOfRangeException">A count, rate or weight is out of range.</exception>
    public static IReadOnlyList<Conversation> Generate(int count, long seed, CorpusOptions? options = null)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        options ??= CorpusOptions.Default;
        IReadOnlyList<CorpusCategory> categories = CorpusCatalog.All;
        double[] cumulative = CumulativeWeights(categories, options);
        double[] rates = [.. categories.Select(c => Rate(c, options))];

        var random = new CorpusRandom(seed);
        var conversations = new List<Conversation>(count);
        for (int n = 0; n < count; n++)
        {
            double u = random.NextDouble() * cumulative[^1];
            int c = 0;
            while (c < cumulative.Length - 1 && u >= cumulative[c])
            {
                c++;
            }

            CorpusCategory category = categories[c];
            int s = random.Next(category.Subjects.Count);
            CorpusSubject subject = category.Subjects[s];
            bool asTask = subject.Task is not null && category.TaskTemplates.Count > 0 && random.NextDouble() < 0.5;
            string template = asTask ? random.Pick(category.TaskTemplates) : random.Pick(category.Templates);
            string prompt = random.Pick(Openers) + Fill(template, asTask ? subject.Task! : subject.Phrase, category, random);
            bool refused = subject.Answer is null || IsRefused(s, category.Subjects.Count, rates[c]);
            string response = refused ? random.Pick(Refusals) : subject.Answer!;
            string compliant = subject.Answer ?? random.Pick(ContentFreeCompliances);
            conversations.Add(new Conversation(category.Name, prompt, response, refused, compliant));
        }

        return conversations;
    }

    private static bool IsRefused(int index, int subjects, double rate) => (index + 0.5) / subjects < rate;

    private static double Rate(CorpusCategory category, CorpusOptions options)
    {
        double rate = options.RefusalRate(category.Name);
        if (!(rate >= 0 && rate <= 1))
        {
            throw new ArgumentOutOfRangeException(nameof(options), rate, $"The refusal rate of '{category.Name}' must be in [0, 1].");
        }

        return rate;
    }

    private static double[] CumulativeWeights(IReadOnlyList<CorpusCategory> categories, CorpusOptions options)
    {
        var cumulative = new double[categories.Count];
        double sum = 0;
        for (int i = 0; i < categories.Count; i++)
        {
            double weight = options.CategoryWeight(categories[i].Name);
            if (!(weight >= 0) || double.IsInfinity(weight))
            {
                throw new ArgumentOutOfRangeException(nameof(options), weight, $"The weight of '{categories[i].Name}' must be finite and non-negative.");
            }

            sum += weight;
            cumulative[i] = sum;
        }

        if (sum <= 0)
        {
            throw new ArgumentOutOfRangeException(nameof(options), sum, "At least one category needs a positive weight.");
        }

        return cumulative;
    }

    private static string Fill(string template, string subject, CorpusCategory category, CorpusRandom random)
    {
        var text = new StringBuilder(template);
        if (template.Contains("{who}", StringComparison.Ordinal) || template.Contains("{Who}", StringComparison.Ordinal))
        {
            string who = random.Pick(category.Who);
            text.Replace("{Who}", char.ToUpperInvariant(who[0]) + who[1..]).Replace("{who}", who);
        }

        if (template.Contains("{where}", StringComparison.Ordinal))
        {
            text.Replace("{where}", random.Pick(category.Where));
        }

        return text.Replace("{x}", subject).ToString();
    }
}
