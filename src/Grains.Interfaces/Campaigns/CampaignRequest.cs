namespace Geode.Grains.Campaigns;

/// <summary>
/// What starts a campaign: the file's text (so every silo reads the same campaign even if the file
/// changes later), where it lives (relative paths in it resolve against its folder) and the output
/// folder. Paths must be reachable from every silo: one machine, or a shared volume.
/// </summary>
/// <param name="Id">The campaign id (the coordinator grain's key).</param>
/// <param name="File">The campaign file's absolute path.</param>
/// <param name="Yaml">The campaign file's text.</param>
/// <param name="OutDir">The output folder (results.json, artifacts), absolute.</param>
/// <param name="StoreDir">The content-addressed activation store, absolute; campaigns sharing it reuse each other's captures.</param>
[GenerateSerializer]
[Immutable]
[Alias("geode.campaign-request")]
public sealed record CampaignRequest(
    [property: Id(0)] string Id,
    [property: Id(1)] string File,
    [property: Id(2)] string Yaml,
    [property: Id(3)] string OutDir,
    [property: Id(4)] string StoreDir);
