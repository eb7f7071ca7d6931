using System.Net;
using Geode.Grains.Placement;
using Geode.Silo.Placement;
using Orleans.TestingHost;

namespace Geode.Silo.Tests;

/// <summary>
/// Three in-process silos, the first without compute metadata: a call pinned to a live compute silo
/// activates its grain there; a pin to the plain silo, to a silo that does not exist or to nonsense
/// falls back to a compute silo.
/// </summary>
public sealed class PlacementPinTests : IAsyncLifetime
{
    private InProcessTestCluster _cluster = null!;
    private string _plain = null!;

    public async Task InitializeAsync()
    {
        string? plain = null;
        var builder = new InProcessTestClusterBuilder(3);
        builder.ConfigureSilo((options, silo) =>
        {
            Interlocked.CompareExchange(ref plain, options.SiloName, null);
            silo.UseGeodeRole(compute: options.SiloName != plain);
        });
        _cluster = builder.Build();
        await _cluster.DeployAsync();
        _plain = plain!;
    }

    public Task DisposeAsync() => _cluster.DisposeAsync().AsTask();

    [Fact]
    public async Task OnAddActivation_PinnedToALiveComputeSilo_PlacesEveryGrainThere()
    {
        // Arrange
        SiloAddress[] compute = [.. _cluster.Silos.Where(s => s.Name != _plain).Select(s => s.SiloAddress)];

        foreach (SiloAddress target in compute)
        {
            // Act
            string[] placed = await Task.WhenAll(Enumerable.Range(0, 20).Select(i =>
                PlacementPin.Call(target.ToParsableString(), () => _cluster.Client.GetGrain<IWhereGrain>(Key(target, i)).SiloAddress())));

            // Assert
            Assert.All(placed, p => Assert.Equal(target.ToString(), p));
        }
    }

    [Fact]
    public async Task OnAddActivation_PinnedToAPlainDeadOrUnreadableSilo_FallsBackToTheComputeSilos()
    {
        // Arrange
        SiloAddress plain = _cluster.Silos.Single(s => s.Name == _plain).SiloAddress;
        string[] compute = [.. _cluster.Silos.Where(s => s.Name != _plain).Select(s => s.SiloAddress.ToString())];
        string dead = SiloAddress.New(new IPEndPoint(IPAddress.Loopback, 1), 1).ToParsableString();
        string[] pins = [plain.ToParsableString(), dead, "not a silo"];

        // Act
        string[] placed = await Task.WhenAll(pins.SelectMany((pin, p) => Enumerable.Range(0, 20).Select(i =>
            PlacementPin.Call(pin, () => _cluster.Client.GetGrain<IWhereGrain>(1_000_000 + (p * 100) + i).SiloAddress()))));

        // Assert: never the plain silo, and the random fallback reaches both compute silos.
        Assert.All(placed, p => Assert.Contains(p, compute));
        Assert.All(compute, c => Assert.Contains(c, placed));
    }

    [Fact]
    public async Task Call_AfterReturning_LeavesNoPinForLaterCalls()
    {
        SiloAddress target = _cluster.Silos.First(s => s.Name != _plain).SiloAddress;

        await PlacementPin.Call(target.ToParsableString(), () => _cluster.Client.GetGrain<IWhereGrain>(2_000_000).SiloAddress());

        Assert.Null(RequestContext.Get(PlacementPin.Key));
    }

    private static long Key(SiloAddress target, int i) => (Math.Abs((long)target.GetHashCode()) % 1000 * 1000) + i + 10_000;
}
