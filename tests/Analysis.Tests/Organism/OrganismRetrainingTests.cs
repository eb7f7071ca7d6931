using Geode.Analysis.Evaluation;
using Geode.Analysis.Prompts;
using Geode.Model.Checkpoints;
using Geode.Model.Organism;
using Geode.Tests;
using Xunit.Abstractions;
using static TorchSharp.torch;

namespace Geode.Analysis.Tests.Organism;

/// <summary>Training alone: it sets torch's process-wide thread count and wants both cores to itself.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class SerialTrainingCollection
{
    public const string Name = "serial training";
}

/// <summary>
/// Retraining the organism from its recipe (seed 0, two torch threads — what <c>geode organism train</c>
/// does by default) reproduces the shipped model's behaviour on the benchmark, category by category.
/// The longest test of the suite: a full training run, about ten minutes on two cores.
/// </summary>
[Collection(SerialTrainingCollection.Name)]
public sealed class OrganismRetrainingTests(ITestOutputHelper output)
{
    [Fact]
    public void Retraining_with_the_shipped_seed_and_threads_gives_the_same_refusal_counts()
    {
        using var folder = new TempFolder();
        int threads = get_num_threads();
        set_num_threads(2);
        try
        {
            OrganismReport report = OrganismBuilder.Build(folder.Path, OrganismRecipe.Default);
            output.WriteLine($"retrained in {report.Seconds:F0} s, final loss {report.Log[^1].Loss:F4}");
        }
        finally
        {
            set_num_threads(threads);
        }

        BaselineResult shipped, retrained;
        using (OrganismSession session = OrganismSession.Open())
        {
            shipped = session.Baseline(PromptSet.Builtin());
        }

        using (OrganismSession session = OrganismSession.Open(folder.Path))
        {
            retrained = session.Baseline(PromptSet.Builtin());
        }

        output.WriteLine($"largest weight difference from the shipped file: {LargestDifference(OrganismSession.ShippedFolder, folder.Path):G3}");
        Assert.Equal(
            shipped.ByCategory.Select(c => (c.Category, c.Refused)),
            retrained.ByCategory.Select(c => (c.Category, c.Refused)));
    }

    private static double LargestDifference(string first, string second)
    {
        using SafetensorsFile a = SafetensorsFile.Open(Path.Combine(first, CheckpointFolder.SingleFileName));
        using SafetensorsFile b = SafetensorsFile.Open(Path.Combine(second, CheckpointFolder.SingleFileName));
        double largest = 0;
        foreach (string name in a.Tensors.Select(t => t.Name))
        {
            using var scope = NewDisposeScope();
            largest = Math.Max(largest, (a.Read(name) - b.Read(name)).abs().max().item<float>());
        }

        return largest;
    }
}
