using Geode.Client.Cluster;
using Geode.Grains.Campaigns;

namespace Geode.Client.Tests.Campaigns;

/// <summary>
/// Following a campaign through trouble: polls that fail are noted once and following goes on; a
/// paused campaign's line says what it waits for, printed at once even in a plain log.
/// </summary>
public sealed class CampaignFollowerTests
{
    [Fact]
    public async Task Following_goes_on_through_failed_polls_and_says_when_the_campaign_is_paused()
    {
        const string waiting = "storage cannot be reached (since 12:00:00 UTC); the campaign resumes when it answers";
        var coordinator = new ScriptedCoordinator(
            Running(done: 1),
            new TimeoutException("no answer in 30 s"),
            new OrleansException("silo unavailable\nmore detail"),
            Running(done: 2, waiting),
            Running(done: 2, waiting),
            Running(done: 3),
            Running(done: 4) with { Phase = CampaignPhase.Succeeded, StageIndex = 1 });
        using var error = new StringWriter();

        CampaignStatus final = await CampaignFollower.Follow(coordinator, new CampaignProgress(error, terminal: false), CancellationToken.None);

        Assert.Equal(CampaignPhase.Succeeded, final.Phase);
        string[] lines = error.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Single(lines, l => l.Contains("no answer from the cluster (TimeoutException: no answer in 30 s); still following", StringComparison.Ordinal));
        Assert.Single(lines, l => l.Contains("the cluster answers again", StringComparison.Ordinal));
        Assert.Single(lines, l => l.Contains($"2/4 prompts  paused: {waiting}", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.Contains("3/4 prompts", StringComparison.Ordinal) && !l.Contains("paused", StringComparison.Ordinal));
        Assert.DoesNotContain("more detail", error.ToString());
    }

    private static CampaignStatus Running(int done, string? waiting = null) => new(
        "c", CampaignPhase.Running, ["capture"], 0, done, 4, "prompts", 0, 1, 1, 0, null, "/out",
        new Dictionary<string, int>(), done, done / 4.0, done, 0, 0, 0, new Dictionary<string, double>(), 0, waiting);

    /// <summary>A coordinator whose status answers (or failures) come from a script, the last repeated.</summary>
    private sealed class ScriptedCoordinator(params object[] script) : ICampaignGrain
    {
        private int _next;

        public Task<CampaignStatus> Status()
        {
            object answer = script[Math.Min(_next++, script.Length - 1)];
            return answer is Exception e ? Task.FromException<CampaignStatus>(e) : Task.FromResult((CampaignStatus)answer);
        }

        public Task<CampaignStatus> Start(CampaignRequest request) => throw new NotSupportedException();

        public Task Progress(string unit, double fraction) => throw new NotSupportedException();

        public Task<CampaignStatus> Cancel() => throw new NotSupportedException();
    }
}
