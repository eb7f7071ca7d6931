using System.Threading.Channels;
using Geode.Model;
using Geode.Model.Inference;

namespace Geode.Grains.Workers;

/// <summary>
/// A silo's model service (DESIGN §3): owns one loaded model on one dedicated thread and runs the
/// work grains enqueue, one item at a time, in arrival order. The queue is bounded, so a burst of
/// shard grains waits to enqueue (back-pressure) instead of piling tensors up in memory.
/// </summary>
/// <remarks>
/// Every torch call — the load, each work item, the final dispose — happens on the worker's thread:
/// libtorch's thread-local state (grad mode, dispose scopes) then never crosses an <c>await</c>.
/// (On a CPU a packed evaluation runs its batches side by side on helper threads it starts and
/// joins within its work item — <see cref="ParallelTorchWork"/> — so nothing outlives the item.)
/// Work must return plain .NET values (arrays, records), never tensors. Results complete
/// asynchronously, so the callers' continuations never run on the torch thread.
/// </remarks>
public sealed class ModelWorker : IAsyncDisposable
{
    private readonly Channel<WorkItem> _queue;
    private readonly Thread _thread;
    private readonly TaskCompletionSource _ready = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource _stopped = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly Func<CausalLM> _load;
    private readonly CancellationTokenSource _stopping = new();
    private int _pending;
    private long _busyTicks;

    /// <summary>Starts the worker thread, which loads the model with <paramref name="load"/> and then serves work.</summary>
    /// <param name="load">Loads the model; runs on the worker thread.</param>
    /// <param name="capacity">How many items may wait in the queue; at least 1.</param>
    /// <param name="name">The thread's name, for debuggers and dumps.</param>
    public ModelWorker(Func<CausalLM> load, int capacity = 16, string name = "geode-model-worker")
    {
        ArgumentNullException.ThrowIfNull(load);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(capacity);
        _load = load;
        _queue = Channel.CreateBounded<WorkItem>(new BoundedChannelOptions(capacity) { SingleReader = true, FullMode = BoundedChannelFullMode.Wait });
        _thread = new Thread(Serve) { IsBackground = true, Name = name };
        _thread.Start();
    }

    /// <summary>Completes when the model is loaded; faults with the load's exception.</summary>
    public Task Ready => _ready.Task;

    /// <summary>Items waiting in the queue (at most its capacity).</summary>
    public int Queued => _queue.Reader.Count;

    /// <summary>Calls not yet finished: waiting for room, queued, or running.</summary>
    public int Pending => Volatile.Read(ref _pending);

    /// <summary>Time spent running work items so far (not loading the model, not waiting for work).</summary>
    public TimeSpan BusyTime => TimeSpan.FromTicks(Interlocked.Read(ref _busyTicks));

    /// <summary>
    /// Runs <paramref name="work"/> on the worker thread once the items before it are done; waits
    /// first for room in the queue when it is full.
    /// </summary>
    /// <exception cref="ObjectDisposedException">The worker is shutting down.</exception>
    /// <exception cref="OperationCanceledException">
    /// <paramref name="cancellationToken"/> fired, or the worker is stopping: before the work started,
    /// or while it ran (torch work stops at its next forward pass, through <see cref="WorkCancellation"/>).
    /// </exception>
    public async Task<T> RunAsync<T>(Func<CausalLM, T> work, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(work);
        var item = new WorkItem<T>(work, cancellationToken);
        Interlocked.Increment(ref _pending);
        try
        {
            await _queue.Writer.WriteAsync(item, cancellationToken).ConfigureAwait(false);
        }
        catch (ChannelClosedException e)
        {
            Interlocked.Decrement(ref _pending);
            throw new ObjectDisposedException(nameof(ModelWorker), e);
        }
        catch
        {
            Interlocked.Decrement(ref _pending);
            throw;
        }

        return await item.Result.ConfigureAwait(false);
    }

    /// <summary>
    /// Stops taking work, cancels what is running and queued (a running item stops at its next
    /// forward pass), and disposes the model on its thread.
    /// </summary>
    public async ValueTask DisposeAsync()
    {
        _queue.Writer.TryComplete();
        await _stopping.CancelAsync().ConfigureAwait(false);
        await _stopped.Task.ConfigureAwait(false);
        _stopping.Dispose();
    }

    private void Serve()
    {
        CausalLM? model = null;
        try
        {
            try
            {
                model = _load();
                _ready.SetResult();
            }
            catch (Exception e)
            {
                _ready.SetException(e);
            }

            // This thread exists only to serve the queue: blocking on it is the point, and keeps
            // every torch call on this one thread.
            while (_queue.Reader.WaitToReadAsync().AsTask().GetAwaiter().GetResult())
            {
                while (_queue.Reader.TryRead(out WorkItem? item))
                {
                    if (model is null)
                    {
                        item.Fail(new InvalidOperationException("The model worker has no model: loading it failed.", _ready.Task.Exception?.InnerException));
                    }
                    else
                    {
                        long started = System.Diagnostics.Stopwatch.GetTimestamp();
                        item.Execute(model, _stopping.Token);
                        Interlocked.Add(ref _busyTicks, System.Diagnostics.Stopwatch.GetElapsedTime(started).Ticks);
                    }

                    Interlocked.Decrement(ref _pending);
                }
            }
        }
        finally
        {
            model?.Dispose();
            _stopped.SetResult();
        }
    }

    /// <summary>One queued call; completes its task with the result, the exception, or cancellation.</summary>
    private abstract class WorkItem
    {
        public abstract void Execute(CausalLM model, CancellationToken stopping);

        public abstract void Fail(Exception error);
    }

    private sealed class WorkItem<T>(Func<CausalLM, T> work, CancellationToken cancellationToken) : WorkItem
    {
        private readonly TaskCompletionSource<T> _result = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public Task<T> Result => _result.Task;

        public override void Execute(CausalLM model, CancellationToken stopping)
        {
            if (cancellationToken.IsCancellationRequested || stopping.IsCancellationRequested)
            {
                _result.SetCanceled(cancellationToken.IsCancellationRequested ? cancellationToken : stopping);
                return;
            }

            try
            {
                // Every forward pass of the work checks this: the caller's cancellation or the worker stopping.
                using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, stopping);
                using (WorkCancellation.Enter(linked.Token))
                {
                    _result.SetResult(work(model));
                }
            }
            catch (OperationCanceledException e)
            {
                _result.SetCanceled(e.CancellationToken);
            }
            catch (Exception e)
            {
                _result.SetException(e);
            }
        }

        public override void Fail(Exception error) => _result.SetException(error);
    }
}
