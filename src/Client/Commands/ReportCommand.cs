using System.CommandLine;
using System.Text.Json.Nodes;
using Geode.Campaigns.Reporting;
using Geode.Model.Files;
using Geode.Model.Native;

namespace Geode.Client.Commands;

/// <summary>
/// <c>geode report RESULTS_DIR [--out FILE]</c>: rebuilds a campaign's <c>report.html</c> from its
/// <c>results.json</c> and the artifacts beside it (records, prompt manifest, activations), e.g.
/// after an upgrade or for a results folder copied from a cluster.
/// </summary>
internal static class ReportCommand
{
    public static Command Create()
    {
        var runtime = new RuntimeOptions();
        var folder = new Argument<string>("RESULTS_DIR") { Description = "A campaign's output folder (the one holding results.json)." };
        var output = new Option<string?>("--out") { Description = "Where to write the page (default: RESULTS_DIR/report.html).", HelpName = "FILE" };
        var command = new Command("report", "Rebuild a campaign's HTML report from results.json and its artifacts.");
        command.Add(folder);
        command.Add(output);
        runtime.AddTo(command);
        command.SetAction(async (parsed, cancellation) =>
        {
            string dir = Path.GetFullPath(parsed.GetValue(folder)!);
            JsonObject results = ReportFolder.ReadResults(dir);
            TorchRuntime.Initialize(runtime.Read(parsed));

            // The page goes where the command line says and nowhere else: nothing in results.json picks the path.
            string path = Path.GetFullPath(parsed.GetValue(output) ?? Path.Combine(dir, HtmlReport.FileName));
            // A refused folder or a failed write leaves no half-written page behind (AtomicFile).
            await AtomicFile.WriteAsync(path, async (stream, token) =>
            {
                await using var page = new StreamWriter(stream, leaveOpen: true);
                ReportFolder.Render(results, dir, page);
                await page.FlushAsync(token);
            }, cancellation);
            await parsed.InvocationConfiguration.Output.WriteLineAsync($"wrote {path}");
            return GeodeCli.Ok;
        });
        return command;
    }
}
