using Geode.Model;

namespace Geode.Analysis.Maps;

/// <summary>UMAP's parameters; the defaults are the reference implementation's, with 200 epochs (small N).</summary>
public sealed record UmapOptions
{
    /// <summary>The default parameters.</summary>
    public static UmapOptions Default { get; } = new();

    /// <summary>n_neighbors: the neighbourhood size, counting the point itself (so each point links to n − 1 others). Larger values keep more global structure.</summary>
    public int Neighbours { get; init; } = 15;

    /// <summary>min_dist: how close points may sit in the map; below it the target similarity is 1.</summary>
    public double MinDist { get; init; } = 0.1;

    /// <summary>spread: the scale over which the target similarity decays beyond <see cref="MinDist"/>.</summary>
    public double Spread { get; init; } = 1.0;

    /// <summary>n_epochs: rounds of stochastic gradient descent; the strongest edge is sampled once per epoch.</summary>
    public int Epochs { get; init; } = 200;

    /// <summary>The seed of the negative sampling; the same seed and input give bit-identical coordinates.</summary>
    public int Seed { get; init; }

    /// <summary>The map's dimension (2 for a plot).</summary>
    public int Dimensions { get; init; } = 2;

    /// <summary>The initial SGD step size α₀; it decays linearly to 0 over the epochs.</summary>
    public double LearningRate { get; init; } = 1.0;

    /// <summary>Random non-neighbours pushed away per attractive update.</summary>
    public int NegativeSampleRate { get; init; } = 5;

    /// <summary>Throws <see cref="BadInputException"/> naming the first parameter out of range.</summary>
    internal void Validate()
    {
        Require(Neighbours >= 2, "n_neighbors", $"must be at least 2 (the point and one neighbour); got {Neighbours}.");
        Require(Epochs >= 1, "n_epochs", $"must be at least 1; got {Epochs}.");
        Require(Dimensions >= 1, "dimensions", $"must be at least 1; got {Dimensions}.");
        Require(LearningRate > 0 && double.IsFinite(LearningRate), "learning_rate", $"must be positive; got {LearningRate}.");
        Require(NegativeSampleRate >= 0, "negative_sample_rate", $"must be 0 or more; got {NegativeSampleRate}.");
    }

    private static void Require(bool condition, string field, string message)
    {
        if (!condition)
        {
            throw new BadInputException($"UMAP {field} {message}", field: field);
        }
    }
}
