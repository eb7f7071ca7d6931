using static TorchSharp.torch;

namespace Geode.Model.Inference;

/// <summary>Token rows of different lengths as one left-padded batch, the layout every forward pass expects.</summary>
public static class LeftPadding
{
    /// <summary>ids [B, T] (padding first, then each row's tokens) and the attention mask [B, T].</summary>
    public static (Tensor Ids, Tensor Mask) Batch(IReadOnlyList<int[]> rows, int padId)
    {
        if (rows.Count == 0)
        {
            throw new ArgumentException("A batch needs at least one row.", nameof(rows));
        }

        int length = rows.Max(r => r.Length);
        long[] ids = new long[rows.Count * length];
        long[] mask = new long[ids.Length];
        for (int row = 0; row < rows.Count; row++)
        {
            int pad = length - rows[row].Length;
            for (int i = 0; i < length; i++)
            {
                int at = (row * length) + i;
                ids[at] = i < pad ? padId : rows[row][i - pad];
                mask[at] = i < pad ? 0 : 1;
            }
        }

        return (tensor(ids).reshape(rows.Count, length), tensor(mask).reshape(rows.Count, length));
    }
}
