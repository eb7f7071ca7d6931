using Orleans.Concurrency;

namespace Geode.Grains.Campaigns;

/// <summary>
/// The coordinator of one campaign (key: the campaign id). It keeps its state in grain storage,
/// drives the stages, hands shards and trials to compute silos, merges each result exactly once
/// and resumes where it stopped after any silo, or the client, goes away.
/// </summary>
public interface ICampaignGrain : IGrainWithStringKey
{
    /// <summary>Starts the campaign, or returns its status when it has already started (calling again is safe).</summary>
    Task<CampaignStatus> Start(CampaignRequest request);

    /// <summary>The campaign's progress; also resumes its work if this activation has not yet.</summary>
    Task<CampaignStatus> Status();

    /// <summary>A running trial reports how far it is (0..1), so long stages show movement; lost reports cost nothing.</summary>
    /// <param name="unit">The trial grain's key.</param>
    /// <param name="fraction">The share of the trial done.</param>
    [OneWay]
    Task Progress(string unit, double fraction);

    /// <summary>Stops the campaign: nothing new starts, running work is abandoned, the phase becomes cancelled.</summary>
    Task<CampaignStatus> Cancel();
}
