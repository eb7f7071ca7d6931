using Geode.Grains.Placement;
using Geode.Silo.Placement;
using Orleans.TestingHost;

namespace Geode.Silo.Tests;

/// <summary>A grain that reports the silo it lives on; placed like Geode's shard grains.</summary>
public interface IWhereGrain : IGrainWithIntegerKey
{
    Task<string> SiloAddress();
}

[ComputePlacement]
public sealed class WhereGrain(ILocalSiloDetails silo) : Grain, IWhereGrain
{
    public Task<string> SiloAddress() => Task.FromResult(silo.SiloAddress.ToString());
}

/// <summary>
/// Three in-process silos, one of them without compute metadata: grains with compute placement never activate there.
/// </summary>
public sealed class ComputePlacementTests
{
    [Fact]
    public async Task Compute_grains_activate_only_on_compute_silos_and_on_all_of_them()
    {
        // The first silo configured (the primary, which also serves the client) does not compute.
        string? plain = null;
        var builder = new InProcessTestClusterBuilder(3);
        builder.ConfigureSilo((options, silo) =>
        {
            Interlocked.CompareExchange(ref plain, options.SiloName, null);
            silo.UseGeodeRole(compute: options.SiloName != plain);
        });
        InProcessTestCluster cluster = builder.Build();
        await cluster.DeployAsync();
        try
        {
            Assert.Equal(3, cluster.Silos.Count);
            string primary = cluster.Silos.Single(s => s.Name == plain).SiloAddress.ToString();
            string[] compute = [.. cluster.Silos.Where(s => s.Name != plain).Select(s => s.SiloAddress.ToString())];

            string[] placed = await Task.WhenAll(Enumerable.Range(0, 60).Select(i => cluster.Client.GetGrain<IWhereGrain>(i).SiloAddress()));

            Assert.DoesNotContain(primary, placed);
            Assert.All(placed, p => Assert.Contains(p, compute));
            Assert.All(compute, c => Assert.Contains(c, placed));
        }
        finally
        {
            await cluster.DisposeAsync();
        }
    }
}
