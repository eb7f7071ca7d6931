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
/// On a CPU, batches run side by side, one per CPU thread (<see cref="BaselineOptions.ParallelBatches"/>):
/// a small model's batch leaves cores idle, two batches do not. A row is computed apart from the
/// rows beside it, so the responses are those of one batch at a time (a test compares them all).
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

    /// <summary>How many batches of <paramref name="rows"/> (prompt, variant) rows run side by side with <paramref name="options"/>.</summary>
    public static int Workers(CausalLM model, BaselineOptions options, int rows)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(options);
        int batches = Math.Max(1, (rows + options.BatchSize - 1) / options.BatchSize);
        return Math.Clamp(options.ParallelBatches ?? ParallelTorchWork.DefaultWorkers(model.Device), 1, batches);
    }

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
        BatchSizer? sizer = options.AutoBatch ? new BatchSizer(options.BatchSize, Math.Max(options.BatchSize, Math.Min(rows.Length, MaximumAutoBatch))) : null;
        var schedule = new PackedRowSchedule(rows, [.. encoded.Select(e => e.Length)], options.BatchSize, sizer, failed, progress);

        // The tokenizer is shared by the workers; its native engine is not promised to be thread-safe.
        var text = new Lock();
        ParallelTorchWork.Run(Workers(model, options, rows.Length), RunBatches, schedule.Stop);

        void RunBatches()
        {
            while (schedule.Take() is { } taken)
            {
                PackedRow[] batch = taken.Rows;
                var generation = new GenerationOptions(options.MaxNewTokens)
                {
                    StopIds = stops,
                    Edits = batch.All(r => edits[r.Variant] is null) ? null : ActivationEdits.PerRow([.. batch.Select(r => edits[r.Variant])]),
                    RowLimits = [.. batch.Select(r => options.MaxNewTokens - r.Prefix.Length)],
                    PauseBelow = taken.PauseBelow,
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
                        lock (text)
                        {
                            string response = tokenizer.Decode([.. prefix, .. tokens], skipSpecialTokens: true).Trim();
                            return settling.All(judge => judge.Settled(prompt, response) is not null);
                        }
                    },
                };
                long started = System.Diagnostics.Stopwatch.GetTimestamp();
                var paused = new List<PackedRow>();
                var finished = new List<(PackedRow Row, ResponseRecord Response)>();
                double seconds;
                try
                {
                    GenerationResult result;
                    using (NewDisposeScope())
                    {
                        (Tensor ids, Tensor mask) = LeftPadding.Batch([.. batch.Select(r => (int[])[.. encoded[r.Prompt], .. r.Prefix])], model.Config.PadTokenId);
                        result = TextGenerator.Generate(model, ids, mask, generation);
                    }

                    seconds = System.Diagnostics.Stopwatch.GetElapsedTime(started).TotalSeconds;
                    lock (text)
                    {
                        for (int row = 0; row < batch.Length; row++)
                        {
                            int[] tokens = [.. batch[row].Prefix, .. result.Tokens[row]];
                            if (result.Paused?[row] == true)
                            {
                                paused.Add(batch[row] with { Prefix = tokens });
                                continue;
                            }

                            PromptRecord record = prompts.Records[batch[row].Prompt];
                            string response = tokenizer.Decode(tokens, skipSpecialTokens: true).Trim();
                            JudgeVerdict[] verdicts = [.. judges.Select(j => j.Judge(record.Prompt, response))];
                            finished.Add((batch[row], new ResponseRecord(record, response, tokens.Length, verdicts)
                            {
                                BatchSeconds = seconds,
                                Settled = result.Settled?[row] ?? false,
                            }));
                        }
                    }
                }
                catch (Exception e) when (PromptFault.MayBe(e))
                {
                    schedule.Throw(taken, PromptFault.Cause(e));
                    continue;
                }

                // Each (variant, prompt) cell is written by the one batch that finished its row.
                foreach ((PackedRow row, ResponseRecord response) in finished)
                {
                    responses[row.Variant][row.Prompt] = response;
                }

                schedule.Finish(taken, finished.Count, paused, seconds);
            }
        }

        string judge = $"{judges[0].Name} {judges[0].Version}";
        FailedPrompt[] failures = [.. failed.OrderBy(f => f.Key).Select(f => new FailedPrompt(f.Key, prompts.Records[f.Key].Id, f.Value))];
        return [.. responses.Select(r => BaselineResult.Summarise(prompts, [.. r.Where((_, p) => !failed.ContainsKey(p))], judge, options.Seed) with { Failed = failures })];
    }
}
