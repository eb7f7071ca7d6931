using Geode.Campaigns.Execution;
using Geode.Grains.Campaigns;
using Geode.Grains.Workers;
using Geode.Model;

namespace Geode.Client.Tests.Campaigns;

/// <summary>
/// A silo's shard runner for fault tests: it runs shards on the real runner it wraps, except that a
/// shard holding a prompt whose text contains <see cref="Throws"/> throws as a broken model would
/// (every time, however the shard is cut), and one holding <see cref="BadInput"/> throws bad input.
/// </summary>
internal sealed class FaultInjectingShardRunner(IShardRunner inner) : IShardRunner
{
    /// <summary>In a prompt's text: the worker throws <see cref="InvalidOperationException"/> on any shard holding it.</summary>
    public const string Throws = "[[worker-throws]]";

    /// <summary>In a prompt's text: the worker throws <see cref="BadInputException"/> on any shard holding it.</summary>
    public const string BadInput = "[[bad-input]]";

    /// <inheritdoc />
    public Task<ShardOutcome> RunAsync(ShardWork work, CampaignWorkspace workspace, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(work);
        foreach (var prompt in ShardJobs.PromptsOf(workspace, work.Job).Records.Skip(work.Start).Take(work.Count))
        {
            if (prompt.Prompt.Contains(BadInput, StringComparison.Ordinal))
            {
                throw new BadInputException($"{workspace.Campaign.File}: prompt {prompt.Id} is not one this model can read (injected).", workspace.Campaign.File, prompt.Id);
            }

            if (prompt.Prompt.Contains(Throws, StringComparison.Ordinal))
            {
                throw new InvalidOperationException($"the model worker cannot process prompt {prompt.Id} (injected)");
            }
        }

        return inner.RunAsync(work, workspace, cancellationToken);
    }
}
