using System.Text.Json;
using Geode.Client.Cluster;
using Geode.Grains.Campaigns;

namespace Geode.Client.Tests.Campaigns;

/// <summary>What `geode run` and `geode watch` say at the end about prompts that failed on their own.</summary>
public sealed class FailedPromptOutputTests
{
    private static CampaignStatus Status(CampaignPhase phase, int failed) =>
        new("c1", phase, ["baseline"], 1, 0, 0, "prompts", 0, 0, 12, 0, phase == CampaignPhase.Failed ? "boom" : null, "/nonexistent/out", new Dictionary<string, int>(), 0, 1, 0, 0, 0, 0, new Dictionary<string, double>(), 0)
        {
            FailedPrompts = [.. Enumerable.Range(0, failed).Select(i => new PromptFailure { Stage = "baseline", Index = i * 3, PromptId = $"p{i * 3}", Cause = $"InvalidOperationException: bad {i}" })],
        };

    [Fact]
    public void The_end_of_a_run_lists_the_failed_prompts_and_says_they_were_left_out()
    {
        var error = new StringWriter();

        new CampaignProgress(error, terminal: false).Finish(Status(CampaignPhase.Succeeded, 2));

        string[] lines = error.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal("geode: 2 prompt(s) failed on their own and were left out (results.json → STAGE.failed_prompts):", lines[^3]);
        Assert.Equal("geode:   baseline prompt 0 (p0): InvalidOperationException: bad 0", lines[^2]);
        Assert.Equal("geode:   baseline prompt 3 (p3): InvalidOperationException: bad 1", lines[^1]);
    }

    [Fact]
    public void A_long_list_is_cut_after_ten_and_a_clean_run_says_nothing_about_failures()
    {
        var many = new StringWriter();
        new CampaignProgress(many, terminal: false).Finish(Status(CampaignPhase.Succeeded, 12));
        var none = new StringWriter();
        new CampaignProgress(none, terminal: false).Finish(Status(CampaignPhase.Succeeded, 0));

        Assert.EndsWith("geode:   and 2 more\n", many.ToString().ReplaceLineEndings("\n"), StringComparison.Ordinal);
        Assert.DoesNotContain("failed", none.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_json_outcome_carries_the_failed_prompts()
    {
        var output = new StringWriter();

        int exit = await CampaignFollower.Report(Status(CampaignPhase.Succeeded, 1), json: true, output, new StringWriter());

        Assert.Equal(0, exit);
        JsonElement failed = JsonDocument.Parse(output.ToString()).RootElement.GetProperty("failed_prompts");
        Assert.Equal(1, failed.GetArrayLength());
        Assert.Equal(("baseline", 0, "p0", "InvalidOperationException: bad 0"), (failed[0].GetProperty("stage").GetString(), failed[0].GetProperty("index").GetInt32(), failed[0].GetProperty("id").GetString(), failed[0].GetProperty("cause").GetString()));
    }
}
