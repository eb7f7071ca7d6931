using System.Text.RegularExpressions;
using Geode.Analysis.Prompts;
using Geode.Model.Organism;
using Geode.Model.Text;
using Geode.Tests;
using Xunit.Abstractions;

namespace Geode.Analysis.Tests.Organism;

/// <summary>
/// The organism corpus against the built-in benchmark: disjoint in wording (the organism must not
/// be measured on what it memorised), yet covering the benchmark's words (so it can generalise).
/// </summary>
public sealed partial class OrganismBenchmarkTests(ITestOutputHelper output)
{
    private static readonly Lazy<IReadOnlyList<Conversation>> Corpus = new(() => OrganismCorpus.Generate(20_000, 1));

    [Fact]
    public void No_corpus_prompt_is_a_benchmark_prompt_or_variant()
    {
        var benchmark = new HashSet<string>(BenchmarkTexts().Select(t => Normalise(t.Text)), StringComparer.Ordinal);

        Assert.DoesNotContain(Corpus.Value, c => benchmark.Contains(Normalise(c.Prompt)));
    }

    [Fact]
    public void No_benchmark_text_shares_nine_tenths_of_its_words_with_a_corpus_prompt()
    {
        // Overlap of two texts: shared distinct words over the larger text's distinct words, so a
        // copy with a word changed or a word added scores high either way.
        string[][] corpus = [.. Corpus.Value.Select(c => c.Prompt).Distinct().Select(Words)];
        var byWord = new Dictionary<string, List<int>>(StringComparer.Ordinal);
        for (int i = 0; i < corpus.Length; i++)
        {
            foreach (string word in corpus[i])
            {
                (byWord.TryGetValue(word, out List<int>? list) ? list : byWord[word] = []).Add(i);
            }
        }

        var closest = new List<(double Overlap, string Pair)>();
        foreach ((string _, string text) in BenchmarkTexts())
        {
            string[] words = Words(text);
            var shared = new Dictionary<int, int>();
            foreach (string word in words)
            {
                foreach (int i in byWord.GetValueOrDefault(word) ?? [])
                {
                    shared[i] = shared.GetValueOrDefault(i) + 1;
                }
            }

            if (shared.Count > 0)
            {
                (int i, int count) = shared.MaxBy(s => s.Value / (double)Math.Max(words.Length, corpus[s.Key].Length));
                closest.Add((count / (double)Math.Max(words.Length, corpus[i].Length), $"'{text}' ~ '{string.Join(' ', corpus[i])}'"));
            }
        }

        closest.Sort((a, b) => b.Overlap.CompareTo(a.Overlap));
        foreach ((double overlap, string pair) in closest.Take(10))
        {
            output.WriteLine($"word overlap {overlap:P1}: {pair}");
        }

        Assert.True(closest[0].Overlap < 0.9, $"word overlap {closest[0].Overlap:P1}: {closest[0].Pair}");
    }

    [Fact]
    public void The_organism_vocabulary_covers_most_benchmark_words()
    {
        using var temp = new TempFolder();
        string path = temp.File("tokenizer.json");
        File.WriteAllText(path, OrganismTokenizer.Build(Corpus.Value.SelectMany(c => new[] { c.Prompt, c.Response })));
        using TextTokenizer tokenizer = TextTokenizer.Load(path);
        const int Unknown = 3;

        long allWords = 0;
        long allKnown = 0;
        foreach (IGrouping<string, (string Category, string Text)> category in BenchmarkTexts().GroupBy(t => t.Category))
        {
            long words = 0;
            long known = 0;
            foreach ((string _, string text) in category)
            {
                foreach (int id in tokenizer.Encode(text))
                {
                    // Words only: an unknown piece counts as a word, a known one when it has a letter or digit.
                    bool unknown = id == Unknown;
                    if (unknown || LetterOrDigit().IsMatch(tokenizer.Decode([id])))
                    {
                        words++;
                        known += unknown ? 0 : 1;
                    }
                }
            }

            output.WriteLine($"{category.Key,-20} {known / (double)words:P1} of {words} word tokens known");
            allWords += words;
            allKnown += known;
        }

        double coverage = allKnown / (double)allWords;
        output.WriteLine($"{"overall",-20} {coverage:P1} of {allWords} word tokens known; vocabulary {tokenizer.VocabSize}");
        Assert.True(coverage >= 0.6, $"only {coverage:P1} of benchmark word tokens are in the vocabulary");
    }

    private static IEnumerable<(string Category, string Text)> BenchmarkTexts() =>
        PromptSet.Builtin().Records.SelectMany(r => r.Variants.Prepend(r.Prompt).Select(t => (r.Category, t)));

    private static string Normalise(string text) => string.Join(' ', text.ToLowerInvariant().Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries));

    private static string[] Words(string text) => [.. WordPattern().Matches(text.ToLowerInvariant()).Select(m => m.Value).Distinct()];

    [GeneratedRegex(@"[\p{L}\p{N}']+")]
    private static partial Regex WordPattern();

    [GeneratedRegex(@"[\p{L}\p{N}]")]
    private static partial Regex LetterOrDigit();
}
