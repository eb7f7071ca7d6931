using Geode.Tests;

namespace Geode.Client.Tests.Campaigns;

/// <summary>
/// Prompt and response texts reach the log only at debug level: a campaign run as a user runs it
/// prints none of its prompts or responses on stderr, the same run with GEODE_LOG_LEVEL=debug logs
/// every one, and a level that is not one is bad input.
/// </summary>
public sealed class PromptLoggingTests
{
    private static readonly string Organism = Path.Combine(RepositoryPaths.Root, "models", "organism");

    [Fact]
    public async Task Prompt_and_response_texts_are_logged_at_debug_level_only()
    {
        using var folder = new TempFolder();
        IReadOnlyList<string> prompts = FourPrompts.Texts;
        string promptFile = folder.File("prompts.json");
        await FourPrompts.WriteAsync(promptFile, ["logged-0", "logged-1", "logged-2", "logged-3"]);
        string campaign = folder.File("logged.yaml");
        await File.WriteAllTextAsync(campaign, $"name: logged\nmodel:\n  path: {Organism}\nprompts:\n  file: {promptFile}\ngeneration:\n  max_new_tokens: 12\n  batch: 4\nstages:\n  baseline: {{}}\n");

        CliResult quiet = await Run(null, "run", campaign, "--out", folder.File("quiet"), "--store", folder.File("store"), "--no-progress", "--json");
        CliResult debug = await Run("debug", "run", campaign, "--out", folder.File("debug"), "--store", folder.File("store"), "--no-progress", "--json");
        CliResult bad = await Run("loud", "run", campaign, "--out", folder.File("bad"), "--no-progress");

        Assert.True(quiet.ExitCode == 0, quiet.Error);
        Assert.True(debug.ExitCode == 0, debug.Error);
        string[] responses = [.. Geode.Campaigns.Artifacts.ResponseRecordStream.Read(Path.Combine(folder.File("debug"), "records", "baseline.msgpack")).Select(r => r.Record.Response).Where(r => r.Length >= 12)];
        Assert.NotEmpty(responses);
        Assert.All(prompts, p => Assert.DoesNotContain(p, quiet.Error, StringComparison.Ordinal));
        Assert.All(responses, r => Assert.DoesNotContain(r, quiet.Error, StringComparison.Ordinal));
        Assert.All(prompts, p => Assert.Contains(p, debug.Error, StringComparison.Ordinal));
        Assert.All(responses, r => Assert.Contains(r, debug.Error, StringComparison.Ordinal));
        Assert.Equal(2, bad.ExitCode);
        Assert.Contains("GEODE_LOG_LEVEL", bad.Error);
        Assert.False(Directory.Exists(folder.File("bad")));
    }

    private static Task<CliResult> Run(string? level, params string[] args) =>
        CliRunner.RunProcessAsync(new Dictionary<string, string?> { ["GEODE_LOG_LEVEL"] = level }, args);
}
