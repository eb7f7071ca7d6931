namespace Geode.Analysis.Statistics;

/// <summary>What a group of prompts shares: an expected behaviour (class) or a category.</summary>
public enum GroupKind
{
    /// <summary>The expected behaviour: <c>refuse</c> or <c>comply</c>.</summary>
    Class,

    /// <summary>The prompt's category, e.g. <c>should_refuse</c>, <c>safe_control</c>.</summary>
    Category,
}

/// <summary>The name of one group of prompts whose activations are pooled.</summary>
/// <param name="Kind">Class or category.</param>
/// <param name="Name">The class or category name, as in the prompt set.</param>
public readonly record struct GroupKey(GroupKind Kind, string Name)
{
    /// <summary>The expected-refuse class.</summary>
    public static GroupKey Refuse { get; } = new(GroupKind.Class, "refuse");

    /// <summary>The expected-comply class.</summary>
    public static GroupKey Comply { get; } = new(GroupKind.Class, "comply");

    /// <summary>The group of one category.</summary>
    public static GroupKey Category(string name) => new(GroupKind.Category, name);

    /// <inheritdoc/>
    public override string ToString() => $"{(Kind == GroupKind.Class ? "class" : "category")}:{Name}";
}
