using System.Text.Json.Nodes;
using Geode.Campaigns.Execution;

namespace Geode.Campaigns.Tests.Reporting;

/// <summary>The summary says which prompts a baseline left out because the model worker threw on them.</summary>
public sealed class MarkdownSummaryFailedPromptsTests
{
    private static JsonObject Results(JsonArray failed) => new()
    {
        ["campaign"] = new JsonObject { ["name"] = "c" },
        ["baseline"] = new JsonObject
        {
            ["judge"] = "regex 1",
            ["max_new_tokens"] = 8,
            ["prompts"] = 3,
            ["failed"] = failed.Count,
            ["failed_prompts"] = failed,
            ["categories"] = new JsonObject { ["a"] = new JsonObject { ["n"] = 3, ["refused"] = 1, ["rate"] = 0.333, ["ci"] = new JsonArray(0.0, 1.0) } },
        },
    };

    [Fact]
    public void Failed_prompts_are_listed_under_the_baseline_one_line_each_with_pipes_escaped()
    {
        string md = MarkdownSummary.Render(Results(ResultsJson.FailedPrompts([("baseline", 4, "p4", "InvalidOperationException: a|b\nsecond line")])));

        Assert.Contains("**1 prompt(s) failed** (the model worker threw on each alone) and are left out of the rates above:", md, StringComparison.Ordinal);
        Assert.Contains("| 4 | p4 | InvalidOperationException: a\\|b second line |\n", md.ReplaceLineEndings("\n"), StringComparison.Ordinal);
    }

    [Fact]
    public void A_baseline_without_failures_says_nothing_about_them()
    {
        Assert.DoesNotContain("failed", MarkdownSummary.Render(Results([])), StringComparison.Ordinal);
    }
}
