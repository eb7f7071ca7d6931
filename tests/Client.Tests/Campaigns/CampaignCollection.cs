namespace Geode.Client.Tests.Campaigns;

/// <summary>Tests that share one embedded run of <see cref="SmallCampaign"/>; they run one after another.</summary>
[CollectionDefinition(Name)]
public sealed class CampaignCollection : ICollectionFixture<SmallCampaign>
{
    /// <summary>The collection's name.</summary>
    public const string Name = "small campaign";
}
