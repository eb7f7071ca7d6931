using Geode.Analysis.Prompts;
using static TorchSharp.torch;

namespace Geode.Benchmarks.Workload;

/// <summary>
/// A capture of the built-in prompt set (340 prompts, eight categories) without running a model:
/// a[l, i] = z + s·[refuse_i]·r_l + c_{category(i)}, with z ~ N(0, I), a planted unit refusal
/// direction r_l per stream and a category offset c of norm 2. The kernels' cost depends only on the
/// shapes, but the planted structure lets tests check their answers against a known value.
/// </summary>
internal sealed class SyntheticCapture : IDisposable
{
    /// <summary>The planted shift s along r_l, in units of the noise's per-dimension SD.</summary>
    public const double RefusalShift = 4.0;

    private SyntheticCapture(Tensor activations, Tensor directions, PromptRecord[] records)
    {
        Activations = activations;
        Directions = directions;
        Records = records;
        Classes = [.. records.Select(r => r.Expected == ExpectedBehavior.Refuse ? "refuse" : "comply")];
        Categories = [.. records.Select(r => r.Category)];
    }

    /// <summary>Residuals [streams, N, H] float32, the layout of a capture shard's payload.</summary>
    public Tensor Activations { get; }

    /// <summary>The planted refusal directions r_l, float64 [streams, H], unit rows.</summary>
    public Tensor Directions { get; }

    /// <summary>The built-in prompt set's records, one per row.</summary>
    public IReadOnlyList<PromptRecord> Records { get; }

    /// <summary>Each row's class, <c>refuse</c> or <c>comply</c>.</summary>
    public string[] Classes { get; }

    /// <summary>Each row's category.</summary>
    public string[] Categories { get; }

    /// <summary>Streams (L + 1).</summary>
    public int Streams => (int)Activations.shape[0];

    /// <summary>H.</summary>
    public int Hidden => (int)Activations.shape[2];

    /// <summary>A capture of <paramref name="streams"/> stream indices of width <paramref name="hidden"/>, the same for a seed.</summary>
    public static SyntheticCapture Create(int streams, int hidden, ulong seed = 0)
    {
        TorchStart.Once();
        PromptRecord[] records = [.. PromptSet.Builtin().Records];
        string[] categories = [.. records.Select(r => r.Category).Distinct(StringComparer.Ordinal)];
        using var scope = NewDisposeScope();
        using var generator = new Generator(seed, device: CPU);
        Tensor directions = randn([streams, hidden], ScalarType.Float64, generator: generator);
        directions /= directions.norm(1, keepdim: true);
        Tensor offsets = randn([categories.Length, hidden], ScalarType.Float64, generator: generator);
        offsets *= 2.0 / offsets.norm(1, keepdim: true);

        // [N] refusal indicator and [N, H] category offset, broadcast over the streams.
        Tensor refuse = tensor(records.Select(r => r.Expected == ExpectedBehavior.Refuse ? RefusalShift : 0.0).ToArray());
        Tensor category = offsets.index_select(0, tensor(records.Select(r => (long)Array.IndexOf(categories, r.Category)).ToArray()));
        Tensor shift = (refuse.reshape(1, -1, 1) * directions.unsqueeze(1)) + category.unsqueeze(0); // [streams, N, H]
        Tensor activations = (randn([streams, records.Length, hidden], ScalarType.Float32, generator: generator) + shift.to(ScalarType.Float32)).contiguous();
        return new SyntheticCapture(activations.MoveToOuterDisposeScope(), directions.MoveToOuterDisposeScope(), records);
    }

    /// <summary>The row indices of prompts whose category is <paramref name="category"/>.</summary>
    public long[] RowsOf(string category) => [.. Enumerable.Range(0, Records.Count).Where(i => Categories[i] == category).Select(i => (long)i)];

    /// <inheritdoc />
    public void Dispose()
    {
        Activations.Dispose();
        Directions.Dispose();
    }
}
