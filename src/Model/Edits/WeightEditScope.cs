using static TorchSharp.torch;

namespace Geode.Model.Edits;

/// <summary>
/// An edit applied to a model's weights for as long as the scope lives: the writers it touches are
/// copied first (their int8 codes and row scales on an int8 model) and put back on
/// <see cref="Dispose"/>, bit for bit, so a pooled model that served an in-place edit serves the
/// next trial unedited. Made by <see cref="CausalLM.ApplyToWeightsUntilDisposed"/>.
/// </summary>
public sealed class WeightEditScope : IDisposable
{
    private readonly List<(Tensor Stored, Tensor Copy)> _saved = [];
    private readonly Action _restored;
    private bool _disposed;

    internal WeightEditScope(IEnumerable<Tensor> stored, Action restored)
    {
        _restored = restored;
        foreach (Tensor tensor in stored)
        {
            _saved.Add((tensor, tensor.clone().DetachFromDisposeScope()));
        }
    }

    /// <summary>Puts the saved weights back.</summary>
    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        using (no_grad())
        {
            foreach ((Tensor stored, Tensor copy) in _saved)
            {
                stored.copy_(copy);
                copy.Dispose();
            }
        }

        _restored();
    }
}
