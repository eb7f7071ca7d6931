using Geode.Model.Checkpoints;
using Geode.Model.Config;
using static TorchSharp.torch;

namespace Geode.Model.Weights;

/// <summary>How to load a checkpoint.</summary>
/// <param name="DType">Target (compute) dtype; null keeps the checkpoint's (its token embedding's).</param>
/// <param name="Device">Target device.</param>
public sealed record LoadOptions(ScalarType? DType, Device Device)
{
    /// <summary>The checkpoint's dtype, on the CPU.</summary>
    public static LoadOptions Default { get; } = new(null, CPU);

    /// <summary>Dense weights in <see cref="DType"/>, or int8 weight matrices computing in <see cref="DType"/>.</summary>
    public WeightFormat Weights { get; init; }

    /// <summary>Options for <paramref name="precision"/> (null: the checkpoint's dtype, dense) on <paramref name="device"/>.</summary>
    public static LoadOptions For(ModelPrecision? precision, Device device) =>
        new(precision?.Compute, device) { Weights = precision?.Weights ?? WeightFormat.Dense };
}

/// <summary>
/// Loads a Hugging Face checkpoint folder into a <see cref="CausalLM"/>: reads the config, checks
/// every tensor the config implies is present with the right shape (before reading data), then reads
/// each tensor straight into the target dtype and device, one at a time, so the peak memory stays
/// near the model's size in that dtype. With <see cref="WeightFormat.Int8"/> every weight matrix is
/// quantised a block of rows at a time as it is read (<see cref="Int8Rows"/>), so the peak stays near
/// the int8 model's size too.
/// </summary>
public static class ModelLoader
{
    /// <summary>Loads the model in <paramref name="folder"/>.</summary>
    /// <exception cref="BadInputException">The folder, config or checkpoint is missing, malformed or inconsistent.</exception>
    public static CausalLM Load(string folder, LoadOptions? options = null)
    {
        options ??= LoadOptions.Default;
        if (!Directory.Exists(folder))
        {
            throw new BadInputException($"{folder}: no such model folder.", folder);
        }

        ModelConfig config = ConfigReader.Read(folder);
        using CheckpointFolder checkpoint = CheckpointFolder.Open(folder);
        Dictionary<string, string> byCanonical = MapNames(checkpoint);
        Dictionary<string, long[]> expected = ExpectedTensors.For(config);
        Check(checkpoint, config, byCanonical, expected);

        string embeddingName = byCanonical["embed_tokens.weight"];
        ScalarType dtype = options.DType ?? checkpoint.Info(embeddingName).DType.ToScalarType();
        if (dtype is not (ScalarType.Float32 or ScalarType.BFloat16 or ScalarType.Float16 or ScalarType.Float64))
        {
            throw new BadInputException($"{checkpoint.FileOf(embeddingName)}: tensor '{embeddingName}' is {dtype}; model weights must be F32, BF16 or F16.", checkpoint.FileOf(embeddingName), embeddingName);
        }

        var weights = new Weights.WeightStore(folder);
        try
        {
            // Checkpoint order, so an export can write the tensors back in the same order.
            foreach (string name in checkpoint.Names)
            {
                string? canonical = CheckpointNames.Canonical(name);
                if (canonical is null || !expected.ContainsKey(canonical) || weights.Contains(canonical))
                {
                    continue;
                }

                if (options.Weights == WeightFormat.Int8 && Int8Rows.Quantizes(canonical, expected[canonical], Int8Scope.AllMatrices))
                {
                    long[] shape = expected[canonical];
                    (Tensor codes, Tensor scales) = Int8Rows.QuantizeInBlocks(
                        shape[0], shape[1], options.Device, (start, count) => checkpoint.ReadRows(name, start, count, ScalarType.Float32));
                    weights.Add(canonical, name, codes, scales);
                }
                else
                {
                    weights.Add(canonical, name, checkpoint.Read(name, dtype, options.Device));
                }
            }

            return new CausalLM(config, weights, options.Device);
        }
        catch
        {
            weights.Dispose();
            throw;
        }
    }

    private static Dictionary<string, string> MapNames(CheckpointFolder checkpoint)
    {
        var map = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (string name in checkpoint.Names)
        {
            string? canonical = CheckpointNames.Canonical(name);
            if (canonical is not null)
            {
                map.TryAdd(canonical, name);
            }
        }

        return map;
    }

    private static void Check(CheckpointFolder checkpoint, ModelConfig config, Dictionary<string, string> byCanonical, Dictionary<string, long[]> expected)
    {
        string where = checkpoint.IndexPath ?? Path.Combine(checkpoint.Folder, CheckpointFolder.SingleFileName);
        foreach ((string canonical, long[] shape) in expected)
        {
            if (!byCanonical.TryGetValue(canonical, out string? name))
            {
                throw new BadInputException(
                    $"{where}: tensor '{canonical}' is missing; {config.ModelType} with this config.json needs it.",
                    where,
                    canonical);
            }

            TensorInfo info = checkpoint.Info(name);
            if (!info.Shape.SequenceEqual(shape))
            {
                throw new BadInputException(
                    $"{checkpoint.FileOf(name)}: tensor '{name}' has shape [{string.Join(", ", info.Shape)}], but config.json implies [{string.Join(", ", shape)}].",
                    checkpoint.FileOf(name),
                    name);
            }

            if (info.DType is not (SafetensorsDType.F32 or SafetensorsDType.BF16 or SafetensorsDType.F16 or SafetensorsDType.F64))
            {
                throw new BadInputException(
                    $"{checkpoint.FileOf(name)}: tensor '{name}' is {info.DType.HeaderName()}; model weights must be F32, BF16 or F16.",
                    checkpoint.FileOf(name),
                    name);
            }
        }
    }
}
