using Geode.Model.Config;
using Geode.Model.Edits;
using static TorchSharp.torch;

namespace Geode.Model.Organism;

/// <summary>
/// The organism's known ground truth: a unit direction in the residual stream through which its
/// training routes every refusal. Training shows a share of conversations with this direction
/// removed from every o_proj and down_proj output (the standard recipe's edit) and asks for the
/// compliant answer there, so refusing comes to depend on it — the single-direction mediation that
/// Arditi et al. found in chat models, built in on purpose so analyses can be checked against it.
/// </summary>
public static class PlantedRefusal
{
    /// <summary>The file, in the organism's folder, that holds the planted direction as a Geode edit.</summary>
    public const string FileName = "planted_refusal.safetensors";

    /// <summary>The planted direction for a seed: a float32 unit vector [H] on the CPU, the same on every machine.</summary>
    public static Tensor Direction(long hiddenSize, long seed)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(hiddenSize);
        using var scope = NewDisposeScope();
        // A generator of its own, offset from the weights' seed, so the direction does not shift
        // when the initialisation draws more or fewer numbers.
        var generator = new Generator(unchecked((ulong)seed ^ 0x9e3779b97f4a7c15UL), device: CPU);
        Tensor direction = randn([hiddenSize], dtype: ScalarType.Float64, generator: generator);
        return (direction / direction.norm()).to(ScalarType.Float32).MoveToOuterDisposeScope();
    }

    /// <summary>Removing <paramref name="direction"/> from o_proj and down_proj in every layer at α = 1: what training practises against.</summary>
    public static Edit Edit(ModelConfig config, Tensor direction) => new(
        [new EditPart([.. Enumerable.Range(0, config.NumLayers)], [WriterKind.AttentionOutput, WriterKind.MlpOutput], direction.reshape(-1, 1), 1)],
        "planted refusal direction");
}
