using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using Geode.Client.Cluster;
using Geode.Grains.Campaigns;

namespace Geode.Client.Commands;

/// <summary>
/// <c>geode status|watch|cancel CAMPAIGN_ID --cluster REDIS</c>: inspect, follow (and
/// re-attach to) or stop a campaign running on a cluster. Ctrl-C on <c>watch</c> detaches; the
/// campaign goes on.
/// </summary>
internal static class CampaignControlCommands
{
    public static IEnumerable<Command> Create()
    {
        yield return Make("status", "Print a campaign's progress once.", async (grain, parsed, json, cancellation) =>
        {
            CampaignStatus status = Known(await CampaignFollower.FirstStatus(grain, cancellation));
            await Print(status, json, parsed.InvocationConfiguration.Output);
            return GeodeCli.Ok;
        });
        yield return Make("watch", "Follow a campaign until it ends (re-attaches after the client that started it is gone).", async (grain, parsed, json, cancellation) =>
        {
            Known(await CampaignFollower.FirstStatus(grain, cancellation));

            TextWriter error = parsed.InvocationConfiguration.Error;
            try
            {
                CampaignStatus status = await CampaignFollower.Follow(grain, new CampaignProgress(error, !Console.IsErrorRedirected), cancellation);
                return await CampaignFollower.Report(status, json, parsed.InvocationConfiguration.Output, error);
            }
            catch (OperationCanceledException) when (cancellation.IsCancellationRequested)
            {
                await error.WriteLineAsync("\ngeode: detached; the campaign goes on.");
                return GeodeCli.Ok;
            }
        });
        yield return Make("cancel", "Cancel a running campaign.", async (grain, parsed, json, cancellation) =>
        {
            CampaignStatus status = Known(await grain.Cancel());
            await Print(status, json, parsed.InvocationConfiguration.Output);
            return GeodeCli.Ok;
        });
    }

    private static Command Make(string name, string description, Func<ICampaignGrain, ParseResult, bool, CancellationToken, Task<int>> action)
    {
        var id = new Argument<string>("CAMPAIGN_ID") { Description = "The id `geode run` printed." };
        var cluster = new Option<string>("--cluster") { Description = "The cluster's Redis: redis://[USER:PASSWORD@]HOST:PORT, rediss://... (TLS), HOST:PORT or HOST:PORT,password=...; the password may come from GEODE_REDIS_PASSWORD.", Required = true, HelpName = "REDIS" };
        var json = new Option<bool>("--json") { Description = "Print JSON." };
        var command = new Command(name, description);
        command.Add(id);
        command.Add(cluster);
        command.Add(json);
        command.SetAction(async (parsed, cancellation) =>
        {
            await using GeodeHost host = await GeodeHost.Connect(parsed.GetValue(cluster)!, cancellation);
            return await action(host.Client.GetGrain<ICampaignGrain>(parsed.GetValue(id)!), parsed, parsed.GetValue(json), cancellation);
        });
        return command;
    }

    /// <summary>The status, or a bad-input error (exit 2) when no campaign has that id.</summary>
    private static CampaignStatus Known(CampaignStatus status) => status.Phase != CampaignPhase.Unknown
        ? status
        : throw new Model.BadInputException($"CAMPAIGN_ID {status.Id}: no campaign with that id was started on this cluster (`geode run --cluster` prints the id).", "CAMPAIGN_ID");

    private static Task Print(CampaignStatus status, bool json, TextWriter output)
    {
        if (json)
        {
            return output.WriteLineAsync(JsonSerializer.Serialize(new
            {
                id = status.Id,
                phase = status.Phase.ToString().ToLowerInvariant(),
                stage = status.Stage,
                stages = status.Stages,
                done = status.Done,
                total = status.Total,
                unit = status.Unit,
                seconds = Math.Round(status.Seconds, 3),
                retries = status.Retries,
                error = status.Error,
                waiting = status.Waiting,
                out_dir = status.OutDir,
                failed_prompts = CampaignFollower.FailedPrompts(status),
            }));
        }

        string failed = status.FailedPrompts.Count == 0 ? string.Empty : string.Create(CultureInfo.InvariantCulture, $", {status.FailedPrompts.Count} prompt(s) failed");
        return output.WriteLineAsync(string.Create(CultureInfo.InvariantCulture, $"{status.Id}: {status.Phase.ToString().ToLowerInvariant()}, stage {status.Stage ?? "–"} ({status.StageIndex + 1}/{status.Stages.Count}), {status.Done}/{status.Total} {status.Unit}, {status.Seconds:F0} s{failed}{(status.Waiting is null ? string.Empty : $", paused: {status.Waiting}")}{(status.Error is null ? string.Empty : $", error: {status.Error}")}"));
    }
}
