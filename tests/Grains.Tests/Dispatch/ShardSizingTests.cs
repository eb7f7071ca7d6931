using Geode.Grains.Dispatch;

namespace Geode.Grains.Tests.Dispatch;

public sealed class ShardSizingTests
{
    [Theory]
    [InlineData(10_000, 32, 16, 32)] // ⌈10000 / 64⌉ = 157: a batch is the cap
    [InlineData(10_000, 32, 1, 32)]
    [InlineData(100, 32, 16, 2)] // ⌈100 / 64⌉
    [InlineData(340, 32, 2, 32)] // ⌈340 / 8⌉ = 43
    [InlineData(340, 32, 4, 22)] // ⌈340 / 16⌉
    [InlineData(24, 4, 1, 4)]
    [InlineData(24, 4, 2, 3)] // ⌈24 / 8⌉
    [InlineData(3, 32, 16, 1)] // fewer prompts than silos: one prompt a shard, never zero
    [InlineData(0, 32, 4, 1)]
    public void Size_ForItemsBatchAndSilos_IsTheBatchCappedShareOfFourShardsPerSilo(int items, int batch, int silos, int expected)
    {
        Assert.Equal(expected, ShardSizing.Size(items, batch, silos));
    }

    [Fact]
    public void Size_WithNoComputeSiloKnown_PlansAsForOne()
    {
        Assert.Equal(ShardSizing.Size(1000, 64, 1), ShardSizing.Size(1000, 64, 0));
        Assert.Equal(64, ShardSizing.Size(1000, 64, 0));
    }

    [Fact]
    public void Size_WithKOfEight_GivesEachOfTwoSilosEightShards()
    {
        int size = ShardSizing.Size(160, 64, 2, shardsPerSilo: 8);

        Assert.Equal(10, size);
        Assert.Equal(16, Geode.Grains.Campaigns.ShardLedger.Plan(160, size).Shards.Count);
    }

    [Fact]
    public void Size_WithZeroBatch_Throws()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => ShardSizing.Size(10, 0, 1));
    }
}
