using System.Collections.Concurrent;
using Geode.Campaigns.Execution;
using Geode.Grains.Campaigns;
using Geode.Grains.Wire;
using Geode.Model.Config;
using static TorchSharp.torch;

namespace Geode.Grains.Workers;

/// <summary>
/// A stand-in for a silo's device in scale-out benchmarks and tests: each capture shard holds the
/// silo's one device for <see cref="SimulatedDevice.TimeFor"/> its prompts (shards queue, as on a
/// model worker's serial queue), then returns activations of the campaign model's true shape
/// [L+1, count, H] float32 and partial statistics built as <see cref="ShardJobs.PartialStatistics"/>
/// builds them, so the coordinator's capture merge — store writes, layer aggregators — runs for real.
/// </summary>
/// <remarks>
/// The activations are a deterministic function of each prompt's index (not of the shard), so a
/// shard's numbers do not depend on where or in what shard size it ran. Only the capture job is
/// simulated; a generate shard is refused.
/// </remarks>
/// <param name="device">The device's speed.</param>
/// <param name="silo">This silo, named in every outcome.</param>
public sealed class SimulatedShardRunner(SimulatedDevice device, ILocalSiloDetails silo) : IShardRunner, IDisposable
{
    private readonly SemaphoreSlim _device = new(1, 1);
    private readonly ConcurrentDictionary<string, (int Streams, int Hidden)> _shapes = new(StringComparer.Ordinal);

    /// <inheritdoc />
    public async Task<ShardOutcome> RunAsync(ShardWork work, CampaignWorkspace workspace, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(work);
        ArgumentNullException.ThrowIfNull(workspace);
        if (work.Job != "capture")
        {
            throw new NotSupportedException($"The simulated device runs capture shards only, not '{work.Job}'.");
        }

        (int streams, int hidden) = _shapes.GetOrAdd(workspace.Campaign.Model.Folder, folder =>
        {
            ModelConfig config = ConfigReader.Read(folder);
            return (config.NumLayers + 1, config.HiddenSize);
        });

        await _device.WaitAsync(cancellationToken);
        try
        {
            await Task.Delay(device.TimeFor(work.Count), cancellationToken);
        }
        finally
        {
            _device.Release();
        }

        // Built after the device is free: on a real silo this is part of the forward pass, here it
        // is the benchmark process's own CPU, which the device time should not wait for.
        using var scope = NewDisposeScope();
        Tensor rows = arange(work.Start, work.Start + work.Count, dtype: ScalarType.Float32).reshape(1, work.Count, 1);
        Tensor columns = arange(hidden, dtype: ScalarType.Float32).reshape(1, 1, hidden);
        Tensor layers = arange(streams, dtype: ScalarType.Float32).reshape(streams, 1, 1);
        Tensor activations = sin((rows * 0.37f) + (columns * 0.11f) + (layers * 0.53f)); // [L+1, count, H]
        return new ShardOutcome([], TensorPayloads.ToPayload(activations), work.Count, silo.Name, ShardJobs.PartialStatistics(workspace, work.Start, activations));
    }

    /// <inheritdoc />
    public void Dispose() => _device.Dispose();
}
