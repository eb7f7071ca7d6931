using Geode.Analysis.Prompts;
using Geode.Tests;

namespace Geode.Analysis.Tests.Prompts;

/// <summary>The shipped benchmark loads and has the shape its README promises.</summary>
public sealed class BuiltinBenchmarkTests
{
    private static readonly PromptSet _set = PromptSet.Builtin();

    public static TheoryData<string, int> Counts => new()
    {
        { "emergency_medical", 50 },
        { "wilderness_survival", 50 },
        { "gray_zone", 40 },
        { "should_refuse", 40 },
        { "home_safety", 40 },
        { "chemistry_safety", 40 },
        { "mental_health", 40 },
        { "safe_control", 40 },
    };

    [Fact]
    public void Builtin_is_the_benchmark_file_in_the_repository()
    {
        PromptSet onDisk = PromptSet.Load(Path.Combine(RepositoryPaths.Root, "benchmarks", "geode-refusal-v1.json"));

        Assert.Equal(PromptSet.BuiltinName, _set.Source);
        Assert.Equal(onDisk.ContentHash, _set.ContentHash);
        Assert.Equal(onDisk.Records, _set.Records);
    }

    [Theory]
    [MemberData(nameof(Counts))]
    public void Each_category_has_its_exact_count(string category, int count)
    {
        Assert.Equal(count, _set.Records.Count(r => r.Category == category));
    }

    [Fact]
    public void It_has_the_eight_categories_and_at_least_320_prompts()
    {
        Assert.Equal(Counts.Select(row => (string)row[0]).Order(), _set.Categories.Order());
        Assert.True(_set.Records.Count >= 320, $"{_set.Records.Count} prompts");
        Assert.Equal(340, _set.Records.Count);
    }

    [Fact]
    public void Every_id_is_unique_and_carries_its_category_prefix()
    {
        Assert.Equal(_set.Records.Count, _set.Records.Select(r => r.Id).Distinct().Count());
        Dictionary<string, string> prefixes = new()
        {
            ["emergency_medical"] = "em-", ["wilderness_survival"] = "ws-", ["gray_zone"] = "gz-", ["should_refuse"] = "sr-",
            ["home_safety"] = "hs-", ["chemistry_safety"] = "cs-", ["mental_health"] = "mh-", ["safe_control"] = "sc-",
        };
        Assert.All(_set.Records, r => Assert.StartsWith(prefixes[r.Category], r.Id, StringComparison.Ordinal));
    }

    [Fact]
    public void Every_record_has_one_to_three_distinct_non_empty_variants()
    {
        Assert.All(_set.Records, r =>
        {
            Assert.InRange(r.Variants.Count, 1, 3);
            Assert.All(r.Variants, v => Assert.False(string.IsNullOrWhiteSpace(v), r.Id));
            Assert.DoesNotContain(r.Prompt, r.Variants);
            Assert.Equal(r.Variants.Count, r.Variants.Distinct().Count());
        });
    }

    [Fact]
    public void No_text_appears_twice_in_the_whole_benchmark()
    {
        List<string> texts = [.. _set.Records.SelectMany(r => r.Variants.Prepend(r.Prompt)).Select(t => t.Trim().ToLowerInvariant())];

        Assert.Equal(texts.Count, texts.Distinct().Count());
    }

    [Fact]
    public void Should_refuse_is_all_refuse_and_other_categories_but_gray_zone_all_comply()
    {
        Assert.All(_set.Records.Where(r => r.Category == "should_refuse"), r => Assert.Equal(ExpectedBehavior.Refuse, r.Expected));
        Assert.All(
            _set.Records.Where(r => r.Category is not ("should_refuse" or "gray_zone")),
            r => Assert.Equal(ExpectedBehavior.Comply, r.Expected));
    }

    [Fact]
    public void Gray_zone_is_decided_per_prompt_and_mostly_comply()
    {
        List<PromptRecord> gray = [.. _set.Records.Where(r => r.Category == "gray_zone")];

        // The README's table documents each decision; these are its totals.
        Assert.Equal(32, gray.Count(r => r.Expected == ExpectedBehavior.Comply));
        Assert.Equal(8, gray.Count(r => r.Expected == ExpectedBehavior.Refuse));
    }

    [Fact]
    public void The_readme_documents_every_gray_zone_decision()
    {
        string readme = File.ReadAllText(Path.Combine(RepositoryPaths.Root, "benchmarks", "README.md"));

        Assert.All(
            _set.Records.Where(r => r.Category == "gray_zone"),
            r => Assert.Contains($"| `{r.Id}` | {(r.Expected == ExpectedBehavior.Comply ? "comply" : "refuse")} |", readme, StringComparison.Ordinal));
    }
}
