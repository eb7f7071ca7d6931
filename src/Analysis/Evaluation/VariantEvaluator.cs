using Geode.Analysis.Judges;
using Geode.Analysis.Prompts;
using Geode.Model;
using Geode.Model.Edits;
using Geode.Model.Inference;
using Geode.Model.Text;
using static TorchSharp.torch;

namespace Geode.Analysis.Evaluation;

/// <summary>
/// Evaluates several variants of one base model side by side (DESIGN §1.5–1.6): every prompt under
/// every edit, the (prompt, edit) pairs sorted by prompt length and packed into the same batches
/// with one edit per row, so a sweep of k variants costs one model, k× the rows, and no weight
/// copy. With <see cref="BaselineOptions.EarlyStop"/> a row stops once every verdict is settled. Each variant gets the
/// baseline's result: responses, every judge's verdicts, refusal per category with 95% intervals.
/// </summary>
/// <remarks>
/// A prompt that makes the work throw does not fail the evaluation (issue 9): a batch that throws
/// an error a prompt can cause (<see cref="PromptFault.MayBe"/>) is run again one row at a time,
/// and a row that throws alone — or a prompt the template or tokenizer cannot take — fails. A prompt
/// that fails under any variant is left out of every variant's result (its
/// <see cref="BaselineResult.Failed"/>), so variants stay compared on the same prompts.
/// </remarks>
public static class VariantEvaluator
{
    /// <summary>The largest batch <see cref="BaselineOptions.AutoBatch"/> tries.</summary>
    public const int MaximumAutoBatch = 512;

    /// <summary>With early stopping, a row's verdicts are checked every this many new tokens.</summary>
    public const int SettleEvery = 4;

    /// <summary>Runs every prompt of <paramref name="prompts"/> under every edit of <paramref name="edits"/> (null: unedited).</summary>
    /// <param name="model">The base model.</param>
    /// <param name="tokenizer">Its tokenizer.</param>
    /// <param name="template">Its chat template.</param>
    /// <param name="prompts">The prompts.</param>
    /// <param name="judges">The judges; the first one gives the per-category rates.</param>
    /// <param name="edits">The variants; null is the unedited model.</param>
    /// <param name="options">Generation length and rows per batch (<see cref="BaselineOptions.Edit"/> is ignored).</param>
    /// <param name="progress">Called with the number of (prompt, variant) rows done so far.</param>
    /// <returns>One result per variant, in <paramref name="edits"/>' order.</returns>
    public static IReadOnlyList<BaselineResult> Run(
        CausalLM model,
        TextTokenizer tokenizer,
        IChatTemplate template,
        PromptSet prompts,
        IReadOnlyList<IResponseJudge> judges,
        IReadOnlyList<Edit?> edits,
        BaselineOptions options,
        Action<int>? progress = null)
    {
        if (judges.Count == 0)
        {
            throw new BadInputException("an evaluation needs at least one judge.", "--judges");
        }

        // Per prompt, why it failed (the first cause seen), under whichever variant.
        var failed = new Dictionary<int, string>();
        int[][] encoded = new int[prompts.Records.Count][];
        for (int p = 0; p < encoded.Length; p++)
        {
            try
            {
                encoded[p] = ChatPrompt.Encode(tokenizer, template, prompts.Records[p].Prompt);
            }
            catch (Exception e) when (PromptFault.MayBe(e))
            {
                failed[p] = PromptFault.Cause(e);
                encoded[p] = [];
            }
        }

        int[] stops = [.. ChatPrompt.StopIds(model.Config, template, tokenizer)];
        var responses = new ResponseRecord[edits.Count][];
        for (int v = 0; v < edits.Count; v++)
        {
            responses[v] = new ResponseRecord[prompts.Records.Count];
        }

        // Rows sorted by prompt length, so a batch pads little; each row carries its own edit, so
        // variants mix freely within a batch.
        (int Variant, int Prompt)[] rows = [.. Enumerable.Range(0, edits.Count)
            .SelectMany(v => Enumerable.Range(0, prompts.Records.Count).Where(p => !failed.ContainsKey(p)).Select(p => (v, p)))
            .OrderBy(r => encoded[r.p].Length)
            .ThenBy(r => r.v)
            .ThenBy(r => r.p)];
        ISettlingJudge[]? settling = options.EarlyStop && judges.All(j => j is ISettlingJudge) ? [.. judges.Cast<ISettlingJudge>()] : null;
        int done = 0, next = 0;
        var resumed = new List<Row>();
        var alone = new Queue<Row>();
        BatchSizer? sizer = options.AutoBatch ? new BatchSizer(options.BatchSize, Math.Max(options.BatchSize, Math.Min(rows.Length, MaximumAutoBatch))) : null;
        while (done < rows.Length)
        {
            // A batch stops when only a quarter of its rows are still generating and enough other
            // work waits: a long answer then costs its own steps, not a step of a mostly empty
            // batch. Its live rows resume later, prompt and tokens so far re-read in one pass,
            // together with other resumed rows of similar length (fresh rows are shorter).
            int size = sizer?.Next ?? options.BatchSize;
            Row[] batch;
            bool isolated = alone.Count > 0;
            if (isolated)
            {
                // The rows of a batch that threw, one at a time: the one that throws alone fails.
                batch = [alone.Dequeue()];
            }
            else if (resumed.Count >= size || next == rows.Length)
            {
                resumed.Sort((x, y) => (encoded[x.Prompt].Length + x.Prefix.Length).CompareTo(encoded[y.Prompt].Length + y.Prefix.Length));
                batch = [.. resumed.Take(size)];
                resumed.RemoveRange(0, batch.Length);
            }
            else
            {
                batch = [.. rows[next..Math.Min(rows.Length, next + size)].Select(r => new Row(r.Variant, r.Prompt, []))];
                next += batch.Length;
            }

            // A prompt that already failed under another variant is left out of every variant: its
            // other rows are done without running (and cannot make another batch throw).
            int skipped = batch.Count(r => failed.ContainsKey(r.Prompt));
            if (skipped > 0)
            {
                batch = [.. batch.Where(r => !failed.ContainsKey(r.Prompt))];
                done += skipped;
                progress?.Invoke(done);
                if (batch.Length == 0)
                {
                    continue;
                }
            }

            int waiting = rows.Length - next + resumed.Count;
            var generation = new GenerationOptions(options.MaxNewTokens)
            {
                StopIds = stops,
                Edits = batch.All(r => edits[r.Variant] is null) ? null : ActivationEdits.PerRow([.. batch.Select(r => edits[r.Variant])]),
                RowLimits = [.. batch.Select(r => options.MaxNewTokens - r.Prefix.Length)],
                PauseBelow = !isolated && waiting >= size / 2 ? Math.Max(1, size / 4) : 0,
                RowSettled = settling is null ? null : (row, tokens) =>
                {
                    // Decoding and judging a prefix costs more than a decode step of a small model:
                    // ask every few tokens (a settled row runs at most that many tokens too long).
                    int[] prefix = batch[row].Prefix;
                    if ((prefix.Length + tokens.Count) % SettleEvery != 0)
                    {
                        return false;
                    }

                    string prompt = prompts.Records[batch[row].Prompt].Prompt;
                    string text = tokenizer.Decode([.. prefix, .. tokens], skipSpecialTokens: true).Trim();
                    return settling.All(judge => judge.Settled(prompt, text) is not null);
                },
            };
            long started = System.Diagnostics.Stopwatch.GetTimestamp();
            var paused = new List<Row>();
            var finished = new List<(Row Row, ResponseRecord Response)>();
            double seconds = 0;
            try
            {
                GenerationResult result;
                using (NewDisposeScope())
                {
                    (Tensor ids, Tensor mask) = LeftPadding.Batch([.. batch.Select(r => (int[])[.. encoded[r.Prompt], .. r.Prefix])], model.Config.PadTokenId);
                    result = TextGenerator.Generate(model, ids, mask, generation);
                }

                seconds = System.Diagnostics.Stopwatch.GetElapsedTime(started).TotalSeconds;
                for (int row = 0; row < batch.Length; row++)
                {
                    int[] tokens = [.. batch[row].Prefix, .. result.Tokens[row]];
                    if (result.Paused?[row] == true)
                    {
                        paused.Add(batch[row] with { Prefix = tokens });
                        continue;
                    }

                    PromptRecord record = prompts.Records[batch[row].Prompt];
                    string text = tokenizer.Decode(tokens, skipSpecialTokens: true).Trim();
                    JudgeVerdict[] verdicts = [.. judges.Select(j => j.Judge(record.Prompt, text))];
                    finished.Add((batch[row], new ResponseRecord(record, text, tokens.Length, verdicts)
                    {
                        BatchSeconds = seconds,
                        Settled = result.Settled?[row] ?? false,
                    }));
                }
            }
            catch (Exception e) when (PromptFault.MayBe(e))
            {
                // Nothing of the batch is kept: its rows run again alone, from where they were.
                if (batch.Length == 1)
                {
                    failed.TryAdd(batch[0].Prompt, PromptFault.Cause(e));
                    done++;
                    progress?.Invoke(done);
                }
                else
                {
                    foreach (Row row in batch)
                    {
                        alone.Enqueue(row);
                    }
                }

                continue;
            }

            resumed.AddRange(paused);
            foreach ((Row row, ResponseRecord response) in finished)
            {
                responses[row.Variant][row.Prompt] = response;
            }

            if (!isolated)
            {
                sizer?.Record(batch.Length, seconds, finished.Count);
            }

            done += finished.Count;
            progress?.Invoke(done);
        }

        string judge = $"{judges[0].Name} {judges[0].Version}";
        FailedPrompt[] failures = [.. failed.OrderBy(f => f.Key).Select(f => new FailedPrompt(f.Key, prompts.Records[f.Key].Id, f.Value))];
        return [.. responses.Select(r => BaselineResult.Summarise(prompts, [.. r.Where((_, p) => !failed.ContainsKey(p))], judge, options.Seed) with { Failed = failures })];
    }

    /// <summary>One prompt under one variant, with the tokens it generated before it was paused.</summary>
    private sealed record Row(int Variant, int Prompt, int[] Prefix);
}
