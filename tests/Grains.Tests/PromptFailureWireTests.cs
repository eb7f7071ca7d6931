using Geode.Grains.Campaigns;
using Microsoft.Extensions.DependencyInjection;
using Orleans.Serialization;

namespace Geode.Grains.Tests;

/// <summary>Failed prompts cross silos in shard outcomes and statuses, and persist in the coordinator's record.</summary>
public sealed class PromptFailureWireTests
{
    private static readonly Serializer Wire = new ServiceCollection().AddSerializer().BuildServiceProvider().GetRequiredService<Serializer>();

    private static readonly PromptFailure Failure = new() { Stage = "baseline", Index = 5, PromptId = "p5", Cause = "InvalidOperationException: boom" };

    [Fact]
    public void A_shard_outcomes_failures_survive_the_wire()
    {
        var outcome = new ShardOutcome([1, 2, 3], null, 7, "silo-a", []) { Failures = [Failure] };

        ShardOutcome received = Wire.Deserialize<ShardOutcome>(Wire.SerializeToArray(outcome))!;

        Assert.Equal([1, 2, 3], received.Records);
        Assert.Equal(("baseline", 5, "p5", "InvalidOperationException: boom"), Single(received.Failures));
        Assert.Empty(Wire.Deserialize<ShardOutcome>(Wire.SerializeToArray(new ShardOutcome([], null, 0, "s", [])))!.Failures);
    }

    [Fact]
    public void A_statuss_failed_prompts_and_the_records_survive_the_wire()
    {
        var status = new CampaignStatus("c", CampaignPhase.Succeeded, ["baseline"], 1, 0, 0, "prompts", 0, 0, 0, 0, null, "/out", new Dictionary<string, int>(), 0, 1, 0, 0, 0, 0, new Dictionary<string, double>(), 0) { FailedPrompts = [Failure] };
        var record = new CampaignRecord { FailedPrompts = [Failure] };

        Assert.Equal(("baseline", 5, "p5", "InvalidOperationException: boom"), Single(Wire.Deserialize<CampaignStatus>(Wire.SerializeToArray(status))!.FailedPrompts));
        Assert.Equal(("baseline", 5, "p5", "InvalidOperationException: boom"), Single(Wire.Deserialize<CampaignRecord>(Wire.SerializeToArray(record))!.FailedPrompts));
    }

    private static (string, int, string, string) Single(IReadOnlyList<PromptFailure> failures)
    {
        PromptFailure failure = Assert.Single(failures);
        return (failure.Stage, failure.Index, failure.PromptId, failure.Cause);
    }
}
