using static TorchSharp.torch;

namespace Geode.Model.Weights;

/// <summary>
/// A model's tensors by canonical name — the checkpoint name without its <c>model.</c> or
/// <c>model.language_model.</c> prefix (e.g. <c>layers.3.mlp.down_proj.weight</c>; the untied head is
/// <c>lm_head.weight</c>) — each remembering the name it had in the checkpoint, so an export writes
/// the same names back. On an int8 model (<see cref="WeightFormat.Int8"/>) a weight matrix is held as
/// int8 codes with a float32 scale per row (<see cref="RowScales"/>); the store owns both.
/// </summary>
public sealed class WeightStore : IDisposable
{
    private readonly Dictionary<string, Tensor> _tensors = new(StringComparer.Ordinal);
    private readonly Dictionary<string, string> _checkpointNames = new(StringComparer.Ordinal);
    private readonly Dictionary<string, Tensor> _rowScales = new(StringComparer.Ordinal);

    /// <summary>Where the tensors came from, for messages.</summary>
    public string Source { get; }

    /// <summary>Creates an empty store.</summary>
    public WeightStore(string source) => Source = source;

    /// <summary>Canonical names, in insertion order of the checkpoint.</summary>
    public IReadOnlyCollection<string> Names => _tensors.Keys;

    /// <summary>Adds a tensor; the store owns it from now on.</summary>
    public void Add(string canonicalName, string checkpointName, Tensor tensor)
    {
        _tensors.Add(canonicalName, tensor);
        _checkpointNames.Add(canonicalName, checkpointName);
    }

    /// <summary>Adds an int8 matrix: its codes [R, C] and float32 scales [R]; the store owns both from now on.</summary>
    public void Add(string canonicalName, string checkpointName, Tensor codes, Tensor rowScales)
    {
        ArgumentNullException.ThrowIfNull(codes);
        ArgumentNullException.ThrowIfNull(rowScales);
        if (codes.dtype != ScalarType.Int8 || codes.dim() != 2 || rowScales.dtype != ScalarType.Float32 || !rowScales.shape.SequenceEqual([codes.shape[0]]))
        {
            throw new ArgumentException($"'{canonicalName}': an int8 matrix is Int8 codes [R, C] with Float32 scales [R]; got {codes.dtype} [{string.Join(", ", codes.shape)}] and {rowScales.dtype} [{string.Join(", ", rowScales.shape)}].", nameof(codes));
        }

        Add(canonicalName, checkpointName, codes);
        _rowScales.Add(canonicalName, rowScales);
    }

    /// <summary>True when any tensor is held as int8.</summary>
    public bool HasInt8 => _rowScales.Count > 0;

    /// <summary>The per-row float32 scales of an int8 matrix, or null when <paramref name="name"/> is held in a float dtype.</summary>
    public Tensor? RowScales(string name) => _rowScales.GetValueOrDefault(name);

    /// <summary>
    /// A new tensor with the values the model computes with, in <paramref name="dtype"/>: an int8 matrix
    /// dequantised (diag(s) q), any other tensor converted. The caller owns it.
    /// </summary>
    public Tensor Dequantized(string name, ScalarType dtype) => _rowScales.TryGetValue(name, out Tensor? scales)
        ? Int8Rows.Dequantize(this[name], scales, dtype)
        : this[name].to(dtype, copy: true);

    /// <summary>Bytes the tensors occupy where they live: every tensor's elements times its element size, int8 scales included.</summary>
    public long ResidentBytes => _tensors.Values.Concat(_rowScales.Values).Sum(t => t.NumberOfElements * t.ElementSize);

    /// <summary>True when the tensor exists.</summary>
    public bool Contains(string name) => _tensors.ContainsKey(name);

    /// <summary>The tensor named <paramref name="name"/>.</summary>
    /// <exception cref="BadInputException">The checkpoint lacks it.</exception>
    public Tensor this[string name] => _tensors.TryGetValue(name, out Tensor? tensor)
        ? tensor
        : throw new BadInputException($"{Source}: tensor '{name}' is missing from the checkpoint.", Source, name);

    /// <summary>The tensor, or null when the checkpoint lacks it.</summary>
    public Tensor? Find(string name) => _tensors.GetValueOrDefault(name);

    /// <summary>The name the tensor had in the checkpoint file.</summary>
    public string CheckpointName(string name) => _checkpointNames[name];

    /// <summary>
    /// Replaces a tensor's values in place (same shape), keeping every reference to it valid; an int8
    /// matrix is requantised with fresh row scales.
    /// </summary>
    public void Overwrite(string name, Tensor values)
    {
        using var noGrad = no_grad();
        if (_rowScales.TryGetValue(name, out Tensor? scales))
        {
            (Tensor codes, Tensor fresh) = Int8Rows.Quantize(values);
            using (codes)
            using (fresh)
            {
                this[name].copy_(codes);
                scales.copy_(fresh);
            }

            return;
        }

        this[name].copy_(values);
    }

    /// <inheritdoc />
    public void Dispose()
    {
        foreach (Tensor tensor in _tensors.Values)
        {
            tensor.Dispose();
        }

        foreach (Tensor scales in _rowScales.Values)
        {
            scales.Dispose();
        }

        _tensors.Clear();
        _rowScales.Clear();
    }
}
