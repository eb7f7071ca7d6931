using System.CommandLine;
using System.Text.Json;
using System.Text.Json.Nodes;
using Geode.Campaigns.Reporting;
using Geode.Model;
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
            JsonObject results = await Read(Path.Combine(dir, "results.json"), cancellation);
            TorchRuntime.Initialize(runtime.Read(parsed));
            string html = Render(results, dir);
            string path = Path.GetFullPath(parsed.GetValue(output) ?? Path.Combine(dir, HtmlReport.FileName));
            await AtomicFile.WriteAllTextAsync(path, html, cancellation);
            await parsed.InvocationConfiguration.Output.WriteLineAsync($"wrote {path}");
            return GeodeCli.Ok;
        });
        return command;
    }

    private static async Task<JsonObject> Read(string path, CancellationToken cancellation)
    {
        if (!File.Exists(path))
        {
            throw new BadInputException($"{path}: not found; RESULTS_DIR must be a campaign's output folder (the one `geode run` wrote results.json into).", path, "results.json");
        }

        try
        {
            return JsonNode.Parse(await File.ReadAllTextAsync(path, cancellation)) is JsonObject { } results && results["campaign"] is JsonObject
                ? results
                : throw new BadInputException($"{path}: not a Geode results document (no \"campaign\" object at the top).", path, "campaign");
        }
        catch (JsonException e)
        {
            throw new BadInputException($"{path}: not valid JSON ({e.Message}).", path, $"line {e.LineNumber + 1}", e);
        }
    }

    private static string Render(JsonObject results, string dir)
    {
        try
        {
            return HtmlReport.Render(results, dir);
        }
        catch (Exception e) when (e is InvalidOperationException or FormatException or InvalidCastException or NullReferenceException)
        {
            // A stage block with a missing or mistyped field: results.json was edited or is not Geode's.
            throw new BadInputException($"{Path.Combine(dir, "results.json")}: a stage block is missing a field or has one of the wrong type ({e.Message}); rerun the campaign or restore the file.", Path.Combine(dir, "results.json"), "stages", e);
        }
    }
}
