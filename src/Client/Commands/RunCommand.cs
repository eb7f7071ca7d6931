using System.CommandLine;
using System.Globalization;
using Geode.Campaigns;
using Geode.Client.Cluster;
using Geode.Grains.Campaigns;
using Geode.Model.Native;
using Geode.Silo.Hosting;

namespace Geode.Client.Commands;

/// <summary>
/// <c>geode run CAMPAIGN.yaml [--out DIR] [--cluster REDIS] [--json] [--no-progress]
/// [--metrics-port N] [--dashboard-port N] [--http-address IP]</c>: validates the campaign (exit 2
/// on any error, nothing started), then runs it on an in-process silo or on a Redis cluster, shows
/// progress per stage, and prints the summary. Ctrl-C cancels the campaign cleanly (exit 1). The
/// HTTP endpoints belong to the embedded silo; with <c>--cluster</c> each silo serves its own.
/// </summary>
internal static class RunCommand
{
    public static Command Create()
    {
        var file = new Argument<string>("CAMPAIGN.yaml") { Description = "The campaign file." };
        var outDir = new Option<string?>("--out") { Description = "Output folder (default: runs/NAME-TIMESTAMP).", HelpName = "DIR" };
        var store = new Option<string?>("--store") { Description = "The activation store, shared by campaigns so that equal captures run once (default: activation-store beside the output folder).", HelpName = "DIR" };
        var cluster = new Option<string?>("--cluster") { Description = "Run on the cluster registered in this Redis instead of an in-process silo: redis://[USER:PASSWORD@]HOST:PORT, rediss://... (TLS), HOST:PORT or HOST:PORT,password=...; the password may come from GEODE_REDIS_PASSWORD.", HelpName = "REDIS" };
        var json = new Option<bool>("--json") { Description = "Print one JSON object at the end instead of the summary." };
        var noProgress = new Option<bool>("--no-progress") { Description = "Do not show progress." };
        var threads = new Option<int>("--threads") { Description = "CPU threads for torch in embedded mode (0: torch's default).", DefaultValueFactory = _ => 0 };
        var monitor = new MonitorOptions("the embedded silo; with --cluster each silo serves its own");
        var command = new Command("run", "Run a campaign: every stage of its file, on an embedded silo or a cluster.");
        command.Add(file);
        command.Add(outDir);
        command.Add(store);
        command.Add(cluster);
        command.Add(json);
        command.Add(noProgress);
        command.Add(threads);
        monitor.AddTo(command);
        command.SetAction(async (parsed, cancellation) =>
        {
            string? redis = parsed.GetValue(cluster);
            if (redis is not null && monitor.AnyGiven(parsed))
            {
                throw new Model.BadInputException("--metrics-port, --dashboard-port and --http-address apply to the embedded silo; with --cluster, give them to each `geode silo` instead.", "--cluster");
            }

            if (redis is not null)
            {
                // Flags first: a bad connection string is reported before the campaign is read.
                RedisConnectionString.Parse(redis, "--cluster");
            }

            GeodeSiloOptions silo = monitor.Apply(parsed, new GeodeSiloOptions());
            string path = Path.GetFullPath(parsed.GetValue(file)!);
            Campaign campaign = CampaignReader.Load(path);
            string yaml = await File.ReadAllTextAsync(path, cancellation);
            DateTime now = DateTime.UtcNow;
            string id = string.Create(CultureInfo.InvariantCulture, $"{campaign.Name}-{now:yyyyMMdd-HHmmss}-{Random.Shared.Next(0x10000):x4}");
            string output = Path.GetFullPath(parsed.GetValue(outDir) ?? Path.Combine("runs", id));
            string storeDir = Path.GetFullPath(parsed.GetValue(store) ?? Path.Combine(Path.GetDirectoryName(output)!, "activation-store"));
            TextWriter error = parsed.InvocationConfiguration.Error;

            await using GeodeHost host = redis is null
                ? await StartEmbedded(campaign, parsed.GetValue(threads), silo, cancellation)
                : await GeodeHost.Connect(redis, cancellation);
            ICampaignGrain grain = host.Client.GetGrain<ICampaignGrain>(id);
            await grain.Start(new CampaignRequest(id, path, yaml, output, storeDir));
            await error.WriteLineAsync($"geode: campaign {id} → {output}{(redis is null ? string.Empty : $" (follow it with: geode watch {id} --cluster {RedisConnectionString.Redact(redis)})")}{GeodeHost.Endpoints(silo)}");
            CampaignProgress? progress = parsed.GetValue(noProgress) ? null : new CampaignProgress(error, !Console.IsErrorRedirected);
            try
            {
                CampaignStatus status = await CampaignFollower.Follow(grain, progress, cancellation);
                return await CampaignFollower.Report(status, parsed.GetValue(json), parsed.InvocationConfiguration.Output, error);
            }
            catch (OperationCanceledException) when (cancellation.IsCancellationRequested)
            {
                CampaignStatus cancelled = await grain.Cancel();
                await error.WriteLineAsync($"\ngeode: campaign {cancelled.Id} cancelled; partial outputs are in {cancelled.OutDir}");
                return GeodeCli.Failed;
            }
        });
        return command;
    }

    private static Task<GeodeHost> StartEmbedded(Campaign campaign, int threads, GeodeSiloOptions silo, CancellationToken cancellation)
    {
        TorchRuntime.Initialize(new TorchRuntimeOptions(campaign.Model.LibTorch, $"{campaign.File}: model.libtorch", DeviceSpec.Parse(campaign.Model.Device), threads));
        return GeodeHost.StartEmbedded(silo, cancellation);
    }
}
