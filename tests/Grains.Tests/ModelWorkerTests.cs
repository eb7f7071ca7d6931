using Geode.Grains.Workers;
using Geode.Model;
using Geode.Model.Inference;
using Geode.Model.Native;
using Geode.Model.Random;
using static TorchSharp.torch;

namespace Geode.Grains.Tests;

public sealed class ModelWorkerTests
{
    public ModelWorkerTests() => TorchRuntime.Initialize(TorchRuntimeOptions.Default);

    private static CausalLM Tiny() => RandomModel.Create(RandomConfigs.Get("gemma4-tiny"), seed: 1, ScalarType.Float32, CPU);

    /// <summary>Last-position logits of a fixed prompt, as a plain array.</summary>
    private static float[] Logits(CausalLM model)
    {
        using var scope = NewDisposeScope();
        (Tensor ids, Tensor mask) = LeftPadding.Batch([[2, 5, 9, 11, 7]], padId: 0);
        using ForwardResult result = model.Forward(new ForwardRequest(ids, mask) { Logits = LogitsScope.Last });
        return result.Logits!.reshape(-1).data<float>().ToArray();
    }

    [Fact]
    public async Task Load_and_every_item_run_on_one_thread_that_is_not_the_callers()
    {
        int loadThread = -1;
        await using var worker = new ModelWorker(() =>
        {
            loadThread = Environment.CurrentManagedThreadId;
            return Tiny();
        });
        await worker.Ready;

        int[] threads = await Task.WhenAll(Enumerable.Range(0, 20).Select(_ => Task.Run(() => worker.RunAsync(_ => Environment.CurrentManagedThreadId))));

        Assert.All(threads, t => Assert.Equal(loadThread, t));
        Assert.NotEqual(Environment.CurrentManagedThreadId, loadThread);
    }

    [Fact]
    public async Task Work_gets_the_same_answer_as_the_model_run_directly()
    {
        await using var worker = new ModelWorker(Tiny);
        using CausalLM direct = Tiny();

        float[] viaWorker = await worker.RunAsync(Logits);

        Assert.Equal(Logits(direct), viaWorker);
    }

    [Fact]
    public async Task A_full_queue_makes_callers_wait_and_items_run_in_arrival_order()
    {
        using var gate = new ManualResetEventSlim(false);
        await using var worker = new ModelWorker(Tiny, capacity: 2);
        await worker.Ready;
        var order = new List<int>();
        Task<int> blocking = worker.RunAsync(_ =>
        {
            gate.Wait();
            return 0;
        });
        // The first item is running (the queue is empty again), two more fill the queue, and the
        // fourth must wait for room.
        await WaitUntil(() => worker.Pending == 1);
        Task<int>[] queued = [.. Enumerable.Range(1, 3).Select(i => worker.RunAsync(_ =>
        {
            order.Add(i);
            return i;
        }))];
        await Task.Delay(100);
        Assert.Equal(4, worker.Pending);
        Assert.Equal(2, worker.Queued);
        Assert.All(queued, t => Assert.False(t.IsCompleted));

        gate.Set();
        int[] results = await Task.WhenAll(queued);
        Assert.Equal([1, 2, 3], results);
        Assert.Equal([1, 2, 3], order);
        Assert.Equal(0, await blocking);
        Assert.Equal(0, worker.Pending);
    }

    [Fact]
    public async Task A_failing_item_faults_only_its_own_call()
    {
        await using var worker = new ModelWorker(Tiny);

        await Assert.ThrowsAsync<InvalidOperationException>(() => worker.RunAsync<int>(_ => throw new InvalidOperationException("bad shard")));
        Assert.Equal(7, await worker.RunAsync(_ => 7));
    }

    [Fact]
    public async Task An_item_cancelled_while_queued_never_runs()
    {
        using var gate = new ManualResetEventSlim(false);
        await using var worker = new ModelWorker(Tiny);
        await worker.Ready;
        Task<int> blocking = worker.RunAsync(_ =>
        {
            gate.Wait();
            return 0;
        });
        using var cancel = new CancellationTokenSource();
        bool ran = false;
        Task<bool> queued = worker.RunAsync(_ => ran = true, cancel.Token);

        await cancel.CancelAsync();
        gate.Set();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => queued);
        Assert.Equal(0, await blocking);
        Assert.False(ran);
    }

    [Fact]
    public async Task A_failed_load_faults_ready_and_every_call_and_disposal_still_finishes()
    {
        var worker = new ModelWorker(() => throw new BadInputException("no such model", "model.path"));

        await Assert.ThrowsAsync<BadInputException>(() => worker.Ready);
        InvalidOperationException error = await Assert.ThrowsAsync<InvalidOperationException>(() => worker.RunAsync(_ => 1));
        Assert.IsType<BadInputException>(error.InnerException);
        await worker.DisposeAsync();
    }

    [Fact]
    public async Task Disposal_stops_running_torch_work_at_its_next_forward_pass_and_cancels_the_queue()
    {
        var worker = new ModelWorker(Tiny);
        await worker.Ready;
        var started = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        Task<int> endless = worker.RunAsync<int>(model =>
        {
            started.TrySetResult();
            while (true)
            {
                Logits(model);
            }
        });
        Task<int>[] queued = [.. Enumerable.Range(0, 5).Select(i => worker.RunAsync(_ => i))];
        await started.Task;

        await worker.DisposeAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => endless);
        Assert.All(queued, t => Assert.True(t.IsCanceled));
        await Assert.ThrowsAsync<ObjectDisposedException>(() => worker.RunAsync(_ => 1));
    }

    [Fact]
    public async Task A_caller_cancelling_stops_its_running_item_and_the_worker_goes_on()
    {
        await using var worker = new ModelWorker(Tiny);
        await worker.Ready;
        using var cancel = new CancellationTokenSource();
        var started = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        Task<int> endless = worker.RunAsync<int>(
            model =>
            {
                started.TrySetResult();
                while (true)
                {
                    Logits(model);
                }
            },
            cancel.Token);
        await started.Task;

        await cancel.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => endless);
        Assert.Equal(7, await worker.RunAsync(_ => 7));
    }

    private static async Task WaitUntil(Func<bool> condition)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        while (!condition())
        {
            await Task.Delay(5, timeout.Token);
        }
    }
}
