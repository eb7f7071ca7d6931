using Geode.Analysis.Judges;
using Geode.Campaigns.Execution;
using Geode.Grains.Campaigns;
using Geode.Grains.Workers;

namespace Geode.Client.Tests.Campaigns;

/// <summary>
/// A silo's trial runner for fault tests: it runs trials on the real runner it wraps, with every
/// judge wrapped so that judging a prompt whose text contains <see cref="Throws"/> throws, as a
/// broken worker would, inside the trial's evaluation (shards run such a prompt without trouble).
/// </summary>
internal sealed class FaultInjectingTrialRunner(ITrialRunner inner) : ITrialRunner
{
    /// <summary>In a prompt's text: a trial's judges throw on it.</summary>
    public const string Throws = "[[trial-throws]]";

    /// <inheritdoc />
    public Task<TrialOutcome> RunAsync(TrialWork work, CampaignWorkspace workspace, Action<double> progress, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(workspace);
        return inner.RunAsync(work, workspace.WithJudges([.. workspace.Judges.Select(j => new ThrowingJudge(j))]), progress, cancellationToken);
    }

    private sealed class ThrowingJudge(IResponseJudge inner) : IResponseJudge
    {
        public string Name => inner.Name;

        public string Version => inner.Version;

        public JudgeVerdict Judge(string prompt, string response) =>
            prompt.Contains(Throws, StringComparison.Ordinal)
                ? throw new InvalidOperationException("the model worker cannot judge this prompt (injected)")
                : inner.Judge(prompt, response);
    }
}
