using Geode.Model.Edits;
using static TorchSharp.torch;

namespace Geode.Model.Inference;

/// <summary>
/// Batched, left-padded generation: greedy or seeded sampling, with or without a KV cache (the two
/// give the same tokens), each row finishing on its own stop token or when its caller says its
/// outcome is settled, or at its own token limit; finished rows leave the batch, and a batch whose
/// live rows fall below a threshold can stop and hand them back paused.
/// </summary>
public static class TextGenerator
{
    /// <summary>Continues each row of <paramref name="inputIds"/> [B, T] (left-padded; <paramref name="attentionMask"/> marks real tokens).</summary>
    public static GenerationResult Generate(CausalLM model, Tensor inputIds, Tensor attentionMask, GenerationOptions options)
    {
        if (options.MaxNewTokens < 0)
        {
            throw new BadInputException($"max new tokens is {options.MaxNewTokens}; it must be 0 or more.", "--max-new-tokens");
        }

        int rows = (int)inputIds.shape[0];
        if (options.RowLimits is { } limits && (limits.Count != rows || limits.Any(l => l < 0 || l > options.MaxNewTokens)))
        {
            throw new ArgumentException($"RowLimits needs one limit per row ({rows}), each from 0 to MaxNewTokens ({options.MaxNewTokens}).", nameof(options));
        }

        try
        {
            return Run(model, inputIds, attentionMask, options);
        }
        finally
        {
            // The batch's edit layout is this thread's to free; the resolved edits stay cached.
            model.ReleaseThreadEdits();
        }
    }

    private static GenerationResult Run(CausalLM model, Tensor inputIds, Tensor attentionMask, GenerationOptions options)
    {
        using var noGrad = no_grad();
        using var scope = NewDisposeScope();
        int batch = (int)inputIds.shape[0];
        HashSet<long> stops = [.. (options.StopIds ?? model.Config.EosTokenIds).Select(id => (long)id)];
        var tokens = Enumerable.Range(0, batch).Select(_ => new List<int>()).ToArray();
        bool[] stopped = new bool[batch];
        bool[] settled = new bool[batch];
        bool[] paused = new bool[batch];
        int[] limit = options.RowLimits is { } perRow ? [.. perRow] : [.. Enumerable.Repeat(options.MaxNewTokens, batch)];
        Generator? generator = options.Sampling is null ? null : new Generator((ulong)options.Sampling.Seed, device: CPU);

        // The rows still generating, by their index in the input. A row that ends (stop token or
        // settled) leaves the batch, so the passes after it cost only the rows left.
        int[] live = [.. Enumerable.Range(0, batch).Where(r => limit[r] > 0)];
        ActivationEdits? edits = options.Edits;
        Tensor ids = inputIds.to(ScalarType.Int64, model.Device);
        Tensor mask = attentionMask.to(ScalarType.Int64, model.Device);
        if (live.Length < batch && live.Length > 0)
        {
            // Rows with nothing left to generate never enter the batch.
            Tensor first = tensor(live.Select(r => (long)r).ToArray(), device: model.Device);
            ids = ids.index_select(0, first);
            mask = mask.index_select(0, first);
            edits = edits?.ForRows(live);
        }

        int steps = live.Length == 0 ? 0 : live.Max(r => limit[r]);
        using KvCache? cache = options.UseCache ? new KvCache((int)ids.shape[1] + steps) : null;
        Tensor feed = ids, feedMask = mask;
        for (int step = 0; step < steps; step++)
        {
            using var stepScope = NewDisposeScope();
            using ForwardResult result = model.Forward(new ForwardRequest(feed, feedMask)
            {
                Logits = LogitsScope.Last,
                Cache = cache,
                Edits = edits,
            });
            Tensor next = Choose(result.Logits!.select(1, 0), options.Sampling, generator);    // [live]
            long[] chosen = next.cpu().data<long>().ToArray();
            var keep = new List<int>(live.Length);
            for (int i = 0; i < live.Length; i++)
            {
                int row = live[i];
                tokens[row].Add((int)chosen[i]);
                stopped[row] = stops.Contains(chosen[i]);
                settled[row] = !stopped[row] && options.RowSettled is { } isSettled && isSettled(row, tokens[row]);
                if (!stopped[row] && !settled[row] && tokens[row].Count < limit[row])
                {
                    keep.Add(i);
                }
            }

            if (keep.Count == 0)
            {
                break;
            }

            if (keep.Count < options.PauseBelow)
            {
                foreach (int i in keep)
                {
                    paused[live[i]] = true;
                }

                break;
            }

            Tensor column = tensor(chosen, device: model.Device).unsqueeze(1);
            if (keep.Count < live.Length)
            {
                Tensor kept = tensor(keep.Select(i => (long)i).ToArray(), device: model.Device);
                column = column.index_select(0, kept);
                cache?.KeepRows(kept);
                if (cache is null)
                {
                    ids = ids.index_select(0, kept).MoveToOuterDisposeScope();
                    mask = mask.index_select(0, kept).MoveToOuterDisposeScope();
                }

                edits = edits?.ForRows(keep);
                live = [.. keep.Select(i => live[i])];
            }

            Tensor ones = ones_like(column);
            if (cache is null)
            {
                ids = cat([ids, column], 1).MoveToOuterDisposeScope();
                mask = cat([mask, ones], 1).MoveToOuterDisposeScope();
                feed = ids;
                feedMask = mask;
            }
            else
            {
                feed = column.MoveToOuterDisposeScope();
                feedMask = ones.MoveToOuterDisposeScope();
            }
        }

        return new GenerationResult([.. tokens.Select(t => t.ToArray())], stopped)
        {
            Settled = options.RowSettled is null ? null : settled,
            Paused = options.PauseBelow > 0 ? paused : null,
        };
    }

    /// <summary>Picks one token per row from logits [B, V].</summary>
    private static Tensor Choose(Tensor logits, SamplingOptions? sampling, Generator? generator)
    {
        if (sampling is null)
        {
            return logits.argmax(-1);
        }

        if (sampling.Temperature <= 0)
        {
            throw new BadInputException($"temperature is {sampling.Temperature}; it must be positive (omit sampling for greedy decoding).", "--temperature");
        }

        Tensor scaled = logits.to(ScalarType.Float32).cpu() / sampling.Temperature;
        if (sampling.TopK > 0 && sampling.TopK < scaled.shape[^1])
        {
            Tensor kth = scaled.topk(sampling.TopK, -1).values.narrow(-1, sampling.TopK - 1, 1);
            scaled = scaled.masked_fill(scaled < kth, double.NegativeInfinity);
        }

        if (sampling.TopP < 1.0)
        {
            (Tensor sorted, Tensor order) = scaled.sort(-1, descending: true);
            Tensor cumulative = sorted.softmax(-1).cumsum(-1);

            // Drop a token when the mass before it already reaches p; the top token always stays.
            Tensor drop = (cumulative - sorted.softmax(-1)) >= sampling.TopP;
            Tensor dropInVocabOrder = zeros_like(drop).scatter(-1, order, drop);
            scaled = scaled.masked_fill(dropInVocabOrder, double.NegativeInfinity);
        }

        return multinomial(scaled.softmax(-1), 1, generator: generator).squeeze(-1).to(logits.device);
    }
}
