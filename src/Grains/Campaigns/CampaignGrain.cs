using System.Diagnostics;
using System.Text.Json.Nodes;
using Geode.Analysis.Evaluation;
using Geode.Campaigns;
using Geode.Campaigns.Artifacts;
using Geode.Campaigns.Execution;
using Geode.Grains.Placement;
using Geode.Grains.Storage;
using Geode.Grains.Telemetry;
using Geode.Grains.Wire;
using Geode.Model;
using Geode.Model.Files;
using Microsoft.Extensions.Logging;
using Orleans.Storage;
using static TorchSharp.torch;

namespace Geode.Grains.Campaigns;

/// <summary>
/// The coordinator of one campaign (DESIGN §3). Its state lives in grain storage (memory when
/// embedded, Redis in a cluster) and is saved at most once a second while units merge and at the
/// end of every round, so a new activation — after a silo dies, or every silo restarts — continues
/// from the same stage and round, redoing at most the last second's units (harmless: see below).
/// A reminder wakes it when no client is polling.
/// </summary>
/// <remarks>
/// Each round of a stage is a <see cref="ShardLedger"/>: units are leased and pulled by the compute
/// silos — each holds at most two, and gets the next when one of its own settles — then merged in
/// arrival order (<c>CampaignGrain.Round.cs</c>). A unit's artifact is written before the ledger
/// marks it done, and rewriting it is harmless, which makes every merge exactly once. A unit that
/// fails is leased again (to a new grain, on whichever silo has a free slot); one that fails five
/// times fails the campaign with its error. A prompt a worker throws on does not fail its shard: the
/// shard grain isolates it (<see cref="Workers.ShardBisection"/>), the baseline merges the rest and
/// lists it in results.json, the status and the summary; a capture stores the other prompts' rows and
/// names the missing ones in the store file, so the stages after it work on the prompts that have rows.
/// While storage cannot be reached the record is kept in memory and its write tried again until
/// storage answers (<see cref="PatientStorage"/>): the round waits at its next save, so the campaign
/// pauses — its status says why — and resumes.
/// </remarks>
public sealed partial class CampaignGrain(
    [PersistentState("campaign", CampaignGrain.StorageName)] IPersistentState<CampaignRecord> state,
    CampaignWorkspaces workspaces,
    IComputeSilos computeSilos,
    IEnumerable<ICampaignReport> reports,
    PatientStorage storage,
    GeodeMetrics metrics,
    ILogger<CampaignGrain> log) : Grain, ICampaignGrain, IRemindable
{
    /// <summary>The grain storage provider campaigns use.</summary>
    public const string StorageName = "geode";

    private const string ReminderName = "geode-campaign-drive";

    private readonly Stopwatch _clock = new();
    private readonly Dictionary<string, double> _partial = new(StringComparer.Ordinal);
    private Task? _drive;
    private readonly CancellationTokenSource _cancel = new();
    private readonly SemaphoreSlim _writing = new(1, 1);

    // When storage stopped answering, while the record waits to be written; null while it answers.
    private DateTime? _storageDownSince;

    private CampaignRecord Record => state.State;

    private bool Running => Record.Phase == CampaignPhase.Running;

    /// <inheritdoc />
    public override Task OnActivateAsync(CancellationToken cancellationToken)
    {
        EnsureDriving();
        return Task.CompletedTask;
    }

    /// <inheritdoc />
    public override async Task OnDeactivateAsync(DeactivationReason reason, CancellationToken cancellationToken)
    {
        // Units in flight belong to this activation; the next one leases them again.
        await _cancel.CancelAsync();

        // The round saves at most once a second: a graceful stop keeps the units merged since.
        // Only when no save is in flight: that one's continuation may never run once the
        // activation is going away, and waiting for it would hold the silo's shutdown.
        if (Running && Record.Request is not null && await _writing.WaitAsync(TimeSpan.Zero, cancellationToken))
        {
            try
            {
                Record.StageSeconds += _clock.Elapsed.TotalSeconds;
                _clock.Restart();
                await state.WriteStateAsync();
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                log.LogWarning(e, "Campaign {Id}: the last merged units could not be saved on deactivation; they will run again", Record.Request.Id);
            }
            finally
            {
                _writing.Release();
            }
        }

        _cancel.Dispose();
    }

    /// <inheritdoc />
    public async Task<CampaignStatus> Start(CampaignRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (Record.Request is not null)
        {
            EnsureDriving();
            return Status(Record);
        }

        // Validation happens here, before anything is stored: a bad campaign never starts.
        CampaignWorkspace workspace = workspaces.Get(request);
        Record.Request = request;
        Record.Phase = CampaignPhase.Running;
        Record.Stages = [.. StagePlan.Stages(workspace.Campaign)];
        Record.ModelHash = ActivationStore.ModelHash(workspace.Campaign.Model.Folder);
        Directory.CreateDirectory(request.OutDir);
        await WriteState();
        await this.RegisterOrUpdateReminder(ReminderName, TimeSpan.FromMinutes(1), TimeSpan.FromMinutes(1));
        metrics.CampaignStarted();
        log.LogInformation("Campaign {Id} started: {Stages}", request.Id, string.Join(", ", Record.Stages));
        EnsureDriving();
        return Status(Record);
    }

    /// <inheritdoc />
    public Task<CampaignStatus> Status()
    {
        EnsureDriving();
        return Task.FromResult(Status(Record));
    }

    /// <inheritdoc />
    public Task Progress(string unit, double fraction)
    {
        // Only units of the running round count; a late report from a finished one is dropped.
        if (_partial.ContainsKey(unit))
        {
            _partial[unit] = Math.Clamp(fraction, 0, 1);
        }

        return Task.CompletedTask;
    }

    /// <inheritdoc />
    public async Task<CampaignStatus> Cancel()
    {
        if (Running)
        {
            Record.Phase = CampaignPhase.Cancelled;
            await _cancel.CancelAsync();
            await Save();
            await StopReminder();
            metrics.CampaignFinished("cancelled");
            log.LogInformation("Campaign {Id} cancelled", this.GetPrimaryKeyString());
        }

        return Status(Record);
    }

    /// <inheritdoc />
    public async Task ReceiveReminder(string reminderName, TickStatus status)
    {
        if (Running)
        {
            EnsureDriving();
        }
        else
        {
            await StopReminder();
        }
    }

    private void EnsureDriving()
    {
        if (Running && Record.Request is not null && (_drive is null || _drive.IsCompleted))
        {
            _drive = Drive();
        }
    }

    private CampaignStatus Status(CampaignRecord r)
    {
        bool shards = r.Round == "shards";
        double stageSeconds = r.StageSeconds + (Running ? _clock.Elapsed.TotalSeconds : 0);
        return new CampaignStatus(
            this.GetPrimaryKeyString(),
            r.Request is null ? CampaignPhase.Unknown : r.Phase,
            [.. r.Stages],
            r.StageIndex,
            r.Ledger?.DoneItems ?? 0,
            r.Ledger?.TotalItems ?? 0,
            shards ? "prompts" : "trials",
            r.Tokens,
            stageSeconds,
            r.Seconds.Values.Sum() + (r.StageIndex < r.Stages.Count ? stageSeconds : 0),
            r.Retries,
            r.Error,
            r.Request?.OutDir ?? string.Empty,
            new Dictionary<string, int>(r.Silos),
            r.Launched,
            Fraction(r),
            r.Merged,
            r.CoordinatorSeconds + (Running ? _own.CpuSeconds : 0),
            r.Duplicates,
            r.Backups,
            new Dictionary<string, double>(r.RoundSeconds),
            r.CoordinatorWallSeconds + (Running ? _own.WallSeconds : 0),
            _storageDownSince is DateTime since ? $"storage cannot be reached (since {since:HH:mm:ss} UTC); the campaign resumes when it answers" : null)
        {
            FailedPrompts = [.. r.FailedPrompts],
        };
    }

    private double Fraction(CampaignRecord r)
    {
        if (r.Ledger is not { } ledger || ledger.TotalItems == 0)
        {
            return 0;
        }

        double unitSize = r.Round == "shards" ? 0 : 1;
        return Math.Min(1, (ledger.DoneItems + (_partial.Values.Sum() * unitSize)) / ledger.TotalItems);
    }

    private async Task Drive()
    {
        // The loop is not a request: keep the activation while it runs.
        DelayDeactivation(TimeSpan.FromDays(7));
        _clock.Restart();
        metrics.CampaignDriving(1);
        try
        {
            CampaignWorkspace workspace = workspaces.Get(Record.Request!);
            while (Running && Record.StageIndex < Record.Stages.Count)
            {
                string stage = Record.Stages[Record.StageIndex];
                await RunStage(workspace, stage);
                if (!Running)
                {
                    return;
                }

                Record.Seconds[stage] = Math.Round(Record.StageSeconds + _clock.Elapsed.TotalSeconds, 3);
                Record.StageSeconds = 0;
                _clock.Restart();
                Record.StageIndex++;
                Record.Round = string.Empty;
                Record.Ledger = null;
                Record.Units = [];
                Record.FinishedRounds = [];
                Record.Tokens = 0;
                await WriteState(_cancel.Token);
                log.LogInformation("Campaign {Id}: {Stage} done in {Seconds:F1} s", Record.Request!.Id, stage, Record.Seconds[stage]);
            }

            if (Running)
            {
                Finish(workspace);
                Record.Phase = CampaignPhase.Succeeded;
                await Save();
                await StopReminder();
                metrics.CampaignFinished("succeeded");
            }
        }
        catch (OperationCanceledException) when (!Running || _cancel.IsCancellationRequested)
        {
            // Cancelled (the record says so already) or deactivating (the next activation resumes).
        }
        catch (InconsistentStateException e) when (Running)
        {
            // Another activation wrote the record: what storage holds is the campaign. This
            // activation stops without writing; the next one resumes from the stored record.
            log.LogWarning(e, "Campaign {Id}: its record was written elsewhere; this activation stops and the next resumes from storage", Record.Request?.Id);
            DeactivateOnIdle();
        }
        catch (Exception e) when (Running && !_cancel.IsCancellationRequested)
        {
            log.LogError(e, "Campaign {Id} failed in {Stage}", Record.Request?.Id, Record.StageIndex < Record.Stages.Count ? Record.Stages[Record.StageIndex] : "finish");
            Record.Phase = CampaignPhase.Failed;
            Record.Error = e is BadInputException ? e.Message : $"{e.GetType().Name}: {e.Message}";
            await Save();
            await StopReminder();
            metrics.CampaignFinished("failed");
        }
        finally
        {
            metrics.CampaignDriving(-1);
        }
    }

    /// <summary>
    /// Saves the record with the stage's time so far. While the campaign runs, cancelling it (or
    /// deactivating) stops a wait for storage; a finished campaign's last save waits as long as it takes.
    /// </summary>
    private async Task Save()
    {
        Record.StageSeconds += _clock.Elapsed.TotalSeconds;
        _clock.Restart();
        await WriteState(Running ? _cancel.Token : CancellationToken.None);
    }

    /// <summary>
    /// Writes the record, one write at a time: the round loop and a deactivation may both save, and
    /// storage rejects overlapping writes (etags). A write storage cannot take now is tried again
    /// until it can; the status says the campaign waits meanwhile.
    /// </summary>
    private async Task WriteState(CancellationToken cancellationToken = default)
    {
        await _writing.WaitAsync(cancellationToken);
        try
        {
            await storage.WriteAsync(state, $"Campaign {this.GetPrimaryKeyString()}", StoredIsBehind, StorageWaiting, cancellationToken);
        }
        finally
        {
            _writing.Release();
        }
    }

    /// <summary>Whether a stored record is not ahead of this activation's: the same campaign, no more units launched.</summary>
    private static bool StoredIsBehind(CampaignRecord stored, CampaignRecord mine) =>
        stored.Request?.Id == mine.Request?.Id && stored.StageIndex <= mine.StageIndex && stored.Launched <= mine.Launched;

    private void StorageWaiting(Exception? outage) => _storageDownSince = outage is null ? null : DateTime.UtcNow;

    private async Task StopReminder()
    {
        IGrainReminder? reminder = await this.GetReminder(ReminderName);
        if (reminder is not null)
        {
            await this.UnregisterReminder(reminder);
        }
    }

    private async Task RunStage(CampaignWorkspace workspace, string stage)
    {
        CampaignRequest request = Record.Request!;
        string outDir = request.OutDir;
        switch (stage)
        {
            case "baseline":
                await RunBaseline(workspace, request);
                break;
            case "capture":
                await RunCapture(workspace, request);
                break;
            case "cascade":
                await RunCascade(workspace, request);
                break;
            default:
                int trials = StagePlan.Trials(workspace.Campaign, stage);
                await RunTrials(request, stage, "trials", [.. Enumerable.Range(0, trials)], Record.Activations ?? string.Empty);
                JsonNode[] fragments = [.. Enumerable.Range(0, trials).Select(i => CampaignResults.Read(CampaignResults.TrialFile(outDir, stage, "trials", i)))];
                JsonNode result = stage switch
                {
                    "sweeps" => new JsonArray([.. fragments.SelectMany(f => f.AsArray().Select(row => row!.DeepClone()))]),
                    "diff" => new JsonArray([.. fragments]),
                    _ => fragments[0],
                };
                CampaignResults.WriteAtomically(CampaignResults.StageFile(outDir, stage), result);
                break;
        }
    }

    private async Task RunBaseline(CampaignWorkspace workspace, CampaignRequest request)
    {
        string shardDir = Path.Combine(request.OutDir, "records", "baseline-shards");
        string records = Path.Combine(request.OutDir, "records", "baseline.msgpack");
        int count = workspace.BaselinePrompts.Records.Count;
        await RunShards(request, "generate", count, workspace.Campaign.Generation.Batch, (lease, outcome) =>
        {
            AtomicFile.WriteAllBytes(Path.Combine(shardDir, $"shard-{lease.Index:D5}.msgpack"), outcome.Records);
            return Task.CompletedTask;
        });

        if (Directory.Exists(shardDir))
        {
            // One new file from the shards, renamed into place whole: a crash or a full disk here
            // leaves the shards to build it from again, never a records file missing some of them.
            ResponseRecordStream.WriteEncoded(records, Directory.EnumerateFiles(shardDir, "shard-*.msgpack").Order(StringComparer.Ordinal).Select(File.ReadAllBytes));
        }

        ResponseRecord[] responses = [.. ResponseRecordStream.Read(records).Select(r => r.Record)];
        PromptFailure[] failed = [.. Record.FailedPrompts.Where(f => f.Stage == "baseline")];
        if (responses.Length == 0 && failed.Length > 0)
        {
            // Rates over no prompt at all mean nothing: a worker that fails everything is broken.
            throw new PromptFailuresException($"every one of the {failed.Length} baseline prompts failed on its own: {Describe(failed)}");
        }

        // The rates are over the prompts that have a response; the failed ones are listed beside them.
        var judge = workspace.Judges[0];
        BaselineResult result = BaselineResult.Summarise(workspace.BaselinePrompts, responses, $"{judge.Name} {judge.Version}", seed: CampaignProvenance.Seed);
        JsonObject json = ResultsJson.Baseline(result, workspace.Campaign.Generation.MaxNewTokens, FailedPromptsJson("baseline"));
        json["records"] = Path.GetRelativePath(request.OutDir, records);
        CampaignResults.WriteAtomically(CampaignResults.StageFile(request.OutDir, "baseline"), json);
        if (Directory.Exists(shardDir))
        {
            Directory.Delete(shardDir, recursive: true);
        }
    }

    private async Task RunCapture(CampaignWorkspace workspace, CampaignRequest request)
    {
        CaptureStage capture = workspace.Campaign.Stages.Capture ?? new CaptureStage("last", "template");
        var store = new ActivationStore(request.StoreDir);
        string template = Geode.Model.Text.ChatTemplates.ForModelType(Geode.Model.Config.ConfigReader.Read(workspace.Campaign.Model.Folder).ModelType).Name;
        string key = ActivationStore.Key(Record.ModelHash, workspace.Campaign.Model.DType, template, capture.Position, capture.Input, workspace.Prompts.ContentHash);
        int count = workspace.Prompts.Records.Count;
        bool stored = store.Has(key, out string? distrust);
        if (distrust is not null)
        {
            log.LogWarning("Campaign {Id}: the stored capture is not trusted and is computed again: {Reason}", request.Id, distrust);
        }

        if (stored && Record.Ledger is null && ActivationStore.PromptRows(store.MergedPath(key), count).Count < count)
        {
            // An earlier campaign's capture that left failed prompts out: capture again, as the
            // worker may take them now. (This campaign's own, on resuming, has its ledger.)
            log.LogInformation("Campaign {Id}: the stored capture lacks prompts that failed when it was made; capturing again", request.Id);
            stored = false;
        }

        bool reused = stored && Record.Ledger is null;
        if (!stored)
        {
            await RunShards(request, "capture", count, workspace.Campaign.Generation.Batch, async (lease, outcome) =>
            {
                // A prompt that fails on its own has no row: the shard's file holds the others' rows
                // in order, and the merged file names the missing prompts, so every consumer maps
                // rows to prompts (ActivationStore.PromptRows). A shard whose every prompt failed
                // has neither rows nor statistics.
                if (outcome.Activations is null)
                {
                    return;
                }

                using (Tensor activations = TensorPayloads.ToTensor(outcome.Activations))
                {
                    store.WriteShard(key, lease.Index, activations);
                }

                // Each stream's aggregator takes the shard's partial statistics once, however often it is sent.
                await Task.WhenAll(outcome.Statistics.Select((partial, stream) => LayerGrain(stream).Merge(lease.Index, partial)));
            });

            HashSet<int> missing = [.. Record.FailedPrompts.Where(f => f.Stage == "capture").Select(f => f.Index)];
            if (missing.Count == count)
            {
                throw new PromptFailuresException($"every one of the {count} capture prompts failed on its own: {Describe(Record.FailedPrompts.Where(f => f.Stage == "capture"))}");
            }

            int[] shards = [.. Record.Ledger!.Shards.Where(s => Enumerable.Range(s.Start, s.Count).Any(i => !missing.Contains(i))).Select(s => s.Index).Order()];
            store.Merge(key, shards, missing, new Dictionary<string, string>
            {
                ["model_sha256"] = Record.ModelHash,
                ["dtype"] = workspace.Campaign.Model.DType,
                ["template"] = template,
                ["position"] = capture.Position,
                ["input"] = capture.Input,
                ["prompt_set_sha256"] = workspace.Prompts.ContentHash,
            });
        }

        Record.Activations = store.MergedPath(key);
        IReadOnlyList<int> rows = ActivationStore.PromptRows(Record.Activations, count);
        PromptManifest.Write(request.OutDir, workspace.Prompts, rows);
        JsonObject? aggregates = reused ? null : await LayerAggregates(workspace, store, key, rows);
        JsonObject result = new()
        {
            ["layer_aggregates"] = aggregates,
            ["key"] = key,
            ["file"] = Path.GetRelativePath(request.OutDir, Record.Activations),
            ["prompts"] = rows.Count,
            ["position"] = capture.Position,
            ["input"] = capture.Input,
            ["reused"] = reused,
        };
        if (rows.Count < count)
        {
            result["failed"] = count - rows.Count;
            result["failed_prompts"] = FailedPromptsJson("capture");
        }

        CampaignResults.WriteAtomically(CampaignResults.StageFile(request.OutDir, "capture"), result);
    }

    private ILayerGrain LayerGrain(int stream) => GrainFactory.GetGrain<ILayerGrain>($"{this.GetPrimaryKeyString()}/{stream}");

    /// <summary>
    /// What the layer aggregators hold after the capture: how many prompts each stream counted
    /// (every shard once: the set's size) and how far their class means are from the store's.
    /// </summary>
    private async Task<JsonObject> LayerAggregates(CampaignWorkspace workspace, ActivationStore store, string key, IReadOnlyList<int> rows)
    {
        // Row r of the store holds prompt rows[r].
        string[] categories = [.. rows.Select(i => workspace.Prompts.Records[i].Category)];
        var counted = new JsonArray();
        double worst = 0;
        long streams = store.Shape(key)[0];
        for (int stream = 0; stream < streams; stream++)
        {
            byte[] bytes = await LayerGrain(stream).Statistics();

            // One stream at a time, read from the file alone: the whole store in float64 would be
            // twice the capture's size. The scope opens after the await: torch's scopes are per thread.
            using var scope = NewDisposeScope();
            var statistics = Geode.Analysis.Statistics.ActivationStatistics.FromBytes(bytes);
            Tensor stored = store.LoadStream(key, stream).to(ScalarType.Float64);
            long prompts = 0;
            foreach (string category in workspace.Prompts.Categories.Where(categories.Contains))
            {
                var group = statistics[Geode.Analysis.Statistics.GroupKey.Category(category)];
                prompts += group.Count;
                Tensor members = tensor(Enumerable.Range(0, categories.Length).Where(i => categories[i] == category).Select(i => (long)i).ToArray());
                Tensor expected = stored.index_select(0, members).mean([0]);
                worst = Math.Max(worst, (group.Means()[0] - expected).abs().max().item<double>());
            }

            counted.Add(prompts);
        }

        return new JsonObject
        {
            ["prompts_counted"] = counted,
            ["max_abs_mean_difference_vs_store"] = ResultsJson.Number(worst),
        };
    }

    private async Task RunCascade(CampaignWorkspace workspace, CampaignRequest request)
    {
        CascadeStage cascade = workspace.Campaign.Stages.Cascade!;
        IReadOnlyList<CascadeSettings> plan = TrialJobs.CascadePlan(workspace);
        int[] rows = [.. Enumerable.Range(0, plan.Count)];
        await RunTrials(request, "cascade", "smoke", rows, "smoke");
        JsonNode[] smoke = [.. rows.Select(i => CampaignResults.Read(CampaignResults.TrialFile(request.OutDir, "cascade", "smoke", i)))];
        IReadOnlyList<bool> gates = CascadeRunner.Gates([.. smoke.Select(s => (double?)s["refusal"] ?? double.NaN)]);
        int[] confirmed = [.. rows.Where(i => gates[i])];
        await RunTrials(request, "cascade", "confirm", confirmed, "confirm");

        var table = new JsonArray();
        foreach (int i in rows)
        {
            CascadeStep? step = i == 0 ? null : cascade.Steps[i - 1];
            table.Add(new JsonObject
            {
                ["row"] = i,
                ["name"] = step?.Name ?? "start: raw-text diff of means, plain projection",
                ["ingredient"] = step?.Ingredient,
                ["value"] = step?.Value,
                ["settings"] = plan[i].ToString(),
                ["gate_passed"] = gates[i],
                ["smoke"] = smoke[i].DeepClone(),
                ["confirm"] = gates[i] ? CampaignResults.Read(CampaignResults.TrialFile(request.OutDir, "cascade", "confirm", i)) : null,
            });
        }

        CampaignResults.WriteAtomically(CampaignResults.StageFile(request.OutDir, "cascade"), new JsonObject
        {
            ["smoke_per_category"] = cascade.Smoke,
            ["confirm_per_category"] = cascade.Confirm == 0 ? "all" : cascade.Confirm,
            ["gate"] = "a step passes when its smoke refusal of the refuse class is no higher than the row before it",
            ["rows"] = table,
        });
    }

    private Task RunShards(CampaignRequest request, string job, int prompts, int size, Func<ShardLease, ShardOutcome, Task> merge)
    {
        // Per shard, the silo that answered that every one of its prompts failed (see Confirmed).
        var suspects = new Dictionary<int, string>();
        return RunRound(
            "shards",
            prompts,
            size,
            [],
            (lease, key, cancellation) => GrainFactory.GetGrain<IShardGrain>(key).Run(new ShardWork(request, job, lease.Start, lease.Count), cancellation),
            async (lease, outcome) =>
            {
                if (outcome.Failures.Count > 0 && outcome.Failures.Count == lease.Count && !Confirmed(suspects, lease.Index, outcome.Silo))
                {
                    throw new SuspectShardException($"every prompt of shard {lease.Index} failed on its own on {outcome.Silo}; asking another silo before believing it ({Describe(outcome.Failures)})");
                }

                // The failures count once the shard's artifact is written, as its records do.
                await merge(lease, outcome);
                RecordFailures(outcome.Failures);
                return (outcome.Tokens, outcome.Silo);
            });
    }

    private Task RunTrials(CampaignRequest request, string stage, string round, int[] units, string argument) =>
        RunRound(
            round,
            units.Length,
            1,
            [.. units],
            (lease, key, cancellation) => GrainFactory.GetGrain<ITrialGrain>(key).Run(
                new TrialWork(request, stage, Record.Units[lease.Index], argument, request.OutDir)
                {
                    // A prompt that failed in an earlier stage (it has no capture row, or no baseline
                    // response) is known bad: trials go on without it rather than meet it again.
                    Excluded = [.. Record.FailedPrompts.Where(f => f.Stage != stage).Select(f => f.PromptId).Distinct()],
                },
                cancellation),
            (lease, outcome) =>
            {
                CampaignResults.WriteAtomically(CampaignResults.TrialFile(request.OutDir, stage, round, Record.Units[lease.Index]), JsonNode.Parse(outcome.Json)!);
                RecordFailures(outcome.Failures);
                return Task.FromResult((outcome.Tokens, outcome.Silo));
            });

    private void Finish(CampaignWorkspace workspace)
    {
        CampaignRequest request = Record.Request!;
        JsonObject provenance = CampaignProvenance.Build(workspace, Record.ModelHash);
        JsonObject results = CampaignResults.Assemble(workspace, request.Id, request.OutDir, Record.Stages, provenance, Record.Seconds);
        if (Record.FailedPrompts.Count > 0)
        {
            // Every stage's, in stage order: the baseline's also sit in its own section.
            results["failed_prompts"] = ResultsJson.FailedPrompts(Record.FailedPrompts
                .OrderBy(f => Record.Stages.IndexOf(f.Stage)).ThenBy(f => f.Index)
                .Select(f => (f.Stage, f.Index, f.PromptId, f.Cause)));
        }

        CampaignResults.WriteAtomically(Path.Combine(request.OutDir, "results.json"), results);
        foreach (ICampaignReport report in reports)
        {
            // results.json is the campaign's result; a report is a view of it. One that cannot be
            // drawn must not fail a campaign whose numbers are already written: say so, go on.
            try
            {
                report.Write(results, request.OutDir);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                log.LogWarning(e, "Campaign {Id}: {Report} could not be written ({Error}); results.json is complete, rebuild with `geode report {OutDir}`", request.Id, report.GetType().Name, e.Message, request.OutDir);
            }
        }
    }
}
