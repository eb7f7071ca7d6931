using Geode.Model.Config;
using Geode.Model.Edits;
using Geode.Model.Inference;
using static TorchSharp.torch;

namespace Geode.Model.Layers;

/// <summary>
/// Grouped-query self-attention with the options Geode's families need: QK-norm and V-norm
/// (Gemma), biases (Qwen2), a softcap, sliding windows, and Gemma 4's cross-layer KV sharing.
/// Letters: B batch, T new tokens, S keys (cache + new), nH query heads, nKV key/value heads,
/// r = nH/nKV, d head size.
/// </summary>
internal sealed class Attention(
    LayerSpec spec,
    ModelConfig config,
    Linear query,
    Linear? key,
    Linear? value,
    Linear output,
    RmsNorm? queryNorm,
    RmsNorm? keyNorm,
    RmsNorm? valueNorm,
    bool storesSharedKv)
{
    /// <summary>The output projection (a residual writer).</summary>
    public Linear Output { get; } = output;

    /// <summary>xn [B,T,H] → the edited o_proj output [B,T,H].</summary>
    public Tensor Forward(Tensor xn, ForwardContext context)
    {
        using var scope = NewDisposeScope();
        long batch = xn.shape[0], steps = xn.shape[1];
        int heads = config.NumHeads, kvHeads = config.NumKvHeads, d = spec.HeadDim;
        (Tensor cos, Tensor sin) = context.Rope(spec.Rope);

        Tensor q = query.Forward(xn).view(batch, steps, heads, d);                 // [B,T,nH,d]
        if (queryNorm is not null)
        {
            q = queryNorm.Forward(q);
        }

        q = RotaryEmbedding.Apply(q, cos, sin).transpose(1, 2);                    // [B,nH,T,d]

        Tensor keys, values;
        if (spec.KvSourceLayer is int source)
        {
            (keys, values) = context.SharedKv[source];
            keys = context.ToUnits(keys);
            values = context.ToUnits(values);
        }
        else
        {
            Tensor k = key!.Forward(xn).view(batch, steps, kvHeads, d);
            Tensor v = value!.Forward(xn).view(batch, steps, kvHeads, d);
            if (keyNorm is not null)
            {
                k = keyNorm.Forward(k);
            }

            if (valueNorm is not null)
            {
                v = valueNorm.Forward(v);
            }

            keys = RotaryEmbedding.Apply(k, cos, sin).transpose(1, 2);               // [B,nKV,T,d]
            values = v.transpose(1, 2);
            if (context.Cache is not null)
            {
                (Tensor cachedKeys, Tensor cachedValues) = context.Cache.Append(spec.Index, context.ToRows(keys), context.ToRows(values)); // [B,nKV,S,d]

                // On shared-prefill units the cache was empty: this pass's keys are all there is.
                if (!context.OnUnits)
                {
                    (keys, values) = (cachedKeys, cachedValues);
                }
            }

            if (storesSharedKv)
            {
                // Kept per row: the layers reading them may run on other units.
                context.SharedKv[spec.Index] = (context.Keep(context.ToRows(keys)), context.Keep(context.ToRows(values)));
            }
        }

        // Group query heads by the key/value head they read (head h uses kv head h / r), so
        // keys and values are never copied r times.
        long groups = heads / kvHeads;
        long keyCount = keys.shape[2];
        Tensor mask = context.Masks[spec.Kind];
        if (spec.Kind == AttentionKind.Sliding && config.SlidingWindow is int window && keyCount - steps - window + 1 > 0)
        {
            // Queries at positions past … past+T−1 (past = S − T) see only keys after past − window:
            // the older ones are masked out, so decoding skips them instead of scoring them.
            long start = keyCount - steps - window + 1;
            keyCount -= start;
            keys = keys.narrow(2, start, keyCount);
            values = values.narrow(2, start, keyCount);
            mask = mask.narrow(-1, start, keyCount);
        }

        Tensor grouped = q.reshape(batch, kvHeads, groups * steps, d);              // [B,nKV,r·T,d]
        Tensor scores = grouped.matmul(keys.transpose(-1, -2));                     // [B,nKV,r·T,S]
        if (config.AttentionScale != 1.0)
        {
            scores = scores * config.AttentionScale;
        }

        if (config.AttentionSoftcap is double cap)
        {
            scores = (scores / cap).tanh() * cap;
        }

        scores = scores.view(batch, kvHeads, groups, steps, keyCount) + mask;
        // Softmax in float32 at least (float64 stays float64: its mask value would overflow float32 to −inf).
        ScalarType softmaxType = q.dtype == ScalarType.Float64 ? ScalarType.Float64 : ScalarType.Float32;
        Tensor weights = scores.softmax(-1, softmaxType).to(q.dtype).view(batch, kvHeads, groups * steps, keyCount);
        Tensor mixed = weights.matmul(values)                                       // [B,nKV,r·T,d]
            .view(batch, heads, steps, d)
            .transpose(1, 2)
            .reshape(batch, steps, heads * d);                                      // [B,T,nH·d]
        Tensor written = context.Edit(spec.Index, WriterKind.AttentionOutput, Output.Forward(mixed));
        return written.MoveToOuterDisposeScope();
    }
}
