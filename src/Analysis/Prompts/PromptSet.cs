using Geode.Model;

namespace Geode.Analysis.Prompts;

/// <summary>
/// A checked, immutable set of prompts: unique ids, non-empty prompts, known labels. Its
/// <see cref="ContentHash"/> identifies the content, so every result can name the prompts it was
/// measured on.
/// </summary>
public sealed class PromptSet
{
    /// <summary>The name of the benchmark shipped inside Geode (<c>benchmarks/geode-refusal-v1.json</c>).</summary>
    public const string BuiltinName = "geode-refusal-v1";

    private const string BuiltinResource = "Geode.Analysis.Prompts.geode-refusal-v1.json";

    private static readonly Lazy<PromptSet> _builtin = new(LoadBuiltin);

    private readonly Lazy<Dictionary<string, int>> _indexById;

    private PromptSet(string source, IReadOnlyList<PromptRecord> records)
    {
        Source = source;
        Records = records;
        _indexById = new(() => records.Select((r, i) => (r.Id, i)).ToDictionary(x => x.Id, x => x.i, StringComparer.Ordinal));
        Categories = [.. records.Select(r => r.Category).Distinct(StringComparer.Ordinal)];
        ContentHash = PromptSetHash.Compute(records);
    }

    /// <summary>Where the set came from: a file path, a caller's name, or the built-in benchmark's name.</summary>
    public string Source { get; }

    /// <summary>The records in file order.</summary>
    public IReadOnlyList<PromptRecord> Records { get; }

    /// <summary>The distinct categories in order of first appearance.</summary>
    public IReadOnlyList<string> Categories { get; }

    /// <summary>
    /// SHA-256 (lower-case hex) of a canonical serialisation of the records: independent of file
    /// format, key order, whitespace and record order; changed by any change to the content.
    /// </summary>
    public string ContentHash { get; }

    /// <summary>The index of the record with id <paramref name="id"/> (ids are unique in a set).</summary>
    /// <exception cref="KeyNotFoundException">No record has that id.</exception>
    public int IndexOf(string id) => _indexById.Value.TryGetValue(id, out int index)
        ? index
        : throw new KeyNotFoundException($"{Source}: no prompt has id '{id}'.");

    /// <summary>Geode's built-in benchmark, read from the resource embedded in this assembly.</summary>
    public static PromptSet Builtin() => _builtin.Value;

    /// <summary>The records that satisfy <paramref name="keep"/>, in order (a category, a smoke subset...).</summary>
    /// <param name="keep">Which records to keep.</param>
    /// <param name="label">Appended to <see cref="Source"/> to say what was kept.</param>
    public PromptSet Where(Func<PromptRecord, bool> keep, string label) =>
        new($"{Source} ({label})", [.. Records.Where(keep)]);

    /// <summary>Reads a prompt-set file.</summary>
    /// <param name="path">A <c>.json</c>, <c>.jsonl</c> or <c>.csv</c> file, or any name with <see cref="PromptSetOptions.Format"/> set.</param>
    /// <param name="options">Field mapping, category whitelist and format; null for the defaults.</param>
    /// <exception cref="BadInputException">The file is missing, malformed, or a record is invalid; the message names the file and line or record.</exception>
    public static PromptSet Load(string path, PromptSetOptions? options = null)
    {
        options ??= PromptSetOptions.Default;
        PromptSetFormat format = options.Format ?? FormatOf(path);
        if (!File.Exists(path))
        {
            throw new BadInputException($"{path}: no such prompt-set file.", path);
        }

        string text;
        try
        {
            text = File.ReadAllText(path);
        }
        catch (Exception error) when (error is IOException or UnauthorizedAccessException)
        {
            throw new BadInputException($"{path}: cannot be read: {error.Message}", path, inner: error);
        }

        return Parse(text, format, path, options);
    }

    /// <summary>Reads a prompt set from text already in memory.</summary>
    /// <param name="text">The file's content.</param>
    /// <param name="format">How it is written.</param>
    /// <param name="source">The name errors and <see cref="Source"/> use, usually a file path.</param>
    /// <param name="options">Field mapping and category whitelist; null for the defaults.</param>
    /// <exception cref="BadInputException">The text is malformed or a record is invalid.</exception>
    public static PromptSet Parse(string text, PromptSetFormat format, string source, PromptSetOptions? options = null)
    {
        options ??= PromptSetOptions.Default;
        List<RawRecord> raws = format switch
        {
            PromptSetFormat.Json => JsonPromptReader.ReadJson(text, source),
            PromptSetFormat.Jsonl => JsonPromptReader.ReadJsonl(text, source),
            PromptSetFormat.Csv => CsvPromptReader.Read(text, source, options.Mapping),
            _ => throw new ArgumentOutOfRangeException(nameof(format), format, null),
        };
        return new PromptSet(source, PromptRecordBuilder.Build(raws, source, options));
    }

    /// <summary>The label files use for <paramref name="expected"/>.</summary>
    internal static string Label(ExpectedBehavior expected) => expected switch
    {
        ExpectedBehavior.Comply => "comply",
        ExpectedBehavior.Refuse => "refuse",
        _ => throw new ArgumentOutOfRangeException(nameof(expected), expected, null),
    };

    private static PromptSetFormat FormatOf(string path) => Path.GetExtension(path).ToLowerInvariant() switch
    {
        ".json" => PromptSetFormat.Json,
        ".jsonl" => PromptSetFormat.Jsonl,
        ".csv" => PromptSetFormat.Csv,
        string other => throw new BadInputException(
            $"{path}: cannot tell the prompt-set format from the extension \"{other}\"; use .json, .jsonl or .csv, or name the format.", path),
    };

    private static PromptSet LoadBuiltin()
    {
        // Embedded rather than located on disk so an installed CLI needs no repository beside it.
        using Stream stream = typeof(PromptSet).Assembly.GetManifestResourceStream(BuiltinResource)
            ?? throw new InvalidOperationException($"The resource {BuiltinResource} is missing from {typeof(PromptSet).Assembly.GetName().Name}.");
        using StreamReader reader = new(stream);
        return Parse(reader.ReadToEnd(), PromptSetFormat.Json, BuiltinName);
    }
}
