using Geode.Model;
using Geode.Model.Checkpoints;
using static TorchSharp.torch;

namespace Geode.Analysis.Forensics;

/// <summary>
/// Activation directions to compare weight diffs against, loaded from a <em>directions file</em>: one
/// safetensors file whose every tensor is a labelled direction (the tensor name is the label, e.g.
/// <c>refusal</c> or <c>category.medical</c>), float32/float64/float16/bfloat16, either
/// <list type="bullet">
/// <item>[H] — one direction for every tensor, or</item>
/// <item>[L+1, H] — one direction per residual-stream index: row 0 is the embedding output and row
/// l + 1 the stream after layer l, so a tensor in layer i is compared with row i + 1, the state that
/// layer writes into. Model-level tensors are not compared with per-stream directions.</item>
/// </list>
/// H is the model's hidden size and L its layer count. Directions need not be unit length.
/// </summary>
public sealed class DirectionSet
{
    private readonly Dictionary<string, double[][]> _rows;

    private DirectionSet(string source, int hiddenSize, IReadOnlyList<string> labels, Dictionary<string, double[][]> rows)
    {
        Source = source;
        HiddenSize = hiddenSize;
        Labels = labels;
        _rows = rows;
    }

    /// <summary>The file the directions came from.</summary>
    public string Source { get; }

    /// <summary>H, the length of every direction.</summary>
    public int HiddenSize { get; }

    /// <summary>The labels, in file order.</summary>
    public IReadOnlyList<string> Labels { get; }

    /// <summary>Loads a directions file and checks it against a model of <paramref name="hiddenSize"/> and <paramref name="numLayers"/>.</summary>
    /// <exception cref="BadInputException">The file is missing or malformed, or a tensor has the wrong shape or type.</exception>
    public static DirectionSet Load(string path, int hiddenSize, int numLayers)
    {
        using SafetensorsFile file = SafetensorsFile.Open(path);
        if (file.Tensors.Count == 0)
        {
            throw new BadInputException($"{file.Path}: holds no tensors; a directions file needs at least one [H] or [L+1, H] direction.", file.Path);
        }

        var rows = new Dictionary<string, double[][]>(StringComparer.Ordinal);
        using IDisposable scope = NewDisposeScope();
        foreach (TensorInfo info in file.Tensors)
        {
            if (info.DType is not (SafetensorsDType.F32 or SafetensorsDType.F64 or SafetensorsDType.F16 or SafetensorsDType.BF16))
            {
                throw new BadInputException($"{file.Path}: direction '{info.Name}' is {info.DType.HeaderName()}; directions must be floating point.", file.Path, info.Name);
            }

            bool global = info.Shape.Length == 1 && info.Shape[0] == hiddenSize;
            bool perStream = info.Shape.Length == 2 && info.Shape[0] == numLayers + 1 && info.Shape[1] == hiddenSize;
            if (!global && !perStream)
            {
                throw new BadInputException(
                    $"{file.Path}: direction '{info.Name}' has shape [{string.Join(", ", info.Shape)}]; expected [{hiddenSize}] (one direction) " +
                    $"or [{numLayers + 1}, {hiddenSize}] (one per stream index, row i+1 for layer i) for this model.",
                    file.Path,
                    info.Name);
            }

            Tensor values = file.Read(info.Name, ScalarType.Float64);
            double[] flat = values.data<double>().ToArray();
            if (flat.Any(v => !double.IsFinite(v)))
            {
                throw new BadInputException($"{file.Path}: direction '{info.Name}' holds a NaN or infinite value.", file.Path, info.Name);
            }

            rows[info.Name] = global ? [flat] : [.. flat.Chunk(hiddenSize)];
        }

        return new DirectionSet(file.Path, hiddenSize, [.. file.Tensors.Select(t => t.Name)], rows);
    }

    /// <summary>
    /// The direction labelled <paramref name="label"/> that applies to a tensor in <paramref name="layer"/>
    /// (null for a model-level tensor), or null when a per-stream direction has no row for it.
    /// </summary>
    public double[]? For(string label, int? layer)
    {
        double[][] rows = _rows[label];
        if (rows.Length == 1)
        {
            return rows[0];
        }

        return layer is int i && i + 1 < rows.Length ? rows[i + 1] : null;
    }
}
