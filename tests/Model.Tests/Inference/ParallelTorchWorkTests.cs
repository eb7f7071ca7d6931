using System.Collections.Concurrent;
using Geode.Model.Inference;
using static TorchSharp.torch;

namespace Geode.Model.Tests.Inference;

/// <summary>
/// Work side by side: every worker runs at once with its share of the caller's CPU threads, the
/// caller gets its thread count back, the first error is the one rethrown and stops the others,
/// and the caller's cancellation reaches every worker.
/// </summary>
public sealed class ParallelTorchWorkTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(60);

    [Fact]
    public void Workers_run_at_once_each_with_its_share_of_the_threads_and_the_caller_gets_its_own_back()
    {
        int before = get_num_threads();
        set_num_threads(4);
        try
        {
            var seen = new ConcurrentBag<(int Thread, int TorchThreads)>();
            using var together = new Barrier(2);
            bool[] met = new bool[2];
            int calls = 0;

            ParallelTorchWork.Run(2, () =>
            {
                int call = Interlocked.Increment(ref calls) - 1;
                seen.Add((Environment.CurrentManagedThreadId, get_num_threads()));

                // Both workers must be inside at the same time for the barrier to open.
                met[call] = together.SignalAndWait(Patience);
            }, () => { });

            Assert.Equal([true, true], met);
            Assert.Equal(2, seen.Select(s => s.Thread).Distinct().Count());
            Assert.Contains(Environment.CurrentManagedThreadId, seen.Select(s => s.Thread));
            Assert.All(seen, s => Assert.Equal(2, s.TorchThreads));
            Assert.Equal(4, get_num_threads());
        }
        finally
        {
            set_num_threads(before);
        }
    }

    [Fact]
    public void One_worker_is_the_caller_alone_with_its_threads_untouched()
    {
        int threads = get_num_threads();
        var seen = new List<(int Thread, int TorchThreads)>();
        ParallelTorchWork.Run(1, () => seen.Add((Environment.CurrentManagedThreadId, get_num_threads())), () => { });
        Assert.Equal([(Environment.CurrentManagedThreadId, threads)], seen);
    }

    [Fact]
    public void The_first_error_is_rethrown_and_the_other_workers_are_stopped()
    {
        int stops = 0;
        bool othersStopped = false;
        using var started = new CountdownEvent(2);
        int callerThread = Environment.CurrentManagedThreadId;

        InvalidOperationException error = Assert.Throws<InvalidOperationException>(() => ParallelTorchWork.Run(2, () =>
        {
            started.Signal();
            Assert.True(started.Wait(Patience));
            if (Environment.CurrentManagedThreadId != callerThread)
            {
                throw new InvalidOperationException("the helper failed");
            }

            // The caller keeps working until it is told to stop, as a batch loop would.
            var waited = System.Diagnostics.Stopwatch.StartNew();
            while (!WorkCancellation.Current.IsCancellationRequested && waited.Elapsed < Patience)
            {
                Thread.Sleep(1);
            }

            othersStopped = Volatile.Read(ref stops) == 1 && WorkCancellation.Current.IsCancellationRequested;
            WorkCancellation.ThrowIfCancelled();
        }, () => Interlocked.Increment(ref stops)));

        Assert.Equal("the helper failed", error.Message);
        Assert.Equal(1, stops);
        Assert.True(othersStopped, "the caller should have seen the stop and the cancellation");
    }

    [Fact]
    public void The_callers_cancellation_reaches_every_worker()
    {
        using var cancellation = new CancellationTokenSource();
        using var started = new CountdownEvent(2);
        var cancelledOn = new ConcurrentBag<int>();
        using WorkCancellation.Scope scope = WorkCancellation.Enter(cancellation.Token);

        Assert.ThrowsAny<OperationCanceledException>(() => ParallelTorchWork.Run(2, () =>
        {
            started.Signal();
            Assert.True(started.Wait(Patience));
            cancellation.Cancel();

            Assert.True(WorkCancellation.Current.WaitHandle.WaitOne(Patience));
            cancelledOn.Add(Environment.CurrentManagedThreadId);
            WorkCancellation.ThrowIfCancelled();
        }, () => { }));

        Assert.Equal(2, cancelledOn.Distinct().Count());
        Assert.Equal(cancellation.Token, WorkCancellation.Current);
    }
}
