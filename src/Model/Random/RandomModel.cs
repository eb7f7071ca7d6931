using Geode.Model.Config;
using Geode.Model.Weights;
using static TorchSharp.torch;

namespace Geode.Model.Random;

/// <summary>
/// A randomly initialised model of a given shape: linear weights ~ N(0, 1/in), embeddings
/// ~ N(0, 0.02²), norms and layer scalars 1. Deterministic for a seed. For throughput and memory
/// measurements, not for behaviour.
/// </summary>
public static class RandomModel
{
    /// <summary>Builds the model directly in <paramref name="dtype"/> on <paramref name="device"/>.</summary>
    /// <param name="config">The shape.</param>
    /// <param name="seed">Seed of the initial values.</param>
    /// <param name="dtype">The weights' dtype.</param>
    /// <param name="device">Where the weights live.</param>
    /// <param name="trainable">Make every weight an autograd parameter (for training) instead of a plain tensor.</param>
    public static CausalLM Create(ModelConfig config, long seed, ScalarType dtype, Device device, bool trainable = false)
    {
        var generator = new Generator((ulong)seed, device: CPU);
        var weights = new WeightStore($"random {config.ModelType} (seed {seed})");
        try
        {
            foreach ((string name, long[] shape) in ExpectedTensors.For(config))
            {
                using var scope = NewDisposeScope();
                Tensor values = name.EndsWith("norm.weight", StringComparison.Ordinal) || name.EndsWith("layer_scalar", StringComparison.Ordinal)
                    ? ones(shape, dtype: ScalarType.Float32)
                    : name.EndsWith(".bias", StringComparison.Ordinal)
                        ? zeros(shape, dtype: ScalarType.Float32)
                        : randn(shape, dtype: ScalarType.Float32, generator: generator) * Scale(name, shape);
                Tensor placed = values.to(dtype, device);
                Tensor stored = trainable ? new TorchSharp.Modules.Parameter(placed, requires_grad: true) : placed;
                weights.Add(name, name == "lm_head.weight" ? name : "model." + name, stored.DetachFromDisposeScope());
            }

            return new CausalLM(config, weights, device);
        }
        catch
        {
            weights.Dispose();
            throw;
        }
    }

    private static double Scale(string name, long[] shape) =>
        name.StartsWith("embed_tokens", StringComparison.Ordinal) ? 0.02 : 1.0 / Math.Sqrt(shape[^1]);
}
