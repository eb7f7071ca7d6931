using static TorchSharp.torch;

namespace Geode.Model.Edits;

/// <summary>Resolved edits for one batch: which rows run which edit.</summary>
/// <remarks>
/// Create it in the forward pass's outermost dispose scope: the row indices are made here, once,
/// because a tensor first made inside one layer's scope would be gone by the next layer.
/// </remarks>
internal sealed class EditApplication
{
    private readonly IReadOnlyList<ResolvedEdit> _edits;
    private readonly Tensor?[]? _rows;

    public EditApplication(IReadOnlyList<ResolvedEdit> edits, IReadOnlyList<int>? rowToEdit, Device device)
    {
        _edits = edits;
        if (rowToEdit is not null)
        {
            _rows = new Tensor?[edits.Count];
            for (int e = 0; e < edits.Count; e++)
            {
                long[] indices = [.. Enumerable.Range(0, rowToEdit.Count).Where(r => rowToEdit[r] == e).Select(r => (long)r)];
                _rows[e] = indices.Length == 0 ? null : tensor(indices, device: device);
            }
        }
    }

    /// <summary>Applies to y [B, T, H] the edit of each row (rows without one are left alone).</summary>
    public Tensor Apply(int layer, WriterKind writer, Tensor y)
    {
        if (_rows is null)
        {
            return _edits[0].ApplyToOutput(layer, writer, y);
        }

        Tensor result = y;
        for (int e = 0; e < _edits.Count; e++)
        {
            if (_rows[e] is not Tensor rows || _edits[e].For(layer, writer).Count == 0)
            {
                continue;
            }

            Tensor edited = _edits[e].ApplyToOutput(layer, writer, y.index_select(0, rows));
            result = result.index_copy(0, rows, edited);
        }

        return result;
    }
}
