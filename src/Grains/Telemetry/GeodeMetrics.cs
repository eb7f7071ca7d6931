using System.Diagnostics.Metrics;
using Geode.Grains.Workers;

namespace Geode.Grains.Telemetry;

/// <summary>
/// The <c>Geode</c> meter (DESIGN §5): every instrument the silo's grains and model pool record
/// into, in one place so the names the Grafana dashboard queries are easy to find. Exported for
/// Prometheus as <c>geode_*</c> when the silo serves <c>/metrics</c>; without an exporter, recording
/// costs next to nothing.
/// </summary>
/// <remarks>
/// Labels are only <c>stage</c>, <c>kind</c> (shard or trial), <c>device</c> and <c>outcome</c>:
/// bounded values, never a prompt id or prompt text (they would leak data into the monitoring
/// system and make series unbounded). The exporter adds the <c>silo</c> label to every series.
/// </remarks>
public sealed class GeodeMetrics
{
    /// <summary>The meter's name; the exporter subscribes to it.</summary>
    public const string MeterName = "Geode";

    /// <summary>The <c>kind</c> label of a baseline or capture unit.</summary>
    public const string Shard = "shard";

    /// <summary>The <c>kind</c> label of a sweep, cascade, descent, selective or diff unit.</summary>
    public const string Trial = "trial";

    // Units run from well under a second (a capture shard of the organism) to an hour (a trial of
    // a large model); the SDK's default buckets are sized for milliseconds.
    private static readonly double[] DurationBuckets = [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600, 1800, 3600];

    private readonly Counter<long> _prompts;
    private readonly Counter<long> _promptsFailed;
    private readonly Counter<long> _tokens;
    private readonly Histogram<double> _unitDuration;
    private readonly UpDownCounter<long> _unitsInFlight;
    private readonly Counter<long> _unitErrors;
    private readonly Counter<long> _campaignsStarted;
    private readonly UpDownCounter<long> _campaignsRunning;
    private readonly Counter<long> _campaignsFinished;

    /// <summary>Creates the instruments on a meter from <paramref name="meters"/>; the pool's gauges read <paramref name="pool"/>.</summary>
    public GeodeMetrics(IMeterFactory meters, ModelPool pool)
    {
        ArgumentNullException.ThrowIfNull(meters);
        ArgumentNullException.ThrowIfNull(pool);
        Meter meter = meters.Create(MeterName);
        _prompts = meter.CreateCounter<long>("geode.prompts.processed", "{prompt}", "Prompts a baseline or capture shard finished on this silo.");
        _promptsFailed = meter.CreateCounter<long>("geode.prompts.failed", "{prompt}", "Prompts that failed on their own (a worker threw on them alone), seen by the coordinators on this silo; the campaign goes on without them.");
        _tokens = meter.CreateCounter<long>("geode.tokens.processed", "{token}", "Tokens a shard or trial generated or read on this silo.");
        _unitDuration = meter.CreateHistogram("geode.unit.duration", "s", "Wall time of one successful shard or trial on this silo, model queue wait included.", null, new InstrumentAdvice<double> { HistogramBucketBoundaries = DurationBuckets });
        _unitsInFlight = meter.CreateUpDownCounter<long>("geode.units.in_flight", "{unit}", "Shards and trials the coordinators on this silo have sent out and not yet heard back from.");
        _unitErrors = meter.CreateCounter<long>("geode.unit.errors", "{unit}", "Failed attempts of shards and trials seen by the coordinators on this silo (each is retried, or fails the campaign).");
        _campaignsStarted = meter.CreateCounter<long>("geode.campaigns.started", "{campaign}", "Campaigns started with a coordinator on this silo.");
        _campaignsRunning = meter.CreateUpDownCounter<long>("geode.campaigns.running", "{campaign}", "Campaigns whose coordinator is driving stages on this silo now.");
        _campaignsFinished = meter.CreateCounter<long>("geode.campaigns.finished", "{campaign}", "Campaigns that ended on this silo, by outcome: succeeded, failed or cancelled.");
        meter.CreateObservableGauge("geode.worker.queue.depth", () => ByDevice(pool, w => w.Queued), "{item}", "Work items waiting in the model workers' queues, per device.");
        meter.CreateObservableCounter("geode.worker.busy", () => ByDevice(pool, w => w.BusyTime.TotalSeconds), "s", "Time the model workers spent running work, per device.");
        meter.CreateObservableGauge("geode.device.memory", DeviceMemory, "By", "Memory in use per device.");
    }

    /// <summary>
    /// Records 0 on the counters that only move on rare events (errors, campaigns), so their
    /// series exist before the first event: a dashboard query finds them and rate() has a start.
    /// Call it once an exporter listens; measurements made before that are not seen.
    /// </summary>
    public void StartAtZero()
    {
        _unitErrors.Add(0);
        _promptsFailed.Add(0);
        _unitsInFlight.Add(0);
        _campaignsStarted.Add(0);
        _campaignsRunning.Add(0);
        _campaignsFinished.Add(0);
    }

    /// <summary>A coordinator sent a unit out.</summary>
    public void UnitLaunched(string stage, string kind) => _unitsInFlight.Add(1, Stage(stage), Kind(kind));

    /// <summary>A coordinator stopped waiting for <paramref name="count"/> units: they answered, or it gave up on them.</summary>
    public void UnitsSettled(string stage, string kind, int count = 1)
    {
        if (count > 0)
        {
            _unitsInFlight.Add(-count, Stage(stage), Kind(kind));
        }
    }

    /// <summary>A coordinator saw one attempt of a unit fail.</summary>
    public void UnitFailed(string stage, string kind) => _unitErrors.Add(1, Stage(stage), Kind(kind));

    /// <summary>A coordinator recorded a prompt of <paramref name="stage"/> that failed on its own.</summary>
    public void PromptFailed(string stage) => _promptsFailed.Add(1, Stage(stage));

    /// <summary>A shard or trial finished on this silo: its prompts (0 for trials), tokens and wall time.</summary>
    public void UnitFinished(string stage, string kind, int prompts, long tokens, TimeSpan elapsed)
    {
        if (prompts > 0)
        {
            _prompts.Add(prompts, Stage(stage));
        }

        if (tokens > 0)
        {
            _tokens.Add(tokens, Stage(stage));
        }

        _unitDuration.Record(elapsed.TotalSeconds, Stage(stage), Kind(kind));
    }

    /// <summary>A campaign was started (validated and stored).</summary>
    public void CampaignStarted() => _campaignsStarted.Add(1);

    /// <summary>A coordinator began (+1) or stopped (-1) driving a campaign.</summary>
    public void CampaignDriving(int delta) => _campaignsRunning.Add(delta);

    /// <summary>A campaign ended: <c>succeeded</c>, <c>failed</c> or <c>cancelled</c>.</summary>
    public void CampaignFinished(string outcome) => _campaignsFinished.Add(1, new KeyValuePair<string, object?>("outcome", outcome));

    private static KeyValuePair<string, object?> Stage(string stage) => new("stage", stage);

    private static KeyValuePair<string, object?> Kind(string kind) => new("kind", kind);

    private static IEnumerable<Measurement<T>> ByDevice<T>(ModelPool pool, Func<ModelWorker, T> read)
        where T : struct, System.Numerics.INumber<T> =>
        pool.Workers
            .GroupBy(w => w.Device, StringComparer.Ordinal)
            .Select(g => new Measurement<T>(g.Aggregate(T.Zero, (sum, w) => sum + read(w.Worker)), new KeyValuePair<string, object?>("device", g.Key)));

    private static IEnumerable<Measurement<long>> DeviceMemory()
    {
        // CPU models live in this process's memory, so its working set is the CPU device's use
        // (libtorch's native tensors included, which the GC heap size would miss). TorchSharp 0.107
        // exposes no CUDA allocator statistics, so CUDA devices report nothing here; nvidia's
        // exporters (DCGM) cover GPU memory on GPU nodes.
        yield return new Measurement<long>(Environment.WorkingSet, new KeyValuePair<string, object?>("device", "cpu"));
    }
}
