namespace Geode.Model.Edits;

/// <summary>
/// Which edit each row of a batch runs with, so variants of one base model evaluate side by side
/// in one forward pass.
/// </summary>
public sealed class ActivationEdits
{
    private ActivationEdits(IReadOnlyList<Edit> distinct, int[]? rowToEdit)
    {
        Distinct = distinct;
        RowToEdit = rowToEdit;
    }

    /// <summary>The distinct edits in use.</summary>
    public IReadOnlyList<Edit> Distinct { get; }

    /// <summary>For each row, its index in <see cref="Distinct"/> (−1: unedited); null means every row uses edit 0.</summary>
    public IReadOnlyList<int>? RowToEdit { get; }

    /// <summary>The edits of the rows <paramref name="rows"/> only, in that order (a batch that dropped finished rows).</summary>
    public ActivationEdits ForRows(IReadOnlyList<int> rows)
    {
        ArgumentNullException.ThrowIfNull(rows);
        return RowToEdit is null ? this : new ActivationEdits(Distinct, [.. rows.Select(row => RowToEdit[row])]);
    }

    /// <summary>Every row runs with <paramref name="edit"/>.</summary>
    public static ActivationEdits ForAllRows(Edit edit) => new([edit], null);

    /// <summary>Row b runs with <paramref name="rowEdits"/>[b]; null leaves that row unedited.</summary>
    public static ActivationEdits PerRow(IReadOnlyList<Edit?> rowEdits)
    {
        var distinct = new List<Edit>();
        int[] map = new int[rowEdits.Count];
        for (int row = 0; row < rowEdits.Count; row++)
        {
            Edit? edit = rowEdits[row];
            if (edit is null)
            {
                map[row] = -1;
                continue;
            }

            int index = distinct.IndexOf(edit);
            if (index < 0)
            {
                index = distinct.Count;
                distinct.Add(edit);
            }

            map[row] = index;
        }

        return new ActivationEdits(distinct, map);
    }
}
