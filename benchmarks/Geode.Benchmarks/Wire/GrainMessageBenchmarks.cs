using BenchmarkDotNet.Attributes;
using Geode.Analysis.Statistics;
using Geode.Benchmarks.Workload;
using Geode.Grains.Campaigns;
using Geode.Grains.Wire;
using Microsoft.Extensions.DependencyInjection;
using Orleans.Serialization;
using static TorchSharp.torch;

namespace Geode.Benchmarks.Wire;

/// <summary>
/// Orleans' serializer on the messages that carry a campaign's bulk, through the codecs the Orleans
/// SDK generates for Geode.Grains.Interfaces: a capture shard's <see cref="ShardOutcome"/> (E2B: the
/// [36, 32, 1536] float32 residuals, 7 MB, plus 36 per-stream partial statistics, 2.7 MB for this
/// shard, whose 32 prompts share one category, so each stream holds two groups: the class and the
/// category) and the <see cref="ShardWork"/> that asks for it (the campaign file's text rides along).
/// </summary>
/// <remarks>Not sealed: BenchmarkDotNet derives a runnable type from every benchmark class.</remarks>
[MemoryDiagnoser]
public class GrainMessageBenchmarks
{
    private byte[] _outcomeBytes = [];

    /// <summary>The serializer, with the grain interfaces' assembly added explicitly so the generated codecs are found whatever the entry assembly.</summary>
    internal Serializer Serializer { get; private set; } = null!;

    /// <summary>A capture shard's outcome.</summary>
    internal ShardOutcome Outcome { get; private set; } = null!;

    /// <summary>A capture shard's work item.</summary>
    internal ShardWork Work { get; private set; } = null!;

    /// <summary>Builds the serializer and the two messages as a capture shard would.</summary>
    [GlobalSetup]
    public void Setup()
    {
        Serializer = new ServiceCollection()
            .AddSerializer(builder => builder.AddAssembly(typeof(ShardOutcome).Assembly))
            .BuildServiceProvider()
            .GetRequiredService<Serializer>();
        using SyntheticCapture capture = SyntheticCapture.Create(Gemma4Shapes.E2BStreams, Gemma4Shapes.E2BHidden);
        using Tensor shard = capture.Activations.narrow(1, 0, Gemma4Shapes.ShardPrompts);
        string[] classes = capture.Classes[..Gemma4Shapes.ShardPrompts];
        string[] categories = capture.Categories[..Gemma4Shapes.ShardPrompts];

        // Per stream, a one-layer ActivationStatistics of the shard, as ShardJobs.PartialStatistics makes them.
        byte[][] partials = new byte[Gemma4Shapes.E2BStreams][];
        for (int l = 0; l < partials.Length; l++)
        {
            using var scope = NewDisposeScope();
            var statistics = new ActivationStatistics(1, Gemma4Shapes.E2BHidden);
            statistics.Add([shard[l]], classes, categories);
            partials[l] = statistics.ToBytes();
        }

        Outcome = new ShardOutcome([], TensorPayloads.ToPayload(shard), Gemma4Shapes.ShardPrompts * 48, "silo-gpu-0", partials);
        var request = new CampaignRequest(
            "quickstart-20260101-000000",
            "/srv/geode/campaigns/quickstart.yaml",
            CampaignYaml(),
            "/srv/geode/runs/quickstart-20260101-000000",
            "/srv/geode/store");
        Work = new ShardWork(request, "capture", 64, Gemma4Shapes.ShardPrompts);
        _outcomeBytes = Serializer.SerializeToArray(Outcome);
    }

    /// <summary>ShardOutcome → bytes.</summary>
    [Benchmark]
    public byte[] SerializeOutcome() => Serializer.SerializeToArray(Outcome);

    /// <summary>Bytes → ShardOutcome.</summary>
    [Benchmark]
    public ShardOutcome DeserializeOutcome() =>
        Serializer.Deserialize<ShardOutcome>(_outcomeBytes) ?? throw new InvalidOperationException("The outcome deserialised to null.");

    /// <summary>ShardWork → bytes → ShardWork.</summary>
    [Benchmark]
    public ShardWork WorkRoundTrip() =>
        Serializer.Deserialize<ShardWork>(Serializer.SerializeToArray(Work)) ?? throw new InvalidOperationException("The work item deserialised to null.");

    // ShardWork carries the campaign file's text so every silo reads the same campaign; the
    // quickstart's own file (embedded by the project) gives it a real campaign's size.
    private static string CampaignYaml()
    {
        using Stream stream = typeof(GrainMessageBenchmarks).Assembly.GetManifestResourceStream("Geode.Benchmarks.quickstart.yaml")
            ?? throw new InvalidOperationException("The embedded campaigns/quickstart.yaml is missing from the assembly.");
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }
}
