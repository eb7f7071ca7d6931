namespace Geode.Model.Inference;

/// <summary>
/// Which rows of a prefill can be computed once: rows with the same tokens whose edits have not
/// started yet hold the same states. A sweep packs many variants of one prompt into a batch, and
/// a variant edited from layer 3 on shares layers 0–2 with the unedited prompt, so each layer runs
/// on "units" — one per prompt while its rows agree, one per row from the row's first edited
/// layer on — instead of on every row.
/// </summary>
/// <remarks>
/// The plan is pure bookkeeping over row indices; <see cref="CausalLM"/> gathers states, masks,
/// rotary tables and per-layer inputs by it, and expands keys and values back to rows for the cache.
/// </remarks>
internal sealed class PrefillSharing
{
    private PrefillSharing(long[] initialRows, long[][] rowOfUnit, long[][] sourceUnit, long[][] unitOfRow)
    {
        InitialRows = initialRows;
        _rowOfUnit = rowOfUnit;
        _sourceUnit = sourceUnit;
        _unitOfRow = unitOfRow;
    }

    private readonly long[][] _rowOfUnit;
    private readonly long[][] _sourceUnit;
    private readonly long[][] _unitOfRow;

    /// <summary>The first row of each group of identical rows: the units before the first layer.</summary>
    public long[] InitialRows { get; }

    /// <summary>The row each unit of <paramref name="layer"/> stands for (its masks, positions, per-layer inputs, edit).</summary>
    public long[] RowOfUnit(int layer) => _rowOfUnit[layer];

    /// <summary>For each unit of <paramref name="layer"/>, the unit of the layer before (or of <see cref="InitialRows"/>) holding its input.</summary>
    public long[] SourceUnit(int layer) => _sourceUnit[layer];

    /// <summary>For each row, its unit at <paramref name="layer"/>.</summary>
    public long[] UnitOfRow(int layer) => _unitOfRow[layer];

    /// <summary>True when <paramref name="layer"/> runs on the same units as the layer before it.</summary>
    public bool SameAsBefore(int layer) =>
        layer > 0 && _rowOfUnit[layer].AsSpan().SequenceEqual(_rowOfUnit[layer - 1]);

    /// <summary>
    /// Plans a prefill of <paramref name="tokens"/> (row-major [rows, steps], mask folded in by the
    /// caller) where row r's edit first acts at layer <paramref name="firstEdited"/>[r]
    /// (<see cref="int.MaxValue"/>: never). Null when sharing would save less than a fifth of the
    /// layer work.
    /// </summary>
    public static PrefillSharing? Plan(long[] tokens, int rows, int steps, IReadOnlyList<int> firstEdited, int layers)
    {
        ArgumentNullException.ThrowIfNull(tokens);
        ArgumentNullException.ThrowIfNull(firstEdited);
        if (rows < 2 || layers < 1 || tokens.Length != (long)rows * steps || firstEdited.Count != rows)
        {
            return null;
        }

        var groupOf = new int[rows];
        var firstRow = new List<long>();
        var groups = new Dictionary<string, int>(StringComparer.Ordinal);
        for (int r = 0; r < rows; r++)
        {
            string key = string.Join(',', tokens.AsSpan(r * steps, steps).ToArray());
            if (!groups.TryGetValue(key, out int g))
            {
                g = groups.Count;
                groups[key] = g;
                firstRow.Add(r);
            }

            groupOf[r] = g;
        }

        var rowOfUnit = new long[layers][];
        var sourceUnit = new long[layers][];
        var unitOfRow = new long[layers][];
        long[] previous = [.. groupOf.Select(g => (long)g)];
        long work = 0;
        for (int layer = 0; layer < layers; layer++)
        {
            var units = new List<long>();
            var current = new long[rows];

            // Rows whose edit has begun run alone; the rest share one unit per group.
            for (int r = 0; r < rows; r++)
            {
                if (firstEdited[r] <= layer)
                {
                    current[r] = units.Count;
                    units.Add(r);
                }
            }

            var shared = new Dictionary<int, int>();
            for (int r = 0; r < rows; r++)
            {
                if (firstEdited[r] > layer)
                {
                    if (!shared.TryGetValue(groupOf[r], out int unit))
                    {
                        unit = units.Count;
                        shared[groupOf[r]] = unit;
                        units.Add(r);
                    }

                    current[r] = unit;
                }
            }

            rowOfUnit[layer] = [.. units];
            sourceUnit[layer] = [.. units.Select(r => previous[r])];
            unitOfRow[layer] = current;
            previous = current;
            work += units.Count;
        }

        return work * 5 <= (long)rows * layers * 4 ? new PrefillSharing([.. firstRow], rowOfUnit, sourceUnit, unitOfRow) : null;
    }
}
