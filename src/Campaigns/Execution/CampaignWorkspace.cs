using Geode.Analysis.Evaluation;
using Geode.Analysis.Judges;
using Geode.Analysis.Prompts;

namespace Geode.Campaigns.Execution;

/// <summary>
/// A campaign ready to run anywhere: parsed from its text, its prompt set loaded and its judges
/// created. Every silo builds the same workspace from the same <c>CampaignRequest</c>, so shards
/// and trials agree on prompt order without shipping the prompts.
/// </summary>
public sealed class CampaignWorkspace
{
    private CampaignWorkspace(Campaign campaign, PromptSet prompts, IReadOnlyList<IResponseJudge> judges, PromptSet? evaluated = null)
    {
        Campaign = campaign;
        Prompts = prompts;
        Evaluated = evaluated ?? prompts;
        Judges = judges;
        IReadOnlyList<string> baseline = campaign.Stages.Baseline?.Categories ?? [];
        BaselinePrompts = baseline.Count == 0 ? prompts : prompts.Where(r => baseline.Contains(r.Category), "baseline categories");
        Refuse = campaign.Stages.Geometry?.Refuse ?? ["should_refuse"];
        Comply = campaign.Stages.Geometry?.Comply ?? ["safe_control"];
        Options = new BaselineOptions(campaign.Generation.MaxNewTokens, campaign.Generation.Batch) { EarlyStop = campaign.Generation.EarlyStop, AutoBatch = campaign.Generation.AutoBatch };
    }

    /// <summary>The validated campaign.</summary>
    public Campaign Campaign { get; }

    /// <summary>Every prompt of the set, in file order (captures use all of them).</summary>
    public PromptSet Prompts { get; }

    /// <summary>
    /// The prompts trials evaluate and take directions from: every prompt, less those that failed on
    /// their own in an earlier stage (<see cref="Without"/>). Row mapping into stored activations
    /// stays on <see cref="Prompts"/>.
    /// </summary>
    public PromptSet Evaluated { get; }

    /// <summary>The prompts of the baseline's categories.</summary>
    public PromptSet BaselinePrompts { get; }

    /// <summary>The response judges; the first gives the rates.</summary>
    public IReadOnlyList<IResponseJudge> Judges { get; }

    /// <summary>The refuse class (the geometry stage's, or should_refuse).</summary>
    public IReadOnlyList<string> Refuse { get; }

    /// <summary>The comply class (the geometry stage's, or safe_control).</summary>
    public IReadOnlyList<string> Comply { get; }

    /// <summary>Generation length and batch.</summary>
    public BaselineOptions Options { get; }

    /// <summary>The same campaign judged by <paramref name="judges"/> (the first gives the rates), e.g. judges wrapped by a fault test.</summary>
    public CampaignWorkspace WithJudges(IReadOnlyList<IResponseJudge> judges) => new(Campaign, Prompts, judges, Evaluated);

    /// <summary>The same campaign whose trials leave out the prompts <paramref name="failed"/> (ids of prompts that failed on their own in an earlier stage).</summary>
    public CampaignWorkspace Without(IReadOnlyCollection<string> failed)
    {
        ArgumentNullException.ThrowIfNull(failed);
        return failed.Count == 0 ? this : new(Campaign, Prompts, Judges, Prompts.Where(r => !failed.Contains(r.Id), $"without {failed.Count} failed prompt(s)"));
    }

    /// <summary>Parses <paramref name="yaml"/> as the campaign file <paramref name="file"/> and loads its inputs.</summary>
    /// <exception cref="Geode.Model.BadInputException">The campaign is invalid; the message lists every error.</exception>
    public static CampaignWorkspace Open(string file, string yaml)
    {
        Campaign campaign = CampaignReader.Parse(yaml, file);
        PromptSet prompts = campaign.Prompts.Load();
        string[] names = [.. campaign.Judges.Where(JudgeRegistry.ResponseJudgeNames.Contains)];
        return new CampaignWorkspace(campaign, prompts, JudgeRegistry.CreateResponseJudges(names, $"{file}: judges", campaign.JudgeHorizon));
    }

    /// <summary>The consecutive prompts [<paramref name="start"/>, start + <paramref name="count"/>) of <paramref name="set"/>.</summary>
    public static PromptSet Slice(PromptSet set, int start, int count)
    {
        ArgumentNullException.ThrowIfNull(set);
        if (start < 0 || count < 0 || start + count > set.Records.Count)
        {
            throw new ArgumentOutOfRangeException(nameof(start), $"Prompts {start}..{start + count} are outside the set's {set.Records.Count}.");
        }

        var chosen = new HashSet<PromptRecord>(set.Records.Skip(start).Take(count), ReferenceEqualityComparer.Instance);
        return set.Where(chosen.Contains, $"prompts {start}..{start + count - 1}");
    }
}
