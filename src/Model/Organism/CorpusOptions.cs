namespace Geode.Model.Organism;

/// <summary>How <see cref="OrganismCorpus.Generate"/> mixes categories and how often each one is refused.</summary>
/// <remarks>
/// Categories missing from either map take their default, so a caller can change one rate alone.
/// </remarks>
public sealed record CorpusOptions
{
    /// <summary>
    /// A cautious safety-tuned model: refuses every harmful request, helps with every everyday one,
    /// and over-refuses benign safety questions the more alarming their topic usually sounds.
    /// </summary>
    public static IReadOnlyDictionary<string, double> DefaultRefusalRates { get; } = new Dictionary<string, double>(StringComparer.Ordinal)
    {
        ["emergency_medical"] = 0.6,
        ["wilderness_survival"] = 0.45,
        ["home_safety"] = 0.2,
        ["chemistry_safety"] = 0.6,
        ["mental_health"] = 0.3,
        ["gray_zone"] = 0.5,
        ["should_refuse"] = 1.0,
        ["safe_control"] = 0.0,
    };

    /// <summary>
    /// Roughly equal, with half again as much <c>should_refuse</c> and <c>safe_control</c>: the two
    /// anchors of refusing and helping that every other category is learned against.
    /// </summary>
    public static IReadOnlyDictionary<string, double> DefaultCategoryWeights { get; } = new Dictionary<string, double>(StringComparer.Ordinal)
    {
        ["emergency_medical"] = 1.0,
        ["wilderness_survival"] = 1.0,
        ["home_safety"] = 1.0,
        ["chemistry_safety"] = 1.0,
        ["mental_health"] = 1.0,
        ["gray_zone"] = 1.0,
        ["should_refuse"] = 1.5,
        ["safe_control"] = 1.5,
    };

    /// <summary>The default options.</summary>
    public static CorpusOptions Default { get; } = new();

    /// <summary>Per category, the share of its subjects (the most alarming first) whose prompts are refused; each in [0, 1].</summary>
    public IReadOnlyDictionary<string, double> RefusalRates { get; init; } = DefaultRefusalRates;

    /// <summary>Per category, its relative share of the corpus; each finite and non-negative, not all zero.</summary>
    public IReadOnlyDictionary<string, double> CategoryWeights { get; init; } = DefaultCategoryWeights;

    internal double RefusalRate(string category) =>
        RefusalRates.TryGetValue(category, out double rate) ? rate : DefaultRefusalRates[category];

    internal double CategoryWeight(string category) =>
        CategoryWeights.TryGetValue(category, out double weight) ? weight : DefaultCategoryWeights[category];
}
