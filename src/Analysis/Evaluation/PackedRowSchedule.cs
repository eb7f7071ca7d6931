namespace Geode.Analysis.Evaluation;

/// <summary>
/// Which (variant, prompt) rows of a packed evaluation run next, for any number of workers taking
/// batches side by side: fresh rows in length order, paused rows resumed together once enough wait
/// (or nothing fresh is left), the rows of a batch that threw one at a time, and a prompt that
/// failed under one variant left out of every other. Thread-safe; a worker with nothing to take
/// waits while other batches run, since they may hand rows back.
/// </summary>
internal sealed class PackedRowSchedule
{
    private readonly object _gate = new();
    private readonly (int Variant, int Prompt)[] _rows;
    private readonly int[] _promptLengths;
    private readonly int _batchSize;
    private readonly BatchSizer? _sizer;
    private readonly Dictionary<int, string> _failed;
    private readonly Action<int>? _progress;
    private readonly List<PackedRow> _resumed = [];
    private readonly Queue<PackedRow> _alone = new();
    private int _next;
    private int _done;
    private int _running;
    private bool _stopped;

    /// <param name="rows">Every row, in the order fresh rows are taken.</param>
    /// <param name="promptLengths">Each prompt's encoded length.</param>
    /// <param name="batchSize">Rows per batch when <paramref name="sizer"/> is null.</param>
    /// <param name="sizer">Chooses the batch size by measured throughput, or null.</param>
    /// <param name="failed">Prompts failed so far, with their causes; rows of these are done without running. The schedule adds to it.</param>
    /// <param name="progress">Called with the rows done so far (under the schedule's lock).</param>
    public PackedRowSchedule((int Variant, int Prompt)[] rows, int[] promptLengths, int batchSize, BatchSizer? sizer, Dictionary<int, string> failed, Action<int>? progress)
    {
        _rows = rows;
        _promptLengths = promptLengths;
        _batchSize = batchSize;
        _sizer = sizer;
        _failed = failed;
        _progress = progress;
    }

    /// <summary>The next batch, or null when every row is done or the run was stopped. Blocks while nothing can be taken but other batches run.</summary>
    public PackedBatch? Take()
    {
        lock (_gate)
        {
            while (true)
            {
                if (_stopped || _done == _rows.Length)
                {
                    return null;
                }

                int size = _sizer?.Next ?? _batchSize;
                PackedRow[]? batch = null;
                bool isolated = _alone.Count > 0;
                if (isolated)
                {
                    // The rows of a batch that threw, one at a time: the one that throws alone fails.
                    batch = [_alone.Dequeue()];
                }
                else if (_resumed.Count > 0 && (_resumed.Count >= size || _next == _rows.Length))
                {
                    _resumed.Sort((x, y) => (_promptLengths[x.Prompt] + x.Prefix.Length).CompareTo(_promptLengths[y.Prompt] + y.Prefix.Length));
                    batch = [.. _resumed.Take(size)];
                    _resumed.RemoveRange(0, batch.Length);
                }
                else if (_next < _rows.Length)
                {
                    batch = [.. _rows[_next..Math.Min(_rows.Length, _next + size)].Select(r => new PackedRow(r.Variant, r.Prompt, []))];
                    _next += batch.Length;
                }

                if (batch is null)
                {
                    if (_running == 0)
                    {
                        throw new InvalidOperationException($"The packed schedule has {_rows.Length - _done} rows left and nothing to run.");
                    }

                    // Another batch may pause rows or throw: wait for it.
                    Monitor.Wait(_gate);
                    continue;
                }

                // A prompt that already failed under another variant is left out of every variant:
                // its other rows are done without running (and cannot make another batch throw).
                int skipped = batch.Count(r => _failed.ContainsKey(r.Prompt));
                if (skipped > 0)
                {
                    batch = [.. batch.Where(r => !_failed.ContainsKey(r.Prompt))];
                    Advance(skipped);
                    if (batch.Length == 0)
                    {
                        continue;
                    }
                }

                // A batch stops when only a quarter of its rows are still generating and enough other
                // work waits: a long answer then costs its own steps, not a step of a mostly empty
                // batch. Its live rows resume later, prompt and tokens so far re-read in one pass,
                // together with other resumed rows of similar length (fresh rows are shorter).
                int waiting = _rows.Length - _next + _resumed.Count;
                _running++;
                return new PackedBatch(batch, isolated, !isolated && waiting >= size / 2 ? Math.Max(1, size / 4) : 0);
            }
        }
    }

    /// <summary>A batch ran: <paramref name="finished"/> rows are done, <paramref name="paused"/> ones wait to resume.</summary>
    public void Finish(PackedBatch batch, int finished, IReadOnlyList<PackedRow> paused, double seconds)
    {
        lock (_gate)
        {
            _running--;
            _resumed.AddRange(paused);
            if (!batch.Isolated)
            {
                _sizer?.Record(batch.Rows.Length, seconds, finished);
            }

            Advance(finished);
            Monitor.PulseAll(_gate);
        }
    }

    /// <summary>A batch threw an error a prompt can cause: its rows run again alone, or a row that threw alone fails its prompt.</summary>
    public void Throw(PackedBatch batch, string cause)
    {
        lock (_gate)
        {
            _running--;
            if (batch.Rows.Length == 1)
            {
                _failed.TryAdd(batch.Rows[0].Prompt, cause);
                Advance(1);
            }
            else
            {
                // Nothing of the batch is kept: its rows run again alone, from where they were.
                foreach (PackedRow row in batch.Rows)
                {
                    _alone.Enqueue(row);
                }
            }

            Monitor.PulseAll(_gate);
        }
    }

    /// <summary>Ends the run early (a worker hit an error no prompt causes): no more batches are handed out.</summary>
    public void Stop()
    {
        lock (_gate)
        {
            _stopped = true;
            Monitor.PulseAll(_gate);
        }
    }

    private void Advance(int rows)
    {
        _done += rows;
        _progress?.Invoke(_done);
    }
}

/// <summary>One prompt under one variant, with the tokens it generated before it was paused.</summary>
internal sealed record PackedRow(int Variant, int Prompt, int[] Prefix);

/// <summary>Rows to generate together; <paramref name="PauseBelow"/> live rows or fewer hand the rest back paused (0: never).</summary>
internal sealed record PackedBatch(PackedRow[] Rows, bool Isolated, int PauseBelow);
