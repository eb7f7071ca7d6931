using static TorchSharp.torch;

namespace Geode.Model.Weights;

/// <summary>
/// Weight-only int8 with one absmax scale per row: a matrix W [R, C] is held as codes
/// q = round(W / s) ∈ [−127, 127] (int8) and scales s = max_j |W_ij| / 127 (float32, [R]), so
/// W ≈ diag(s) q. For a linear layer the rows are its output channels and the scale is applied to
/// the output, <c>y = (x qᵀ) ⊙ s</c>; for an embedding table the rows are tokens and a lookup gathers
/// int8 rows and scales them; a tied head is a linear over the same codes and scales.
/// </summary>
/// <remarks>
/// TorchSharp 0.107 binds no int8 matrix product (no <c>_weight_int8pack_mm</c>, no <c>_int_mm</c>, no
/// quantised linear), so a layer's codes are converted to the compute dtype for its product and
/// dropped right after: memory holds int8 weights plus one layer's worth of dequantised codes.
/// Integers up to 256 are exact in bfloat16, so the conversion itself loses nothing.
/// </remarks>
internal static class Int8Rows
{
    /// <summary>The largest code; symmetric, so −128 is never used and negation is exact.</summary>
    public const int MaxCode = 127;

    /// <summary>
    /// The most codes a linear converts at once: larger matrices (a 262,144-row head) are multiplied
    /// in row blocks, so the transient dequantised copy stays small next to the int8 weights.
    /// </summary>
    internal const long BlockElements = 1L << 24;

    /// <summary>Whether int8 loading with <paramref name="scope"/> quantises the tensor <paramref name="canonical"/> of <paramref name="shape"/>.</summary>
    public static bool Quantizes(string canonical, IReadOnlyList<long> shape, Int8Scope scope)
    {
        // Norm gains, biases and layer scalars are vectors: they stay in the compute dtype.
        if (shape.Count != 2)
        {
            return false;
        }

        return canonical switch
        {
            "embed_tokens.weight" => scope == Int8Scope.AllMatrices,
            "embed_tokens_per_layer.weight" => scope != Int8Scope.Linears,
            _ => true,
        };
    }

    /// <summary>Quantises <paramref name="weight"/> [R, C] row by row: (int8 codes [R, C], float32 scales [R]), on its device.</summary>
    public static (Tensor Codes, Tensor Scales) Quantize(Tensor weight)
    {
        using var scope = NewDisposeScope();
        Tensor w = weight.to(ScalarType.Float32);
        Tensor scales = w.abs().amax([1]).div_(MaxCode);

        // An all-zero row keeps scale 0 (it dequantises to zeros); divide it by 1 instead.
        Tensor divisor = scales.masked_fill(scales.eq(0), 1).unsqueeze(1);
        Tensor codes = (w / divisor).round_().clamp_(-MaxCode, MaxCode).to(ScalarType.Int8);
        return (codes.MoveToOuterDisposeScope(), scales.MoveToOuterDisposeScope());
    }

    /// <summary>
    /// Quantises a [<paramref name="rows"/>, <paramref name="columns"/>] matrix read a block of rows at a
    /// time (<paramref name="readRows"/>(start, count) gives float rows on any device), into codes and
    /// scales on <paramref name="device"/>: a 262,144 × 8,960 table never exists in float at once.
    /// Rows are independent, so blocking changes no value.
    /// </summary>
    public static (Tensor Codes, Tensor Scales) QuantizeInBlocks(long rows, long columns, Device device, Func<long, long, Tensor> readRows)
    {
        using var scope = NewDisposeScope();
        Tensor codes = empty([rows, columns], dtype: ScalarType.Int8, device: device);
        Tensor scales = empty([rows], dtype: ScalarType.Float32, device: device);
        long block = Math.Max(1, BlockElements / Math.Max(1, columns));
        for (long start = 0; start < rows; start += block)
        {
            using var blockScope = NewDisposeScope();
            long count = Math.Min(block, rows - start);
            (Tensor blockCodes, Tensor blockScales) = Quantize(readRows(start, count).to(device));
            codes.narrow(0, start, count).copy_(blockCodes);
            scales.narrow(0, start, count).copy_(blockScales);
        }

        return (codes.MoveToOuterDisposeScope(), scales.MoveToOuterDisposeScope());
    }

    /// <summary>diag(s) q in <paramref name="dtype"/>: the matrix the forward pass multiplies by.</summary>
    public static Tensor Dequantize(Tensor codes, Tensor scales, ScalarType dtype)
    {
        using var scope = NewDisposeScope();
        return (codes.to(ScalarType.Float32) * scales.unsqueeze(1)).to(dtype).MoveToOuterDisposeScope();
    }

    /// <summary><c>x (diag(s) q)ᵀ + b</c> in x's dtype: the product with the codes, then each output column scaled.</summary>
    public static Tensor Linear(Tensor x, Tensor codes, Tensor scales, Tensor? bias)
    {
        using var scope = NewDisposeScope();
        long rows = codes.shape[0];
        long block = Math.Max(1, BlockElements / Math.Max(1, codes.shape[1]));
        Tensor y;
        if (block >= rows)
        {
            y = Block(0, rows);
        }
        else
        {
            var parts = new List<Tensor>();
            for (long start = 0; start < rows; start += block)
            {
                parts.Add(Block(start, Math.Min(block, rows - start)));
            }

            y = cat(parts, -1);
        }

        if (bias is not null)
        {
            y = y + bias;
        }

        return y.MoveToOuterDisposeScope();

        Tensor Block(long start, long count)
        {
            // Its own scope, so each block's dequantised codes are freed before the next is made.
            using var blockScope = NewDisposeScope();
            Tensor product = nn.functional.linear(x, codes.narrow(0, start, count).to(x.dtype));

            // In place with float32 scales: torch multiplies in float32 and rounds once to x's dtype.
            return product.mul_(scales.narrow(0, start, count)).MoveToOuterDisposeScope();
        }
    }

    /// <summary>Rows <paramref name="ids"/> of diag(s) q in <paramref name="dtype"/>: an embedding lookup, [N, C].</summary>
    public static Tensor Gather(Tensor codes, Tensor scales, Tensor ids, ScalarType dtype)
    {
        using var scope = NewDisposeScope();
        Tensor rows = codes.index_select(0, ids).to(dtype);
        return rows.mul_(scales.index_select(0, ids).unsqueeze(1)).MoveToOuterDisposeScope();
    }
}
