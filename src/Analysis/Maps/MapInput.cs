using Geode.Model;
using TorchSharp;
using static TorchSharp.torch;

namespace Geode.Analysis.Maps;

/// <summary>Checks and upcasts the activation matrices the maps take, so every map sees the same validated input.</summary>
internal static class MapInput
{
    /// <summary>
    /// Returns <paramref name="data"/> as a float64 matrix [N, H] on its own device. Decompositions have
    /// no bf16/fp16 kernels and distances of nearly equal points need the extra bits, so everything
    /// below works in float64 whatever the capture dtype was.
    /// </summary>
    /// <exception cref="BadInputException">Not a matrix, not floating point, fewer than
    /// <paramref name="minRows"/> rows, or a non-finite value.</exception>
    public static Tensor ToFloat64Matrix(Tensor data, string name, long minRows)
    {
        ArgumentNullException.ThrowIfNull(data);
        if (data.dim() != 2)
        {
            throw new BadInputException(
                $"{name} must be a matrix [N, H] (one row per prompt); got shape [{string.Join(", ", data.shape)}].", field: name);
        }

        if (!data.is_floating_point())
        {
            throw new BadInputException($"{name} must hold floating-point values; got {data.dtype}.", field: name);
        }

        if (data.shape[0] < minRows || data.shape[1] < 1)
        {
            throw new BadInputException(
                $"{name} needs at least {minRows} rows and one column; got shape [{data.shape[0]}, {data.shape[1]}].", field: name);
        }

        Tensor x = data.to_type(ScalarType.Float64);
        if (!torch.isfinite(x).all().item<bool>())
        {
            throw new BadInputException($"{name} contains NaN or infinite values.", field: name);
        }

        return x;
    }

    /// <summary>Copies a float64 tensor [rows, cols] into a managed row-major array.</summary>
    public static double[,] ToArray2D(Tensor x)
    {
        using var scope = torch.NewDisposeScope();
        int rows = (int)x.shape[0];
        int cols = (int)x.shape[1];
        double[] flat = x.to_type(ScalarType.Float64).cpu().contiguous().data<double>().ToArray();
        var result = new double[rows, cols];
        Buffer.BlockCopy(flat, 0, result, 0, flat.Length * sizeof(double));
        return result;
    }

    /// <summary>Wraps a managed row-major array as a float64 CPU tensor [rows, cols].</summary>
    public static Tensor FromArray2D(double[,] values)
    {
        var flat = new double[values.Length];
        Buffer.BlockCopy(values, 0, flat, 0, flat.Length * sizeof(double));
        return torch.tensor(flat, [values.GetLength(0), values.GetLength(1)], ScalarType.Float64);
    }
}
