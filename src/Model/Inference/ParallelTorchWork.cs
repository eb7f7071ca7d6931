using System.Runtime.ExceptionServices;
using TorchSharp;
using static TorchSharp.torch;

namespace Geode.Model.Inference;

/// <summary>
/// Runs the same torch work loop on several threads at once, splitting the calling thread's CPU
/// threads between them. On a CPU a small model's batch leaves cores idle: most of its operations
/// are too small for libtorch to split, so one thread works while the others wait. Batches side by
/// side, each on its own thread, keep every core busy instead.
/// </summary>
/// <remarks>
/// The calling thread is one of the workers. Each worker gets the caller's cancellation
/// (<see cref="WorkCancellation"/>); the first worker to throw stops the others (its exception is
/// the one rethrown, with its stack trace). libtorch's thread count is per thread, so setting each
/// worker's does not touch other threads; the caller's is restored before returning.
/// </remarks>
public static class ParallelTorchWork
{
    /// <summary>How many batches to run side by side on <paramref name="device"/> by default: the intra-op CPU threads on a CPU, one on an accelerator.</summary>
    public static int DefaultWorkers(Device device) =>
        device.type == DeviceType.CPU ? Math.Max(1, get_num_threads()) : 1;

    /// <summary>Runs <paramref name="work"/> on <paramref name="workers"/> threads (the caller among them) and waits for all.</summary>
    /// <param name="workers">Threads to run on (1: just the caller, unchanged).</param>
    /// <param name="work">The loop each worker runs; it returns when there is no work left.</param>
    /// <param name="stop">Called once when a worker throws, so the loops of the others end early.</param>
    public static void Run(int workers, Action work, Action stop)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(workers, 1);
        ArgumentNullException.ThrowIfNull(work);
        ArgumentNullException.ThrowIfNull(stop);
        if (workers == 1)
        {
            work();
            return;
        }

        int callerThreads = get_num_threads();
        int perWorker = Math.Max(1, callerThreads / workers);
        CancellationToken outer = WorkCancellation.Current;
        using var stopping = CancellationTokenSource.CreateLinkedTokenSource(outer);
        var gate = new Lock();
        ExceptionDispatchInfo? first = null;

        void Body()
        {
            set_num_threads(perWorker);
            using WorkCancellation.Scope cancellation = WorkCancellation.Enter(stopping.Token);
            try
            {
                work();
            }
            catch (Exception e)
            {
                bool isFirst;
                lock (gate)
                {
                    // A worker stopped because another failed throws a cancellation: keep the cause.
                    isFirst = first is null;
                    first ??= ExceptionDispatchInfo.Capture(e);
                }

                if (isFirst)
                {
                    stopping.Cancel();
                    stop();
                }
            }
        }

        Thread[] helpers = [.. Enumerable.Range(1, workers - 1).Select(i => new Thread(Body) { IsBackground = true, Name = $"geode-batch-{i}" })];
        try
        {
            foreach (Thread helper in helpers)
            {
                helper.Start();
            }

            Body();
            foreach (Thread helper in helpers)
            {
                helper.Join();
            }
        }
        finally
        {
            set_num_threads(callerThreads);
        }

        first?.Throw();
    }
}
