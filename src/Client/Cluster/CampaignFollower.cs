using System.Text.Json;
using Geode.Campaigns.Execution;
using Geode.Grains.Campaigns;

namespace Geode.Client.Cluster;

/// <summary>
/// Follows a campaign from the client side (<c>geode run</c>, <c>geode watch</c>): polls the
/// coordinator, draws progress, and at the end prints the Markdown summary or a JSON line.
/// Polling also wakes a coordinator whose silo restarted.
/// </summary>
internal static class CampaignFollower
{
    private static readonly TimeSpan Poll = TimeSpan.FromMilliseconds(500);

    /// <summary>
    /// Polls until the campaign finishes or <paramref name="cancellationToken"/> fires; returns the
    /// last status. A poll that fails (the coordinator's silo went away, the cluster is busy
    /// recovering) is not the end: following goes on, and <paramref name="progress"/> says so once.
    /// </summary>
    /// <param name="grain">The coordinator.</param>
    /// <param name="progress">Where to draw progress, or null for none.</param>
    /// <param name="cancellationToken">Stops following (the caller decides whether that cancels the campaign).</param>
    public static async Task<CampaignStatus> Follow(ICampaignGrain grain, CampaignProgress? progress, CancellationToken cancellationToken)
    {
        CampaignStatus status = await FirstStatus(grain, cancellationToken);
        bool answering = true;
        while (!status.IsFinished)
        {
            progress?.Update(status);
            await Task.Delay(Poll, cancellationToken);
            try
            {
                status = await grain.Status();
                if (!answering)
                {
                    progress?.Note("geode: the cluster answers again");
                    answering = true;
                }
            }
            catch (Exception e) when (e is not OperationCanceledException && !cancellationToken.IsCancellationRequested)
            {
                // A silo (perhaps the coordinator's) went away: the next poll reactivates the
                // coordinator elsewhere from storage. Keep the last status meanwhile.
                if (answering)
                {
                    progress?.Note($"geode: no answer from the cluster ({e.GetType().Name}: {FirstLine(e.Message)}); still following — the campaign goes on without this client");
                    answering = false;
                }

                await Task.Delay(TimeSpan.FromSeconds(1), cancellationToken);
            }
        }

        progress?.Finish(status);
        return status;
    }

    /// <summary>Prints the outcome and returns the exit code: 0 succeeded, 1 otherwise.</summary>
    public static async Task<int> Report(CampaignStatus status, bool json, TextWriter output, TextWriter error)
    {
        string results = Path.Combine(status.OutDir, "results.json");
        if (json)
        {
            await output.WriteLineAsync(JsonSerializer.Serialize(new
            {
                id = status.Id,
                phase = status.Phase.ToString().ToLowerInvariant(),
                out_dir = status.OutDir,
                results = status.Phase == CampaignPhase.Succeeded ? results : null,
                seconds = Math.Round(status.Seconds, 3),
                retries = status.Retries,
                error = status.Error,
                failed_prompts = FailedPrompts(status),
            }));
        }
        else if (status.Phase == CampaignPhase.Succeeded)
        {
            string summary = Path.Combine(status.OutDir, MarkdownSummary.FileName);
            if (File.Exists(summary))
            {
                await output.WriteAsync(await File.ReadAllTextAsync(summary));
            }

            await output.WriteLineAsync($"results: {results}");
        }

        if (status.Phase == CampaignPhase.Failed)
        {
            await error.WriteLineAsync($"geode: campaign {status.Id} failed: {status.Error}");
        }

        return status.Phase == CampaignPhase.Succeeded ? GeodeCli.Ok : GeodeCli.Failed;
    }

    /// <summary>The prompts that failed on their own, as the JSON outputs list them (<c>stage</c>, <c>index</c>, <c>id</c>, <c>cause</c>).</summary>
    public static object[] FailedPrompts(CampaignStatus status)
    {
        ArgumentNullException.ThrowIfNull(status);
        return [.. status.FailedPrompts.Select(f => new { stage = f.Stage, index = f.Index, id = f.PromptId, cause = f.Cause })];
    }

    /// <summary>
    /// The coordinator's status, asked until it answers: right after a silo died, the coordinator
    /// may need a few seconds to come back elsewhere (up to five minutes are allowed).
    /// </summary>
    public static async Task<CampaignStatus> FirstStatus(ICampaignGrain grain, CancellationToken cancellationToken)
    {
        DateTime deadline = DateTime.UtcNow + TimeSpan.FromMinutes(5);
        while (true)
        {
            try
            {
                return await grain.Status();
            }
            catch (Exception e) when (e is OrleansException or TimeoutException && DateTime.UtcNow < deadline)
            {
                await Task.Delay(TimeSpan.FromSeconds(1), cancellationToken);
            }
        }
    }

    private static string FirstLine(string text)
    {
        int end = text.IndexOfAny(['\r', '\n']);
        return end < 0 ? text : text[..end];
    }
}
