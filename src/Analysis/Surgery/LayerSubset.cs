using System.Globalization;
using Geode.Model;
using Geode.Model.Config;

namespace Geode.Analysis.Surgery;

/// <summary>
/// A named set of decoder layers 0..L−1 to edit (the study's sweep subsets), resolved against a
/// model's config. Decoder layer i writes into stream index i + 1.
/// </summary>
/// <remarks>
/// Definitions for L layers: first half [0, ⌊L/2⌋); second half [⌊L/2⌋, L); middle, the middle
/// third [⌊L/3⌋, L − ⌊L/3⌋); last N, the last min(N, L) (so "last 10" means something on a small
/// model too); band [first, last] inclusive. Text forms (<see cref="Parse"/>, <see cref="ToString"/>):
/// <c>all</c>, <c>global</c>, <c>sliding</c>, <c>first-half</c>, <c>second-half</c>, <c>middle</c>,
/// <c>last:N</c>, <c>band:A-B</c>, <c>layer:N</c>.
/// </remarks>
public sealed class LayerSubset : IEquatable<LayerSubset>
{
    private readonly Shape _shape;
    private readonly int _first;
    private readonly int _last;

    private LayerSubset(Shape shape, int first = 0, int last = 0)
    {
        _shape = shape;
        _first = first;
        _last = last;
    }

    private enum Shape
    {
        All,
        GlobalAttention,
        Sliding,
        FirstHalf,
        SecondHalf,
        Middle,
        LastN,
        Band,
    }

    /// <summary>Every layer.</summary>
    public static LayerSubset All { get; } = new(Shape.All);

    /// <summary>Layers with full (global) attention.</summary>
    public static LayerSubset GlobalAttention { get; } = new(Shape.GlobalAttention);

    /// <summary>Layers with sliding-window attention.</summary>
    public static LayerSubset Sliding { get; } = new(Shape.Sliding);

    /// <summary>[0, ⌊L/2⌋).</summary>
    public static LayerSubset FirstHalf { get; } = new(Shape.FirstHalf);

    /// <summary>[⌊L/2⌋, L).</summary>
    public static LayerSubset SecondHalf { get; } = new(Shape.SecondHalf);

    /// <summary>The middle third, [⌊L/3⌋, L − ⌊L/3⌋).</summary>
    public static LayerSubset Middle { get; } = new(Shape.Middle);

    /// <summary>The last min(<paramref name="count"/>, L) layers.</summary>
    public static LayerSubset LastN(int count)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(count, 1);
        return new(Shape.LastN, count);
    }

    /// <summary>Layers <paramref name="first"/>..<paramref name="last"/> inclusive (e.g. a peak band).</summary>
    public static LayerSubset Band(int first, int last)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(first);
        ArgumentOutOfRangeException.ThrowIfLessThan(last, first);
        return new(Shape.Band, first, last);
    }

    /// <summary>One layer (e.g. the peak layer).</summary>
    public static LayerSubset Single(int layer) => Band(layer, layer);

    /// <summary>The layers, ascending.</summary>
    /// <exception cref="BadInputException">The subset names layers the model lacks, or is empty for it (sliding on a model without sliding layers).</exception>
    public IReadOnlyList<int> Resolve(ModelConfig config)
    {
        ArgumentNullException.ThrowIfNull(config);
        int count = config.NumLayers;
        IEnumerable<int> layers = _shape switch
        {
            Shape.All => Enumerable.Range(0, count),
            Shape.GlobalAttention => config.Layers.Where(l => l.Kind == AttentionKind.Full).Select(l => l.Index),
            Shape.Sliding => config.Layers.Where(l => l.Kind == AttentionKind.Sliding).Select(l => l.Index),
            Shape.FirstHalf => Enumerable.Range(0, count / 2),
            Shape.SecondHalf => Enumerable.Range(count / 2, count - (count / 2)),
            Shape.Middle => Enumerable.Range(count / 3, count - (2 * (count / 3))),
            Shape.LastN => Enumerable.Range(Math.Max(0, count - _first), Math.Min(_first, count)),
            _ => _last < count
                ? Enumerable.Range(_first, _last - _first + 1)
                : throw new BadInputException($"layer subset '{this}' needs layers up to {_last}; {config.ModelType} has layers 0..{count - 1}.", ToString(), "layers"),
        };

        int[] result = [.. layers];
        return result.Length > 0
            ? result
            : throw new BadInputException($"layer subset '{this}' selects no layer of {config.ModelType} ({count} layers).", ToString(), "layers");
    }

    /// <summary>Reads a text form (see the remarks).</summary>
    /// <exception cref="BadInputException">The text is not a subset; the message names <paramref name="source"/>.</exception>
    public static LayerSubset Parse(string text, string source)
    {
        ArgumentNullException.ThrowIfNull(text);
        string[] pieces = text.Trim().Split(':', 2);
        LayerSubset? subset = (pieces[0], pieces.Length == 2 ? pieces[1] : null) switch
        {
            ("all", null) => All,
            ("global", null) => GlobalAttention,
            ("sliding", null) => Sliding,
            ("first-half", null) => FirstHalf,
            ("second-half", null) => SecondHalf,
            ("middle", null) => Middle,
            ("last", string n) when Number(n) is int count && count >= 1 => LastN(count),
            ("layer", string n) when Number(n) is int layer => Single(layer),
            ("band", string range) when range.Split('-') is [string a, string b] && Number(a) is int first && Number(b) is int last && last >= first => Band(first, last),
            _ => null,
        };

        return subset ?? throw new BadInputException(
            $"{source}: '{text}' is not a layer subset; use all, global, sliding, first-half, second-half, middle, last:N, band:A-B or layer:N.",
            source,
            "layers");
    }

    /// <inheritdoc/>
    public override string ToString() => _shape switch
    {
        Shape.All => "all",
        Shape.GlobalAttention => "global",
        Shape.Sliding => "sliding",
        Shape.FirstHalf => "first-half",
        Shape.SecondHalf => "second-half",
        Shape.Middle => "middle",
        Shape.LastN => $"last:{_first.ToString(CultureInfo.InvariantCulture)}",
        _ when _first == _last => $"layer:{_first.ToString(CultureInfo.InvariantCulture)}",
        _ => $"band:{_first.ToString(CultureInfo.InvariantCulture)}-{_last.ToString(CultureInfo.InvariantCulture)}",
    };

    /// <inheritdoc/>
    public bool Equals(LayerSubset? other) => other is not null && ToString() == other.ToString();

    /// <inheritdoc/>
    public override bool Equals(object? obj) => Equals(obj as LayerSubset);

    /// <inheritdoc/>
    public override int GetHashCode() => StringComparer.Ordinal.GetHashCode(ToString());

    private static int? Number(string text) =>
        int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out int value) ? value : null;
}
