using Geode.Model.Native;
using Geode.Model.Verification;
using Geode.Model.Weights;
using Geode.Tests;
using Xunit.Abstractions;

namespace Geode.Model.Tests.Parity;

/// <summary>Every Hugging Face fixture, run through Geode in float32 and compared with transformers' own outputs.</summary>
public sealed class HfParityTests(ITestOutputHelper output)
{
    private const double Tolerance = 1e-4;

    public static TheoryData<string> Fixtures => new(Directory.GetDirectories(RepositoryPaths.HfFixtures).Select(Path.GetFileName).Order()!);

    [Theory]
    [MemberData(nameof(Fixtures))]
    public void Fixture_matches_transformers_in_float32(string fixture)
    {
        TorchRuntime.Initialize(TorchRuntimeOptions.Default);
        string folder = RepositoryPaths.HfFixture(fixture);

        VerificationReport report = ReferenceVerifier.Verify(
            folder, Path.Combine(folder, "reference.safetensors"), new LoadOptions(TorchSharp.torch.ScalarType.Float32, TorchSharp.torch.CPU), Tolerance);

        foreach (VerificationMetric metric in report.Metrics)
        {
            output.WriteLine($"{metric.Name,-40} {metric.MaxAbsError:E2} {(metric.Passed ? "ok" : "FAIL")}");
        }

        Assert.All(report.Metrics, m => Assert.True(m.Passed, $"{m.Name}: {m.MaxAbsError:E3} > {m.Tolerance:E1}"));
        Assert.Contains(report.Metrics, m => m.Name == "logits");
        Assert.Contains(report.Metrics, m => m.Name.StartsWith("greedy_cached", StringComparison.Ordinal));
        Assert.Contains(report.Metrics, m => m.Name == "ablation.logits (weight edit)");
    }

    [Theory]
    [MemberData(nameof(Fixtures))]
    public void Fixture_in_float64_agrees_with_the_float32_reference_to_its_rounding(string fixture)
    {
        // Float64 masks must not overflow to −inf in a float32 softmax: a NaN here would spread from
        // padded positions to every row.
        TorchRuntime.Initialize(TorchRuntimeOptions.Default);
        string folder = RepositoryPaths.HfFixture(fixture);

        VerificationReport report = ReferenceVerifier.Verify(
            folder, Path.Combine(folder, "reference.safetensors"), new LoadOptions(TorchSharp.torch.ScalarType.Float64, TorchSharp.torch.CPU), 1e-3);

        Assert.Equal("Float64", report.DType);
        Assert.All(report.Metrics, m => Assert.True(m.Passed && double.IsFinite(m.MaxAbsError), $"{m.Name}: {m.MaxAbsError:E3}"));
    }
}
