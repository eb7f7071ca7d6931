using Geode.Grains.Workers;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Geode.Silo.Hosting;

/// <summary>Set-up for silos whose shards run on a <see cref="SimulatedShardRunner"/> (scale-out benchmarks and tests).</summary>
public static class SimulatedDeviceExtensions
{
    /// <summary>Runs this silo's shards on a simulated device of <paramref name="device"/>'s speed instead of its model worker.</summary>
    public static ISiloBuilder UseSimulatedDevice(this ISiloBuilder silo, SimulatedDevice device)
    {
        ArgumentNullException.ThrowIfNull(silo);
        ArgumentNullException.ThrowIfNull(device);
        silo.Services.RemoveAll<IShardRunner>();
        silo.Services.AddSingleton(device);
        silo.Services.AddSingleton<IShardRunner, SimulatedShardRunner>();
        return silo;
    }
}
