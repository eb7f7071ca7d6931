using System.Runtime.ExceptionServices;
using Geode.Analysis.Evaluation;
using Geode.Analysis.Statistics;
using Geode.Grains.Campaigns;
using static TorchSharp.torch;

namespace Geode.Grains.Workers;

/// <summary>
/// Runs a shard so that one prompt a worker cannot process does not take its shard down (issue 9):
/// the shard runs as one batch; when the batch throws an error a prompt can cause, the shard is
/// split in halves and each half run again, recursively, until every prompt that still fails stands
/// alone. Those are the shard's <see cref="ShardOutcome.Failures"/>; the halves that ran make up the
/// rest of its result: a baseline's records, or a capture's activation rows (in prompt order, the
/// failed prompts' rows left out) and the partial statistics of the prompts that ran.
/// </summary>
/// <remarks>
/// <para>
/// Bisection costs about 2·log2(n) extra runs per failing prompt of an n-prompt shard, against n for
/// running every prompt alone, and keeps the prompts that are fine in batches. Their numbers can
/// differ from a full batch's in the last bits (other padding), like a shard run at another size.
/// </para>
/// <para>
/// Errors that are not a prompt's doing pass through unchanged, so the coordinator treats them as it
/// always has: bad input (fails the campaign at once), cancellation and a worker shutting down (the
/// unit goes elsewhere), a model that cannot be loaded, and transport errors. When the batch failed
/// but no prompt fails alone (a batch too large for the device, a passing fault), the batch's own
/// error is thrown: the coordinator retries the shard whole, as before.
/// </para>
/// </remarks>
internal static class ShardBisection
{
    /// <summary>Runs <paramref name="work"/> with <paramref name="run"/>, isolating the prompts that fail on their own.</summary>
    /// <param name="work">The shard.</param>
    /// <param name="run">Runs a shard (the whole one, or a part of it: same job, narrower range).</param>
    /// <param name="stage">The stage the shard belongs to, for the failures.</param>
    /// <param name="promptId">A prompt's id by its index in the job's prompt list.</param>
    /// <param name="silo">This silo's name, for an outcome whose every prompt failed.</param>
    public static async Task<ShardOutcome> RunAsync(ShardWork work, Func<ShardWork, Task<ShardOutcome>> run, string stage, Func<int, string> promptId, string silo)
    {
        ArgumentNullException.ThrowIfNull(work);
        ArgumentNullException.ThrowIfNull(run);
        ArgumentNullException.ThrowIfNull(promptId);
        try
        {
            return await run(work);
        }
        catch (Exception batch) when (MayBeAPromptsFault(batch))
        {
            var parts = new List<ShardOutcome>();
            var failures = new List<PromptFailure>();
            await Split(work, batch, run, parts, failures, stage, promptId);
            if (failures.Count == 0)
            {
                ExceptionDispatchInfo.Throw(batch);
            }

            return new ShardOutcome(
                work.Job == "generate" ? [.. parts.SelectMany(p => p.Records)] : [],
                JoinActivations(parts),
                parts.Sum(p => p.Tokens),
                parts.FirstOrDefault()?.Silo ?? silo,
                MergeStatistics(parts))
            {
                Failures = failures,
            };
        }
    }

    /// <summary>
    /// Whether <paramref name="error"/> is one a prompt can cause (<see cref="PromptFault.MayBe"/>),
    /// and not the silo's: a model that is not there, transport errors, timeouts.
    /// </summary>
    public static bool MayBeAPromptsFault(Exception error) =>
        PromptFault.MayBe(error) && error is not (ModelUnavailableException or OrleansException or TimeoutException);

    /// <summary>The parts' activation rows [L+1, Σn, H] in prompt order (parts are in order); null when no part carries any.</summary>
    private static Wire.TensorPayload? JoinActivations(List<ShardOutcome> parts)
    {
        Wire.TensorPayload[] payloads = [.. parts.Select(p => p.Activations).OfType<Wire.TensorPayload>()];
        if (payloads.Length <= 1)
        {
            return payloads.FirstOrDefault();
        }

        using var scope = NewDisposeScope();
        return Wire.TensorPayloads.ToPayload(cat([.. payloads.Select(Wire.TensorPayloads.ToTensor)], 1));
    }

    /// <summary>Per stream, the parts' partial statistics merged into one (empty when the parts carry none).</summary>
    private static IReadOnlyList<byte[]> MergeStatistics(List<ShardOutcome> parts)
    {
        ShardOutcome[] withStatistics = [.. parts.Where(p => p.Statistics.Count > 0)];
        if (withStatistics.Length == 0)
        {
            return [];
        }

        var merged = new byte[withStatistics[0].Statistics.Count][];
        for (int stream = 0; stream < merged.Length; stream++)
        {
            ActivationStatistics sum = ActivationStatistics.FromBytes(withStatistics[0].Statistics[stream]);
            foreach (ShardOutcome part in withStatistics.Skip(1))
            {
                sum.Merge(ActivationStatistics.FromBytes(part.Statistics[stream]));
            }

            merged[stream] = sum.ToBytes();
        }

        return merged;
    }

    /// <summary>
    /// <paramref name="failed"/> ran as one batch and threw <paramref name="error"/>: a single prompt
    /// is a failure; more are split in halves and each run, in order, recursing into a half that throws.
    /// </summary>
    private static async Task Split(ShardWork failed, Exception error, Func<ShardWork, Task<ShardOutcome>> run, List<ShardOutcome> parts, List<PromptFailure> failures, string stage, Func<int, string> promptId)
    {
        if (failed.Count == 1)
        {
            failures.Add(new PromptFailure { Stage = stage, Index = failed.Start, PromptId = promptId(failed.Start), Cause = PromptFault.Cause(error) });
            return;
        }

        int half = failed.Count / 2;
        foreach (ShardWork part in new[] { failed with { Count = half }, failed with { Start = failed.Start + half, Count = failed.Count - half } })
        {
            try
            {
                parts.Add(await run(part));
            }
            catch (Exception e) when (MayBeAPromptsFault(e))
            {
                await Split(part, e, run, parts, failures, stage, promptId);
            }
        }
    }
}
