using System.Text.Json;
using Geode.Tests;

namespace Geode.Client.Tests;

public sealed class BenchCommandTests : IDisposable
{
    private readonly TempFolder _temp = new();

    public void Dispose() => _temp.Dispose();

    [Theory]
    [InlineData("float32")]
    [InlineData("bfloat16")]
    public async Task Loading_a_checkpoint_adds_less_than_one_and_a_half_times_its_size_in_memory(string dtype)
    {
        string folder = Path.Combine(_temp.Path, "bench-small");
        CliResult written = await CliRunner.RunProcessAsync("bench", "random-checkpoint", "--random-config", "gemma4-bench-small", "--out", folder);
        Assert.Equal(0, written.ExitCode);

        // A fresh process, so the peak belongs to this load alone.
        CliResult load = await CliRunner.RunProcessAsync("bench", "load", "--model", folder, "--dtype", dtype, "--json");

        Assert.Equal(0, load.ExitCode);
        using JsonDocument json = JsonDocument.Parse(load.Output);
        long modelBytes = json.RootElement.GetProperty("model_bytes").GetInt64();
        long fileBytes = new FileInfo(Path.Combine(folder, "model.safetensors")).Length;
        Assert.InRange(modelBytes, fileBytes / (dtype == "float32" ? 1 : 2) - 100_000, fileBytes / (dtype == "float32" ? 1 : 2));
        double ratio = json.RootElement.GetProperty("peak_over_model").GetDouble();
        Assert.InRange(ratio, 0.5, 1.5);
    }

    [Fact]
    public async Task Capture_bench_reports_throughput_and_a_checksum_in_json()
    {
        CliResult result = await CliRunner.RunAsync(
            "bench", "capture", "--random-config", "gemma4-tiny", "--prompts", "8", "--tokens", "12", "--batch", "4", "--json");

        Assert.Equal(0, result.ExitCode);
        using JsonDocument json = JsonDocument.Parse(result.Output);
        Assert.Equal(8, json.RootElement.GetProperty("prompts").GetInt32());
        Assert.True(json.RootElement.GetProperty("prompts_per_s").GetDouble() > 0);
        Assert.Equal(
            json.RootElement.GetProperty("prompts_per_s").GetDouble() * 12,
            json.RootElement.GetProperty("tokens_per_s").GetDouble(),
            0.5);
        Assert.True(double.IsFinite(json.RootElement.GetProperty("checksum").GetDouble()));
        Assert.Equal("cpu", json.RootElement.GetProperty("device").GetString());
    }

    [Theory]
    [InlineData("bench", "capture", "--random-config", "gemma9-huge")]
    [InlineData("bench", "capture")]
    [InlineData("bench", "capture", "--random-config", "gemma4-tiny", "--batch", "0")]
    [InlineData("bench", "capture", "--random-config", "gemma4-tiny", "--dtype", "int4")]
    public async Task Bad_bench_flags_exit_with_code_2(params string[] args)
    {
        CliResult result = await CliRunner.RunAsync(args);

        Assert.Equal(2, result.ExitCode);
        Assert.StartsWith("geode: ", result.Error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("--repeat", "0")]
    [InlineData("--batch", "-3")]
    [InlineData("--prompts", "0")]
    [InlineData("--max-new-tokens", "0")]
    public async Task A_bad_sweep_count_names_its_option_and_exits_2(string option, string value)
    {
        CliResult result = await CliRunner.RunAsync("bench", "sweep", "--model", Path.Combine(RepositoryPaths.Root, "models", "organism"), option, value);

        Assert.Equal(2, result.ExitCode);
        Assert.Contains($"{option} must be at least 1 (got {value})", result.Error, StringComparison.Ordinal);
    }
}
