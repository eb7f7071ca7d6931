using System.Text.Json;

namespace Geode.Client.Tests;

public sealed class DoctorCommandTests
{
    [Fact]
    public async Task Doctor_reports_libtorch_2_10_and_a_passing_tensor_op()
    {
        CliResult result = await CliRunner.RunAsync("doctor");

        Assert.Equal(0, result.ExitCode);
        Assert.Matches(@"(?m)^libtorch\s+2\.10\.0 ", result.Output);
        Assert.Matches(@"(?m)^TorchSharp\s+0\.107\.0", result.Output);
        Assert.Matches(@"(?m)^tensor op\s+ok: ", result.Output);
        Assert.Matches(@"(?m)^(natives)?\s+/\S*/libtorch_cpu\.so$", result.Output);
        Assert.Matches(@"(?m)^glibcxx patch\s+(applied|not needed)", result.Output);
    }

    [Fact]
    public async Task Doctor_json_is_one_object_with_the_same_facts()
    {
        // Its own process: torch takes --threads from whichever command initialises it first, and
        // other tests in this process run models.
        CliResult result = await CliRunner.RunProcessAsync("doctor", "--json", "--threads", "1");

        Assert.Equal(0, result.ExitCode);
        using JsonDocument json = JsonDocument.Parse(result.Output);
        Assert.Equal("2.10.0", json.RootElement.GetProperty("libtorch").GetString());
        Assert.True(json.RootElement.GetProperty("tensor_op_ok").GetBoolean());
        Assert.Equal("cpu", json.RootElement.GetProperty("device").GetString());
        Assert.Equal(1, json.RootElement.GetProperty("torch_threads").GetInt32());
    }

    [Fact]
    public async Task A_missing_libtorch_folder_is_a_one_paragraph_error_with_exit_code_2()
    {
        CliResult result = await CliRunner.RunProcessAsync("doctor", "--libtorch", "/nonexistent");

        Assert.Equal(2, result.ExitCode);
        Assert.Equal(string.Empty, result.Output);
        string message = result.Error.TrimEnd('\n');
        Assert.DoesNotContain('\n', message);
        Assert.StartsWith("geode: --libtorch /nonexistent: no such folder.", message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Cuda_without_a_cuda_libtorch_is_refused_not_run_on_the_cpu()
    {
        CliResult result = await CliRunner.RunProcessAsync("doctor", "--device", "cuda:0");

        Assert.Equal(2, result.ExitCode);
        Assert.Contains("--device cuda:0 needs a CUDA build of libtorch", result.Error, StringComparison.Ordinal);
        Assert.DoesNotContain("tensor op", result.Output, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("doctor", "--device", "tpu")]
    [InlineData("doctor", "--threads", "-3")]
    [InlineData("doctor", "--no-such-flag")]
    [InlineData("no-such-command")]
    public async Task Bad_flags_exit_with_code_2_and_say_why(params string[] args)
    {
        CliResult result = await CliRunner.RunAsync(args);

        Assert.Equal(2, result.ExitCode);
        Assert.StartsWith("geode: ", result.Error, StringComparison.Ordinal);
    }
}
