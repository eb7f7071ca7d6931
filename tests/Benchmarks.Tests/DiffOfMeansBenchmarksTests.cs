using Geode.Benchmarks.Directions;
using Geode.Benchmarks.Workload;
using static TorchSharp.torch;

namespace Geode.Benchmarks.Tests;

public sealed class DiffOfMeansBenchmarksTests
{
    [Fact]
    public void Benchmarks_RunOnce_RecoverThePlantedSeparation()
    {
        DiffOfMeansBenchmarks suite = BenchmarkRun.SetUp<DiffOfMeansBenchmarks>();
        try
        {
            IReadOnlyDictionary<string, object?> results = BenchmarkRun.RunAll(suite);

            Assert.All((double[])results["PerLayerDirections"]!, norm => Assert.Equal(1.0, norm, 1e-12));
            using (var scope = NewDisposeScope())
            {
                // Gram-Schmidt leaves r_l orthogonal to μ_comply,l at every stream.
                Tensor cosines = (suite.Directions() * suite.ComplyMeans).sum(1) / suite.ComplyMeans.norm(1);
                Assert.True(cosines.abs().max().item<double>() < 1e-12, "A direction is not orthogonal to its comply mean.");
            }

            // Unit noise along r_l and a planted shift of 4: d ≈ 4, with a standard error of ~0.4 at 40 + 40 prompts.
            Assert.All((double[])results["CohensDByLayer"]!, d => Assert.InRange(d, SyntheticCapture.RefusalShift - 1.5, SyntheticCapture.RefusalShift + 1.5));

            // A share of [36, H]'s energy: between 1/36 (all equal) and 1 (rank 1).
            Assert.InRange((double)results["TopComponentShare"]!, 1.0 / 36, 1.0);
        }
        finally
        {
            BenchmarkRun.CleanUp(suite);
        }
    }
}
