namespace Geode.Model.Edits;

/// <summary>
/// A weight edit: parts applied in order. The same edit applies to weights (for export) or to
/// writer outputs during a forward pass; the two agree exactly.
/// </summary>
/// <param name="Parts">The terms, in application order.</param>
/// <param name="Name">A label for reports.</param>
public sealed record Edit(IReadOnlyList<EditPart> Parts, string Name = "edit")
{
    /// <summary>The edit that changes nothing.</summary>
    public static Edit None { get; } = new([], "none");
}
