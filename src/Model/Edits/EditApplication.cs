using static TorchSharp.torch;

namespace Geode.Model.Edits;

/// <summary>Resolved edits for one batch: which rows run which edit.</summary>
internal sealed class EditApplication(IReadOnlyList<ResolvedEdit> edits, IReadOnlyList<int>? rowToEdit, Device device)
{
    private readonly Dictionary<int, Tensor> _rowIndex = [];

    /// <summary>Applies to y [B, T, H] the edit of each row (rows without one are left alone).</summary>
    public Tensor Apply(int layer, WriterKind writer, Tensor y)
    {
        if (rowToEdit is null)
        {
            return edits[0].ApplyToOutput(layer, writer, y);
        }

        Tensor result = y;
        for (int e = 0; e < edits.Count; e++)
        {
            if (edits[e].For(layer, writer).Count == 0)
            {
                continue;
            }

            Tensor rows = RowsOf(e);
            Tensor edited = edits[e].ApplyToOutput(layer, writer, y.index_select(0, rows));
            result = result.index_copy(0, rows, edited);
        }

        return result;
    }

    private Tensor RowsOf(int edit)
    {
        if (!_rowIndex.TryGetValue(edit, out Tensor? rows))
        {
            long[] indices = [.. Enumerable.Range(0, rowToEdit!.Count).Where(r => rowToEdit[r] == edit).Select(r => (long)r)];
            rows = tensor(indices, device: device);
            _rowIndex[edit] = rows;
        }

        return rows;
    }
}
