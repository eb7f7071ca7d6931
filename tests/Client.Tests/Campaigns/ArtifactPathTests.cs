using Geode.Tests;

namespace Geode.Client.Tests.Campaigns;

/// <summary>
/// Names that come from a campaign's files — its name, its prompts' ids — never become paths
/// outside the output folder: a hostile name is refused before anything starts, and hostile ids
/// stay data (they are written inside files, never used as file names).
/// </summary>
public sealed class ArtifactPathTests
{
    private static readonly string Organism = Path.Combine(RepositoryPaths.Root, "models", "organism");

    [Theory]
    [InlineData("../../escape")]
    [InlineData("/tmp/geode-absolute-escape")]
    [InlineData("..")]
    [InlineData("runs/../../escape")]
    [InlineData(".hidden")]
    [InlineData("back\\\\slash")]
    public async Task A_campaign_name_that_is_not_one_path_segment_is_refused_and_starts_nothing(string name)
    {
        using var folder = new TempFolder();
        string file = folder.File("deep/er/campaign.yaml");
        await File.WriteAllTextAsync(file, $"name: \"{name}\"\nmodel:\n  path: {Organism}\nstages:\n  baseline: {{}}\n");

        CliResult check = await CliRunner.RunAsync("campaign", "check", file);
        CliResult run = await CliRunner.RunAsync("run", file, "--store", folder.File("store"), "--no-progress");

        Assert.Equal(2, check.ExitCode);
        Assert.Contains($"{file}:1: name:", check.Error);
        Assert.Equal(2, run.ExitCode);
        Assert.Contains(": name:", run.Error);
        Assert.False(Directory.Exists(folder.File("store")), "the refused campaign created its store");
    }

    [Fact]
    public async Task Prompt_ids_shaped_like_paths_stay_data_and_nothing_is_written_outside_the_output_folder()
    {
        using var folder = new TempFolder();
        string marker = Guid.NewGuid().ToString("N");
        string[] ids =
        [
            $"../../../../escape-{marker}",
            $"{folder.Path}/absolute-escape-{marker}",
            $"..\\..\\backslash-escape-{marker}",
            $"records/../../../nested-escape-{marker}",
        ];
        string work = folder.File("a/b/c/d/campaign.yaml");
        string promptFile = folder.File("a/b/c/d/prompts.json");
        await FourPrompts.WriteAsync(promptFile, ids);
        await File.WriteAllTextAsync(work, $"""
            name: hostile-ids
            model:
              path: {Organism}
            prompts:
              file: {promptFile}
            generation:
              max_new_tokens: 8
              batch: 2
            stages:
              baseline: {"{}"}
              capture: {"{position: last, input: template}"}
              geometry: {"{refuse: [should_refuse], comply: [safe_control], random_directions: 2}"}
            """);
        string outDir = folder.File("a/b/c/d/out");

        CliResult run = await CliRunner.RunAsync("run", work, "--out", outDir, "--store", folder.File("a/b/c/d/store"), "--no-progress", "--json");

        Assert.True(run.ExitCode == 0, run.Error);
        string[] escaped = [.. Directory.EnumerateFileSystemEntries(folder.Path, "*", SearchOption.AllDirectories).Where(p => p.Contains(marker, StringComparison.Ordinal))];
        Assert.True(escaped.Length == 0, $"paths named after prompt ids: {string.Join(", ", escaped)}");
        Assert.False(File.Exists($"/tmp/absolute-escape-{marker}"));

        // The ids are kept verbatim as data: the prompt manifest lists each of them.
        IReadOnlyList<(string Id, string Category, string Prompt)> manifest = Geode.Campaigns.Execution.PromptManifest.Read(outDir)!;
        Assert.Equal(ids, manifest.Select(p => p.Id));
    }
}
