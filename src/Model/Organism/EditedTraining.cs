using Geode.Model.Edits;

namespace Geode.Model.Organism;

/// <summary>
/// A share of training rows that run with an edit applied to the writers' outputs and learn a
/// different target there: how the organism learns that its refusals depend on one direction.
/// </summary>
/// <param name="Edit">The edit those rows run with.</param>
/// <param name="Examples">Per training example (same index), what to learn when the edit is applied.</param>
/// <param name="Share">The probability that a drawn row is trained edited; in [0, 1].</param>
public sealed record EditedTraining(Edit Edit, IReadOnlyList<TrainingExample> Examples, double Share);
