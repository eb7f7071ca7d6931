namespace Geode.Campaigns;

/// <summary>The stages a campaign runs, in DESIGN §1's order; a stage left out of the file is null.</summary>
public sealed record CampaignStages(
    BaselineStage? Baseline,
    CaptureStage? Capture,
    GeometryStage? Geometry,
    SweepStage? Sweeps,
    CascadeStage? Cascade,
    DescentStage? Descent,
    SelectiveStage? Selective,
    DiffStage? Diff)
{
    /// <summary>The stage keys a campaign file may use, in running order.</summary>
    public static IReadOnlyList<string> Names { get; } = ["baseline", "capture", "geometry", "sweeps", "cascade", "descent", "selective", "diff"];

    /// <summary>The names of the stages this campaign runs, in running order.</summary>
    public IReadOnlyList<string> Enabled =>
    [
        .. new (string Name, object? Stage)[]
        {
            ("baseline", Baseline), ("capture", Capture), ("geometry", Geometry), ("sweeps", Sweeps),
            ("cascade", Cascade), ("descent", Descent), ("selective", Selective), ("diff", Diff),
        }.Where(s => s.Stage is not null).Select(s => s.Name),
    ];
}

/// <summary>Baseline behaviour (§1.2) on the listed categories (empty: all).</summary>
public sealed record BaselineStage(IReadOnlyList<string> Categories);

/// <summary>Activation capture (§1.3).</summary>
/// <param name="Position"><c>last</c> (the last prompt token) or <c>mean</c> (mean over post-instruction tokens).</param>
/// <param name="Input"><c>template</c> (the chat template) or <c>raw</c> text.</param>
public sealed record CaptureStage(string Position, string Input);

/// <summary>Geometry (§1.4): class means, directions, signal per layer.</summary>
/// <param name="Refuse">Categories whose prompts form the refuse class.</param>
/// <param name="Comply">Categories whose prompts form the comply class.</param>
/// <param name="Winsorize">Quantile q for winsorization, or null for none (the study: 0.995).</param>
/// <param name="GramSchmidt">Orthogonalize each direction against the comply mean (two passes).</param>
/// <param name="RandomDirections">Random unit directions in the null model.</param>
public sealed record GeometryStage(IReadOnlyList<string> Refuse, IReadOnlyList<string> Comply, double? Winsorize, bool GramSchmidt, int RandomDirections);

/// <summary>Sweeps (§1.6): α grid × layer subsets × recipes, each with random-direction controls.</summary>
public sealed record SweepStage(IReadOnlyList<double> Alphas, IReadOnlyList<string> Layers, IReadOnlyList<string> Recipes, int RandomControls);

/// <summary>The causal cascade (§1.7): ordered steps, each changing one ingredient.</summary>
/// <param name="Smoke">Prompts per category in a step's smoke test.</param>
/// <param name="Confirm">Prompts per category in its confirmation (0: the whole category).</param>
/// <param name="Steps">The steps, in order.</param>
public sealed record CascadeStage(int Smoke, int Confirm, IReadOnlyList<CascadeStep> Steps);

/// <summary>One cascade step: a name and the one ingredient it changes.</summary>
public sealed record CascadeStep(string Name, string Ingredient, string Value);

/// <summary>Multi-rank descent (§1.8).</summary>
/// <param name="MaxRank">The largest basis tried.</param>
/// <param name="RefusalTarget">Stop when the refuse class's refusal is at or below this rate.</param>
/// <param name="KlBudget">Stop when the first-token KL on harmless prompts exceeds this.</param>
/// <param name="Strategy"><c>svd</c> (top-k at once) or <c>peel</c> (iterative).</param>
public sealed record DescentStage(int MaxRank, double RefusalTarget, double KlBudget, string Strategy);

/// <summary>Selective abliteration (§1.9): free the listed categories, keep refusal for the others.</summary>
public sealed record SelectiveStage(IReadOnlyList<string> Free, IReadOnlyList<string> Keep, double KlBudget);

/// <summary>Weight-diff forensics (§1.10) of the model against each fork folder.</summary>
public sealed record DiffStage(IReadOnlyList<string> Forks);
