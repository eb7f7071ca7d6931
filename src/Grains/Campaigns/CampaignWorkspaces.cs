using System.Collections.Concurrent;
using Geode.Campaigns.Execution;

namespace Geode.Grains.Campaigns;

/// <summary>
/// A silo's parsed campaigns: each shard and trial needs the campaign's prompts and judges, and
/// parsing the file and loading the set once per silo instead of once per shard keeps shards cheap.
/// </summary>
public sealed class CampaignWorkspaces
{
    private readonly ConcurrentDictionary<(string File, string Yaml), Lazy<CampaignWorkspace>> _open = new();

    /// <summary>The workspace of <paramref name="request"/>'s campaign text.</summary>
    /// <exception cref="Geode.Model.BadInputException">The campaign no longer validates (e.g. its model folder is gone).</exception>
    public CampaignWorkspace Get(CampaignRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        Lazy<CampaignWorkspace> entry = _open.GetOrAdd((request.File, request.Yaml), key => new Lazy<CampaignWorkspace>(() => CampaignWorkspace.Open(key.File, key.Yaml)));
        try
        {
            return entry.Value;
        }
        catch
        {
            _open.TryRemove((request.File, request.Yaml), out _);
            throw;
        }
    }
}
