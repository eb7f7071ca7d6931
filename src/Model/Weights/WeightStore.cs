using static TorchSharp.torch;

namespace Geode.Model.Weights;

/// <summary>
/// A model's tensors by canonical name — the checkpoint name without its <c>model.</c> or
/// <c>model.language_model.</c> prefix (e.g. <c>layers.3.mlp.down_proj.weight</c>; the untied head is
/// <c>lm_head.weight</c>) — each remembering the name it had in the checkpoint, so an export writes
/// the same names back.
/// </summary>
public sealed class WeightStore : IDisposable
{
    private readonly Dictionary<string, Tensor> _tensors = new(StringComparer.Ordinal);
    private readonly Dictionary<string, string> _checkpointNames = new(StringComparer.Ordinal);

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

    /// <summary>Replaces a tensor's values in place (same shape), keeping every reference to it valid.</summary>
    public void Overwrite(string name, Tensor values)
    {
        using var noGrad = no_grad();
        this[name].copy_(values);
    }

    /// <inheritdoc />
    public void Dispose()
    {
        foreach (Tensor tensor in _tensors.Values)
        {
            tensor.Dispose();
        }

        _tensors.Clear();
    }
}
