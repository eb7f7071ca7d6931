using static TorchSharp.torch;

namespace Geode.Model.Edits;

/// <summary>Resolved edits for one batch composition: which rows run which edit.</summary>
/// <remarks>
/// It holds its edits leased from the model's cache (<see cref="EditLease"/>) until disposed.
/// It outlives single passes (generation reuses it every step while the batch keeps its rows), so
/// every tensor it makes is detached from dispose scopes and freed by <see cref="Dispose"/>.
/// When a batch mixes many edits at one writer — a packed sweep puts dozens of variants side by
/// side — the edits are applied together: each row's basis, α and norm-preserving scale stacked
/// into [B, H, k], [B, 1, 1] and [B, 1, H] (rows without an edit get a zero basis), so a writer
/// costs two batched matmuls instead of a gather, two matmuls and a scatter per edit.
/// </remarks>
internal sealed class EditApplication : IDisposable
{
    // With this many distinct edits at a writer or fewer, per-edit gathers are cheaper than stacks.
    private const int StackFrom = 3;

    private readonly EditLease _lease;
    private readonly IReadOnlyList<ResolvedEdit> _edits;
    private readonly IReadOnlyList<int>? _rowToEdit;
    private readonly Device _device;
    private readonly Tensor?[]? _rows;
    private readonly Dictionary<(int Layer, WriterKind Writer), StackedOperation[]> _stacked = [];

    public EditApplication(EditLease lease, IReadOnlyList<int>? rowToEdit, Device device)
    {
        _lease = lease;
        IReadOnlyList<ResolvedEdit> edits = _edits = lease.Edits;
        _rowToEdit = rowToEdit;
        _device = device;
        if (rowToEdit is not null)
        {
            _rows = new Tensor?[edits.Count];
            for (int e = 0; e < edits.Count; e++)
            {
                long[] indices = [.. Enumerable.Range(0, rowToEdit.Count).Where(r => rowToEdit[r] == e).Select(r => (long)r)];
                _rows[e] = indices.Length == 0 ? null : tensor(indices, device: device).DetachFromDisposeScope();
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

        int touching = 0;
        for (int e = 0; e < _edits.Count; e++)
        {
            touching += _rows[e] is not null && _edits[e].For(layer, writer).Count > 0 ? 1 : 0;
        }

        if (touching >= StackFrom)
        {
            return ApplyStacked(layer, writer, y);
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

    public void Dispose()
    {
        foreach (Tensor? rows in _rows ?? [])
        {
            rows?.Dispose();
        }

        foreach (StackedOperation operation in _stacked.Values.SelectMany(s => s))
        {
            operation.Dispose();
        }

        _stacked.Clear();
        _lease.Dispose();
    }

    /// <summary>The cache generation its edits were leased in.</summary>
    public int Generation => _lease.Generation;

    private Tensor ApplyStacked(int layer, WriterKind writer, Tensor y)
    {
        if (!_stacked.TryGetValue((layer, writer), out StackedOperation[]? operations))
        {
            operations = Stack(layer, writer);
            _stacked[(layer, writer)] = operations;
        }

        using var scope = NewDisposeScope();
        Tensor edited = y.to(ScalarType.Float32);
        foreach (StackedOperation operation in operations)
        {
            // y − α_b (y U_b) U_bᵀ per row b, then the row's norm-preserving scale; a basis shared
            // by every row is [H, k] and the products are plain matmuls.
            Tensor basis = operation.Basis;
            Tensor coefficients = basis.dim() == 2 ? edited.matmul(basis) : edited.bmm(basis);     // [B,T,k]
            Tensor back = basis.dim() == 2 ? coefficients.matmul(basis.t()) : coefficients.bmm(basis.transpose(1, 2));
            edited = edited - (operation.Alpha * back);
            if (operation.Scale is not null)
            {
                edited = edited * operation.Scale;
            }
        }

        return edited.to(y.dtype).MoveToOuterDisposeScope();
    }

    /// <summary>The i-th operation of every row's edit at this writer, stacked (edits apply their operations in order).</summary>
    private StackedOperation[] Stack(int layer, WriterKind writer)
    {
        using var scope = NewDisposeScope();
        IReadOnlyList<WriterOperation>[] perRow = [.. _rowToEdit!.Select(e => e < 0 ? (IReadOnlyList<WriterOperation>)[] : _edits[e].For(layer, writer))];
        int depth = perRow.Max(ops => ops.Count);
        var stacked = new StackedOperation[depth];
        for (int i = 0; i < depth; i++)
        {
            WriterOperation?[] ops = [.. perRow.Select(list => i < list.Count ? list[i] : null)];
            WriterOperation first = ops.First(op => op is not null)!;
            long hidden = first.Basis.shape[0];
            long rank = ops.Max(op => op?.Basis.shape[1] ?? 0);

            // A sweep of one direction gives every row the same basis at different α: one [H, k]
            // basis then serves the whole batch as a plain matmul, much cheaper than B small bmms.
            bool shared = ops.OfType<WriterOperation>().Distinct().All(op => op.Basis.shape.SequenceEqual(first.Basis.shape) && (ReferenceEquals(op.Basis, first.Basis) || op.Basis.eq(first.Basis).all().item<bool>()));
            Tensor basis = shared
                ? first.Basis.to(ScalarType.Float32).clone()
                : stack([.. ops.Select(op => op is null
                    ? zeros([hidden, rank], dtype: ScalarType.Float32, device: _device)
                    : nn.functional.pad(op.Basis, [0, rank - op.Basis.shape[1]]))]);
            Tensor alpha = tensor(ops.Select(op => (float)(op?.Alpha ?? 0)).ToArray(), device: _device).view(-1, 1, 1);
            Tensor? scale = ops.Any(op => op?.RowScale is not null)
                ? stack([.. ops.Select(op => op?.RowScale ?? ones(hidden, dtype: ScalarType.Float32, device: _device))]).unsqueeze(1)
                : null;
            stacked[i] = new StackedOperation(basis.DetachFromDisposeScope(), alpha.DetachFromDisposeScope(), scale?.DetachFromDisposeScope());
        }

        return stacked;
    }

    /// <summary>One operation per row: bases [B, H, k] (zero where a row has none) or one basis [H, k] all rows share, α [B, 1, 1] (zero where a row has none), scales [B, 1, H] or null.</summary>
    private sealed record StackedOperation(Tensor Basis, Tensor Alpha, Tensor? Scale) : IDisposable
    {
        public void Dispose()
        {
            Basis.Dispose();
            Alpha.Dispose();
            Scale?.Dispose();
        }
    }
}
