namespace Geode.Client.Tests.Campaigns;

/// <summary>
/// Tests that run campaigns: they share one embedded run of <see cref="SmallCampaign"/> and run one
/// after another. Every campaign keeps both cores of a CI machine busy, so running them side by
/// side only makes each slower and their waits (a silo stopping within a minute) tighter. Tests
/// that start silo or campaign processes join this collection even when they do not use the shared run.
/// </summary>
[CollectionDefinition(Name)]
public sealed class CampaignCollection : ICollectionFixture<SmallCampaign>
{
    /// <summary>The collection's name.</summary>
    public const string Name = "small campaign";
}
