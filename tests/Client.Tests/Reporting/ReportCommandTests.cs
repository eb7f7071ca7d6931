using System.Text.Json.Nodes;
using Geode.Tests;

namespace Geode.Client.Tests.Reporting;

/// <summary>
/// <c>geode report DIR</c> on tampered folders, without a campaign run: a bad results.json exits 2
/// naming it and leaves nothing behind; paths in results.json neither read outside the folder nor
/// decide where the page is written.
/// </summary>
public sealed class ReportCommandTests : IDisposable
{
    private const string Secret = "SECRET-CONTENT-NOT-FOR-THE-PAGE";

    private readonly TempFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    [Theory]
    [InlineData("{\"campaign\": {\"name\": \"x\"}, \"campaign\": {}}", "not valid JSON")]
    [InlineData("{\"campaign\": {\"name\": \"\\ud800\"}}", "cannot be read as text at $.campaign.name")]
    [InlineData("{\"campaign\": {\"na\\udc00me\": \"x\"}}", "cannot be read as text at $.campaign: a key holds")]
    [InlineData("null", "is null")]
    [InlineData("[]", "not a Geode results document")]
    [InlineData("{\"campaign\": {}, \"baseline\": {\"prompts\": 3, \"categories\": {\"a\": {\"n\": 1, \"refused\": 1, \"rate\": 1, \"ci\": []}}}}", "a stage block is missing a field")]
    public async Task A_tampered_results_json_exits_2_naming_it_and_writes_nothing(string json, string expected)
    {
        string dir = _folder.File("out");
        Directory.CreateDirectory(dir);
        string results = Path.Combine(dir, "results.json");
        await File.WriteAllTextAsync(results, json);

        CliResult result = await CliRunner.RunAsync("report", dir);

        Assert.Equal(2, result.ExitCode);
        Assert.StartsWith($"geode: {results}: ", result.Error, StringComparison.Ordinal);
        Assert.Contains(expected, result.Error, StringComparison.Ordinal);
        Assert.Equal(["results.json"], Directory.EnumerateFileSystemEntries(dir).Select(Path.GetFileName));
    }

    [Fact]
    public async Task Paths_in_results_json_read_nothing_outside_the_folder_and_the_page_goes_only_to_out()
    {
        // Beside the output folder: a diff JSON and an activation file that would draw figures, were they read.
        await File.WriteAllTextAsync(_folder.File("secret.json"), $"[{{\"name\": \"{Secret}\", \"changed\": true, \"delta_norm\": 1, \"spectrum\": [1]}}]");
        await File.WriteAllTextAsync(_folder.File("secret.safetensors"), Secret);
        string dir = _folder.File("out");
        Directory.CreateDirectory(dir);
        var results = new JsonObject
        {
            ["campaign"] = new JsonObject { ["id"] = "c-1", ["name"] = "tampered", ["stages"] = new JsonArray("capture", "geometry", "diff") },
            ["capture"] = new JsonObject { ["file"] = "../secret.safetensors" },
            ["geometry"] = new JsonObject
            {
                ["layers"] = new JsonArray(new JsonObject { ["layer"] = 0, ["cohen_d"] = 1.0, ["delta_norm"] = 1.0 }),
                ["peak_layer"] = 0,
                ["random_cohen_d"] = new JsonArray(),
            },
            ["diff"] = new JsonArray(
                new JsonObject { ["fork"] = "/forks/a", ["diff_json"] = "../secret.json" },
                new JsonObject { ["fork"] = "/forks/b", ["diff_json"] = _folder.File("secret.json") },
                new JsonObject { ["fork"] = "/forks/c", ["diff_json"] = "../out/report.html" }),
            ["report"] = "../../elsewhere.html",
        };
        await File.WriteAllTextAsync(Path.Combine(dir, "results.json"), results.ToJsonString());
        string page = _folder.File("pages/page.html");

        CliResult result = await CliRunner.RunAsync("report", dir, "--out", page);

        Assert.True(result.ExitCode == 0, result.Error);
        Assert.Equal($"wrote {page}\n", result.Output);
        string html = await File.ReadAllTextAsync(page);
        Assert.DoesNotContain(Secret, html, StringComparison.Ordinal);
        Assert.Contains("capture.file &quot;../secret.safetensors&quot; does not name an activation store file (activations.safetensors), so it was not read", html, StringComparison.Ordinal);

        // Each fork's figure is marked missing, in its caption and its body.
        Assert.Equal(2 * 3, html.Split("is not a file name in the output folder, so it was not read").Length - 1);

        // The folder is as it was, and nothing else was written beside it.
        Assert.Equal(["results.json"], Directory.EnumerateFileSystemEntries(dir).Select(Path.GetFileName));
        Assert.Equal(["out", "pages", "secret.json", "secret.safetensors"], Directory.EnumerateFileSystemEntries(_folder.Path).Select(Path.GetFileName).Order(StringComparer.Ordinal));
        Assert.Equal(["page.html"], Directory.EnumerateFileSystemEntries(_folder.File("pages")).Select(Path.GetFileName));
    }
}
