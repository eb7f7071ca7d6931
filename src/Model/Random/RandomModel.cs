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
    public static CausalLM Create(ModelConfig config, long seed, ScalarType dtype, Device device, bool trainable = false) =>
        Create(config, seed, new ModelPrecision(dtype), device, trainable);

    /// <summary>
    /// Builds the model directly at <paramref name="precision"/> on <paramref name="device"/>: an int8
    /// model's matrices are drawn and quantised a block of rows at a time, so neither precision ever
    /// holds a float32 copy of a whole table (Gemma 4 E2B's per-layer table is 9.4 GB in float32).
    /// </summary>
    /// <param name="config">The shape.</param>
    /// <param name="seed">Seed of the initial values; the same values (before quantisation) at every precision.</param>
    /// <param name="precision">The compute dtype and weight format.</param>
    /// <param name="device">Where the weights live.</param>
    /// <param name="trainable">Make every weight an autograd parameter (for training); dense weights only.</param>
    public static CausalLM Create(ModelConfig config, long seed, ModelPrecision precision, Device device, bool trainable = false)
    {
        ArgumentNullException.ThrowIfNull(config);
        if (trainable && precision.Int8Weights)
        {
            throw new ArgumentException("int8 weights cannot be trained: make a trainable model dense.", nameof(trainable));
        }

        var generator = new Generator((ulong)seed, device: CPU);
        var weights = new WeightStore($"random {config.ModelType} (seed {seed})");
        try
        {
            foreach ((string name, long[] shape) in ExpectedTensors.For(config))
            {
                string checkpointName = name == "lm_head.weight" ? name : "model." + name;
                if (precision.Int8Weights && Int8Rows.Quantizes(name, shape, Int8Scope.AllMatrices))
                {
                    (Tensor codes, Tensor scales) = Int8Rows.QuantizeInBlocks(shape[0], shape[1], device, (start, count) => Draw(name, shape, count, generator));
                    weights.Add(name, checkpointName, codes, scales);
                    continue;
                }

                using var scope = NewDisposeScope();
                Tensor placed = empty(shape, dtype: precision.Compute, device: device);
                long rows = shape.Length == 0 ? 1 : shape[0];
                long block = shape.Length < 2 ? rows : Math.Max(1, Int8Rows.BlockElements / (placed.NumberOfElements / Math.Max(1, rows)));
                for (long start = 0; start < rows; start += block)
                {
                    long count = Math.Min(block, rows - start);
                    using Tensor values = Draw(name, shape, count, generator);
                    (shape.Length == 0 ? placed : placed.narrow(0, start, count)).copy_(values);
                }

                Tensor stored = trainable ? new TorchSharp.Modules.Parameter(placed, requires_grad: true) : placed;
                weights.Add(name, checkpointName, stored.DetachFromDisposeScope());
            }

            return new CausalLM(config, weights, device);
        }
        catch
        {
            weights.Dispose();
            throw;
        }
    }

    /// <summary>
    /// The next <paramref name="rows"/> rows of tensor <paramref name="name"/>, float32 on the CPU. Drawn
    /// block by block from one generator, so the values follow each other as one draw of the whole would.
    /// </summary>
    private static Tensor Draw(string name, long[] shape, long rows, Generator generator)
    {
        long[] blockShape = shape.Length == 0 ? shape : [rows, .. shape[1..]];
        if (name.EndsWith("norm.weight", StringComparison.Ordinal) || name.EndsWith("layer_scalar", StringComparison.Ordinal))
        {
            return ones(blockShape, dtype: ScalarType.Float32);
        }

        return name.EndsWith(".bias", StringComparison.Ordinal)
            ? zeros(blockShape, dtype: ScalarType.Float32)
            : randn(blockShape, dtype: ScalarType.Float32, generator: generator).mul_(Scale(name, shape));
    }

    private static double Scale(string name, long[] shape) =>
        name.StartsWith("embed_tokens", StringComparison.Ordinal) ? 0.02 : 1.0 / Math.Sqrt(shape[^1]);
}
