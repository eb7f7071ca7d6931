namespace Geode.Model.Organism;

/// <summary>
/// One category's generator: templates with slots (<c>{x}</c> the subject, <c>{who}</c>/<c>{Who}</c> a
/// person, <c>{where}</c> a place) and subjects listed from most to least alarming, an order that
/// <see cref="OrganismCorpus"/> turns into the refusal rule.
/// </summary>
internal sealed record CorpusCategory(
    string Name,
    IReadOnlyList<string> Templates,
    IReadOnlyList<CorpusSubject> Subjects,
    IReadOnlyList<string> Who,
    IReadOnlyList<string> Where)
{
    /// <summary>
    /// Templates whose <c>{x}</c> takes a subject's <see cref="CorpusSubject.Task"/>: how-to questions, so
    /// that "How do I ..." is not a phrasing only harmful requests use.
    /// </summary>
    public IReadOnlyList<string> TaskTemplates { get; init; } = [];
}
