using System.Text.Json;
using Geode.Tests;

namespace Geode.Client.Tests;

/// <summary><c>geode campaign check</c>: the quickstart validates; a bad file exits 2 listing each line and key path.</summary>
public sealed class CampaignCommandTests : IDisposable
{
    private readonly TempFolder _temp = new();

    public void Dispose() => _temp.Dispose();

    [Fact]
    public async Task The_quickstart_is_valid_and_its_stages_are_listed()
    {
        CliResult result = await CliRunner.RunAsync("campaign", "check", Path.Combine(RepositoryPaths.Root, "campaigns", "quickstart.yaml"));

        Assert.Equal(0, result.ExitCode);
        Assert.Contains("campaign 'quickstart'", result.Output, StringComparison.Ordinal);
        Assert.Contains("stages   baseline → capture → geometry → sweeps → cascade → descent → selective", result.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Json_gives_the_validated_campaign_with_resolved_paths()
    {
        CliResult result = await CliRunner.RunAsync("campaign", "check", Path.Combine(RepositoryPaths.Root, "campaigns", "quickstart.yaml"), "--json");

        Assert.Equal(0, result.ExitCode);
        JsonElement campaign = JsonDocument.Parse(result.Output).RootElement;
        Assert.Equal(Path.Combine(RepositoryPaths.Root, "models", "organism"), campaign.GetProperty("model").GetProperty("folder").GetString());
        Assert.Equal(128, campaign.GetProperty("generation").GetProperty("max_new_tokens").GetInt32());
        Assert.Equal(4, campaign.GetProperty("stages").GetProperty("cascade").GetProperty("steps").GetArrayLength());
    }

    [Fact]
    public async Task A_bad_file_exits_2_naming_every_line_and_key_path_and_nothing_runs()
    {
        string file = _temp.File("bad.yaml");
        await File.WriteAllTextAsync(file, "model:\n  path: nowhere\nstages:\n  sweep: {}\n  selective:\n    free: [gardening]\n    keep: [should_refuse]\n");

        CliResult result = await CliRunner.RunAsync("campaign", "check", file);

        Assert.Equal(2, result.ExitCode);
        Assert.Equal(string.Empty, result.Output);
        Assert.Contains("has 3 errors; nothing was started", result.Error, StringComparison.Ordinal);
        Assert.Contains($"{file}:2: model.path: the model folder", result.Error, StringComparison.Ordinal);
        Assert.Contains($"{file}:4: stages.sweep: unknown key 'sweep'", result.Error, StringComparison.Ordinal);
        Assert.Contains($"{file}:6: stages.selective.free[0]: unknown category 'gardening'", result.Error, StringComparison.Ordinal);
    }
}
