using System.Text.Json;
using Geode.Model.Checkpoints;
using Geode.Model.Native;
using Geode.Tests;
using Xunit.Abstractions;
using static TorchSharp.torch;

namespace Geode.Client.Tests;

public sealed class ModelVerifyCommandTests(ITestOutputHelper log)
{
    public static TheoryData<string> Fixtures => Client.Tests.Fixtures.Names;

    [Theory]
    [MemberData(nameof(Fixtures))]
    public async Task Every_fixture_passes_in_float32_and_prints_each_metric(string fixture)
    {
        CliResult result = await CliRunner.RunAsync("model", "verify", "--model", Client.Tests.Fixtures.Folder(fixture), "--reference", Client.Tests.Fixtures.Reference(fixture));

        log.WriteLine(result.Output + result.Error);
        Assert.Equal(0, result.ExitCode);
        Assert.Matches(@"(?m)^logits\s+\d\.\d\dE-\d\d\s+1\.00E-04\s+ok$", result.Output);
        Assert.Matches(@"(?m)^greedy_cached \(0 of 10 tokens differ\)\s+0\s+0\s+ok$", result.Output);
        Assert.Matches(@"(?m)^ablation\.logits \(activation edit\)\s+\S+\s+\S+\s+ok$", result.Output);
        Assert.Matches(@"(?m)^ablation\.logits \(weight edit\)\s+\S+\s+\S+\s+ok$", result.Output);
        Assert.Matches(@"(?m)^verdict: PASS, (\d+) of \1 metrics within tolerance \(float32, cpu\)$", result.Output);
        Assert.DoesNotContain("FAIL", result.Output, StringComparison.Ordinal);
    }

    [Theory]
    [MemberData(nameof(Fixtures))]
    public async Task Json_is_one_object_that_passes(string fixture)
    {
        CliResult result = await CliRunner.RunAsync("model", "verify", "--model", Client.Tests.Fixtures.Folder(fixture), "--reference", Client.Tests.Fixtures.Reference(fixture), "--json");

        Assert.Equal(0, result.ExitCode);
        using JsonDocument json = JsonDocument.Parse(result.Output);
        JsonElement root = json.RootElement;
        Assert.True(root.GetProperty("passed").GetBoolean());
        Assert.Equal("float32", root.GetProperty("dtype").GetString());
        Assert.EndsWith(fixture, root.GetProperty("model").GetString(), StringComparison.Ordinal);
        Assert.EndsWith("reference.safetensors", root.GetProperty("reference").GetString(), StringComparison.Ordinal);
        JsonElement[] metrics = [.. root.GetProperty("metrics").EnumerateArray()];
        Assert.Contains(metrics, m => m.GetProperty("name").GetString() == "logits");
        Assert.All(metrics, m =>
        {
            Assert.True(m.GetProperty("passed").GetBoolean());
            Assert.True(m.GetProperty("max_abs_error").GetDouble() <= m.GetProperty("tolerance").GetDouble());
        });
    }

    [Fact]
    public async Task A_perturbed_reference_fails_on_logits_with_exit_code_1()
    {
        TorchRuntime.Initialize(TorchRuntimeOptions.Default);
        using var temp = new TempFolder();
        string doctored = temp.File("reference.safetensors");
        using (SafetensorsFile original = SafetensorsFile.Open(Client.Tests.Fixtures.Reference("gemma4-tiny-a")))
        using (NewDisposeScope())
        {
            SafetensorsWriter.Write(doctored, original.Tensors.Select(t =>
                (t.Name, t.Name == "logits" ? original.Read(t.Name) + 0.01f : original.Read(t.Name))));
        }

        CliResult result = await CliRunner.RunAsync("model", "verify", "--model", Client.Tests.Fixtures.Folder("gemma4-tiny-a"), "--reference", doctored);

        log.WriteLine(result.Output);
        Assert.Equal(1, result.ExitCode);
        Assert.Matches(@"(?m)^logits\s+1\.00E-02\s+1\.00E-04\s+FAIL$", result.Output);
        Assert.Matches(@"(?m)^hidden_states\.3\s+\S+\s+\S+\s+ok$", result.Output);
        Assert.Matches(@"(?m)^verdict: FAIL, ", result.Output);
    }

    [Theory]
    [MemberData(nameof(Fixtures))]
    public async Task Bfloat16_reports_nonzero_finite_errors_and_passes_its_looser_tolerance(string fixture)
    {
        CliResult result = await CliRunner.RunAsync("model", "verify", "--model", Client.Tests.Fixtures.Folder(fixture), "--reference", Client.Tests.Fixtures.Reference(fixture), "--dtype", "bfloat16", "--json");

        log.WriteLine(result.Output + result.Error);
        Assert.Equal(0, result.ExitCode);
        using JsonDocument json = JsonDocument.Parse(result.Output);
        Assert.Equal("bfloat16", json.RootElement.GetProperty("dtype").GetString());
        Assert.True(json.RootElement.GetProperty("passed").GetBoolean());
        JsonElement[] floats = [.. json.RootElement.GetProperty("metrics").EnumerateArray()
            .Where(m => !m.GetProperty("name").GetString()!.StartsWith("greedy_", StringComparison.Ordinal))];
        Assert.NotEmpty(floats);
        foreach (JsonElement metric in floats)
        {
            double error = metric.GetProperty("max_abs_error").GetDouble();
            string name = metric.GetProperty("name").GetString()!;
            log.WriteLine($"{fixture} bf16 {name}: {error:E2} (tolerance {metric.GetProperty("tolerance").GetDouble():E2})");

            // hidden_states.0 is the scaled embedding, rounded once: small but still not exact.
            Assert.True(double.IsFinite(error) && error > 0, $"{name}: {error}");
        }

        Assert.True(floats.Single(m => m.GetProperty("name").GetString() == "logits").GetProperty("max_abs_error").GetDouble() > 1e-4);
    }

    [Fact]
    public async Task Bfloat16_text_output_shows_the_errors()
    {
        CliResult result = await CliRunner.RunAsync("model", "verify", "--model", Client.Tests.Fixtures.Folder("llama-tiny"), "--reference", Client.Tests.Fixtures.Reference("llama-tiny"), "--dtype", "bfloat16");

        Assert.Equal(0, result.ExitCode);
        Assert.Matches(@"(?m)^logits\s+\d\.\d\dE-0[1-4]\s+2\.00E-01\s+ok$", result.Output);
        Assert.Matches(@"(?m)^verdict: PASS, .*\(bfloat16, cpu\)$", result.Output);
    }
}
