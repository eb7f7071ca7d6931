using Geode.Analysis.Evaluation;
using Geode.Analysis.Judges;
using Geode.Analysis.Prompts;
using Geode.Analysis.Statistics;
using Geode.Campaigns.Artifacts;
using Geode.Grains.Campaigns;
using Geode.Grains.Workers;
using Geode.Model;

namespace Geode.Grains.Tests;

/// <summary>
/// A shard whose batch throws is split until the prompts that fail on their own stand alone; the
/// rest of the shard comes back as if it had run, and errors that are no prompt's fault pass through.
/// </summary>
public sealed class ShardBisectionTests
{
    private static readonly CampaignRequest Campaign = new("c", "/c.yaml", "name: c", "/out", "/store");

    [Fact]
    public async Task One_poisoned_prompt_of_eight_is_the_only_failure_and_the_other_seven_come_back_in_order()
    {
        var worker = new FakeWorker(poisoned: [13]);

        ShardOutcome outcome = await Run(worker, new ShardWork(Campaign, "generate", 8, 8));

        PromptFailure failure = Assert.Single(outcome.Failures);
        Assert.Equal(("baseline", 13, "p13", "InvalidOperationException: prompt 13 is poison"), (failure.Stage, failure.Index, failure.PromptId, failure.Cause));
        Assert.Equal(Records(8, 9, 10, 11, 12, 14, 15), outcome.Records);
        Assert.Equal(7, outcome.Tokens);
        Assert.Equal("silo-a", outcome.Silo);

        // The batch, then halves down to the poisoned prompt: 1 + 2·log2(8) runs, not 1 + 8.
        Assert.Equal([(8, 8), (8, 4), (12, 4), (12, 2), (12, 1), (13, 1), (14, 2)], worker.Runs.Select(r => (r.Start, r.Count)));
    }

    [Fact]
    public async Task Two_poisoned_prompts_are_both_found_and_each_keeps_its_own_cause()
    {
        var worker = new FakeWorker(poisoned: [0, 5]);

        ShardOutcome outcome = await Run(worker, new ShardWork(Campaign, "generate", 0, 6));

        Assert.Equal([(0, "p0"), (5, "p5")], outcome.Failures.Select(f => (f.Index, f.PromptId)));
        Assert.Equal(["InvalidOperationException: prompt 0 is poison", "InvalidOperationException: prompt 5 is poison"], outcome.Failures.Select(f => f.Cause));
        Assert.Equal(Records(1, 2, 3, 4), outcome.Records);
    }

    [Fact]
    public async Task A_one_prompt_shard_that_throws_is_that_prompts_failure_without_running_again()
    {
        var worker = new FakeWorker(poisoned: [3]);

        ShardOutcome outcome = await Run(worker, new ShardWork(Campaign, "generate", 3, 1));

        Assert.Equal(3, Assert.Single(outcome.Failures).Index);
        Assert.Empty(outcome.Records);
        Assert.Equal("silo-here", outcome.Silo);
        Assert.Single(worker.Runs);
    }

    [Fact]
    public async Task A_shard_that_runs_whole_is_returned_as_it_came()
    {
        var worker = new FakeWorker(poisoned: []);

        ShardOutcome outcome = await Run(worker, new ShardWork(Campaign, "generate", 0, 4));

        Assert.Empty(outcome.Failures);
        Assert.Equal(Records(0, 1, 2, 3), outcome.Records);
        Assert.Single(worker.Runs);
    }

    [Fact]
    public async Task A_capture_shard_with_a_failure_carries_the_other_prompts_rows_in_order_and_their_statistics()
    {
        Geode.Model.Native.TorchRuntime.Initialize(Geode.Model.Native.TorchRuntimeOptions.Default);
        var worker = new FakeWorker(poisoned: [2]);

        ShardOutcome outcome = await Run(worker, new ShardWork(Campaign, "capture", 0, 6));

        Assert.Equal(("capture", 2), (Assert.Single(outcome.Failures).Stage, outcome.Failures[0].Index));
        Assert.Empty(outcome.Records);
        using TorchSharp.torch.Tensor rows = Wire.TensorPayloads.ToTensor(outcome.Activations!);
        Assert.Equal([2L, 5, 1], rows.shape);
        Assert.Equal([0f, 1, 3, 4, 5], rows[1].flatten().data<float>().ToArray());
        ActivationStatistics statistics = ActivationStatistics.FromBytes(Assert.Single(outcome.Statistics));
        Assert.Equal(5, statistics[GroupKey.Category("c")].Count);
    }

    [Fact]
    public async Task A_capture_shard_whose_every_prompt_fails_carries_neither_rows_nor_statistics()
    {
        var worker = new FakeWorker(poisoned: [0, 1]);

        ShardOutcome outcome = await Run(worker, new ShardWork(Campaign, "capture", 0, 2));

        Assert.Equal(2, outcome.Failures.Count);
        Assert.Null(outcome.Activations);
        Assert.Empty(outcome.Statistics);
    }

    [Fact]
    public async Task A_batch_that_fails_while_no_prompt_fails_alone_throws_the_batchs_own_error()
    {
        // Too large for the device, say: more than two prompts at once fail, each half runs.
        var worker = new FakeWorker(poisoned: [], largestBatch: 2);

        InvalidOperationException error = await Assert.ThrowsAsync<InvalidOperationException>(() => Run(worker, new ShardWork(Campaign, "generate", 0, 4)));

        Assert.Equal("4 prompts do not fit", error.Message);
    }

    public static TheoryData<string> NotAPromptsFault => ["bad input", "cancelled", "worker stopping", "model unavailable", "transport", "timeout"];

    [Theory]
    [MemberData(nameof(NotAPromptsFault))]
    public async Task An_error_that_is_no_prompts_fault_passes_through_without_a_split(string kind)
    {
        Exception thrown = kind switch
        {
            "bad input" => new BadInputException("prompts.json: prompt 2 has no text", "prompts.json", "prompts[2]"),
            "cancelled" => new OperationCanceledException(),
            "worker stopping" => new ObjectDisposedException("ModelWorker"),
            "model unavailable" => new ModelUnavailableException("the model could not be loaded"),
            "transport" => new SiloUnavailableException(),
            _ => new TimeoutException(),
        };
        var worker = new FakeWorker(poisoned: [1], error: thrown);

        Exception error = await Assert.ThrowsAnyAsync<Exception>(() => Run(worker, new ShardWork(Campaign, "generate", 0, 4)));

        Assert.Same(thrown, error);
        Assert.Single(worker.Runs);
    }

    private static Task<ShardOutcome> Run(FakeWorker worker, ShardWork work) =>
        ShardBisection.RunAsync(work, worker.Run, work.Job == "generate" ? "baseline" : "capture", i => $"p{i}", "silo-here");

    private static ResponseRecord Response(int index) => new(
        new PromptRecord($"p{index}", "c", ExpectedBehavior.Comply, $"prompt {index}", []),
        $"answer {index}",
        1,
        [new JudgeVerdict(false, 0, "regex", "1")]);

    private static byte[] Records(params int[] indices) => ResponseRecordStream.Encode(indices.Select(Response), null);

    /// <summary>A worker that throws on any shard holding a poisoned prompt (or larger than it takes), and records each run.</summary>
    private sealed class FakeWorker(int[] poisoned, int largestBatch = int.MaxValue, Exception? error = null)
    {
        public List<ShardWork> Runs { get; } = [];

        public Task<ShardOutcome> Run(ShardWork work)
        {
            Runs.Add(work);
            if (work.Count > largestBatch)
            {
                throw new InvalidOperationException($"{work.Count} prompts do not fit");
            }

            int[] range = [.. Enumerable.Range(work.Start, work.Count)];
            if (range.FirstOrDefault(i => poisoned.Contains(i), -1) is int bad and >= 0)
            {
                throw error ?? new InvalidOperationException($"prompt {bad} is poison");
            }

            return Task.FromResult(work.Job == "generate"
                ? new ShardOutcome(Records(range), null, work.Count, "silo-a", [])
                : new ShardOutcome([], Wire.TensorPayloads.ToPayload(Rows(range)), work.Count, "silo-a", [Statistics(range)]));
        }

        /// <summary>Activations [2, n, 1] whose row i holds the prompt's index.</summary>
        private static TorchSharp.torch.Tensor Rows(int[] range) =>
            TorchSharp.torch.tensor(range.Select(i => (float)i).ToArray()).reshape(1, range.Length, 1).expand(2, range.Length, 1).contiguous();

        /// <summary>One stream's partial statistics of the prompts, every one in category c.</summary>
        private static byte[] Statistics(int[] range)
        {
            var statistics = new ActivationStatistics(1, 1);
            using TorchSharp.torch.Tensor rows = Rows(range);
            statistics.Add([rows[0]], [.. range.Select(_ => "comply")], [.. range.Select(_ => "c")]);
            return statistics.ToBytes();
        }
    }
}
