using System.Text.Json;
using Tokenizers.DotNet;

namespace Geode.Model.Text;

/// <summary>
/// A Hugging Face tokenizer loaded from its <c>tokenizer.json</c>, run by the Rust tokenizers engine
/// (package Tokenizers.DotNet), so ids match Python's <c>tokenizer(text)</c> exactly. Special tokens
/// written literally in the text (<c>&lt;start_of_turn&gt;</c>, <c>&lt;bos&gt;</c>) become their single
/// ids, which is what a rendered chat template needs.
/// </summary>
/// <remarks>
/// The engine's wrapper can only encode with <c>add_special_tokens=true</c> and decode with
/// <c>skip_special_tokens=true</c>. Geode therefore runs it on a rewritten copy of the file (see
/// <see cref="TokenizerJson.WriteVerbatimCopy"/>) for the default, verbatim behaviour, drops special
/// ids itself when asked to skip them, and loads the file as is, on first use, only when asked to
/// add special tokens.
/// </remarks>
public sealed class TextTokenizer : IDisposable
{
    private readonly string _path;
    private readonly Tokenizer _verbatim;
    private readonly Lazy<Tokenizer> _addingSpecialTokens;
    private readonly TokenizerVocabulary _vocabulary;
    private bool _disposed;

    private TextTokenizer(string path, Tokenizer verbatim, TokenizerVocabulary vocabulary)
    {
        _path = path;
        _verbatim = verbatim;
        _vocabulary = vocabulary;
        _addingSpecialTokens = new Lazy<Tokenizer>(() => Open(_path, _path), LazyThreadSafetyMode.ExecutionAndPublication);
    }

    /// <summary>
    /// One more than the largest id the file defines, counting the model's vocabulary and the added
    /// tokens: the number of rows an embedding table needs to embed every id this tokenizer emits.
    /// </summary>
    public int VocabSize => _vocabulary.Size;

    /// <summary>Loads a tokenizer from a Hugging Face <c>tokenizer.json</c>.</summary>
    /// <param name="tokenizerJsonPath">The file.</param>
    /// <exception cref="BadInputException">The file is missing, unreadable, not JSON, or not a tokenizer the engine can load.</exception>
    public static TextTokenizer Load(string tokenizerJsonPath)
    {
        ArgumentNullException.ThrowIfNull(tokenizerJsonPath);
        string path = Path.GetFullPath(tokenizerJsonPath);
        if (!File.Exists(path))
        {
            throw new BadInputException($"{tokenizerJsonPath}: no such file; a Hugging Face tokenizer.json is needed.", tokenizerJsonPath);
        }

        string copy = Path.Combine(Path.GetTempPath(), $"geode-tokenizer-{Guid.NewGuid():N}.json");
        try
        {
            TokenizerVocabulary vocabulary;
            using (JsonDocument document = Parse(path, tokenizerJsonPath))
            {
                if (JsonStrings.FindUnreadable(document.RootElement) is { } unreadable)
                {
                    throw new BadInputException(
                        $"{tokenizerJsonPath}: cannot be read as text at {unreadable}; a Hugging Face tokenizer.json is needed.",
                        tokenizerJsonPath,
                        unreadable.Path);
                }

                vocabulary = TokenizerJson.ReadVocabulary(document.RootElement, tokenizerJsonPath);
                using FileStream output = File.Create(copy);
                TokenizerJson.WriteVerbatimCopy(document.RootElement, output);
            }

            return new TextTokenizer(path, Open(copy, tokenizerJsonPath), vocabulary);
        }
        finally
        {
            // The engine has read the whole copy by now.
            File.Delete(copy);
        }
    }

    /// <summary>Splits text into token ids.</summary>
    /// <param name="text">The text; special tokens written in it literally become their ids.</param>
    /// <param name="addSpecialTokens">
    /// Whether to add what the file's post-processor adds (for Gemma, a leading <c>&lt;bos&gt;</c>).
    /// Leave it false for text rendered by a chat template, which carries its own <c>&lt;bos&gt;</c>.
    /// </param>
    /// <exception cref="ArgumentException">The engine cannot encode the text (e.g. it holds a lone surrogate).</exception>
    public int[] Encode(string text, bool addSpecialTokens = false)
    {
        ArgumentNullException.ThrowIfNull(text);
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (text.Length == 0 && !addSpecialTokens)
        {
            return [];
        }

        Tokenizer engine = addSpecialTokens ? _addingSpecialTokens.Value : _verbatim;
        uint[] ids;
        try
        {
            ids = engine.Encode(text);
        }
        catch (TokenizerException error)
        {
            throw new ArgumentException($"The tokenizer {_path} cannot encode this text: {error.Message}", nameof(text), error);
        }

        return Array.ConvertAll(ids, id => checked((int)id));
    }

    /// <summary>Turns token ids back into text.</summary>
    /// <param name="ids">Ids in <c>[0, VocabSize)</c>.</param>
    /// <param name="skipSpecialTokens">Whether to drop the added tokens the file flags <c>special</c> (<c>&lt;bos&gt;</c>, <c>&lt;start_of_turn&gt;</c>, ...).</param>
    /// <exception cref="ArgumentOutOfRangeException">An id is negative or not below <see cref="VocabSize"/>.</exception>
    public string Decode(IReadOnlyList<int> ids, bool skipSpecialTokens = false)
    {
        ArgumentNullException.ThrowIfNull(ids);
        ObjectDisposedException.ThrowIf(_disposed, this);
        var kept = new List<uint>(ids.Count);
        for (int i = 0; i < ids.Count; i++)
        {
            int id = ids[i];
            if (id < 0 || id >= VocabSize)
            {
                // The engine would silently drop it; a wrong id is a bug worth seeing.
                throw new ArgumentOutOfRangeException(nameof(ids), id, $"Token id {id} at position {i} is outside the vocabulary [0, {VocabSize}) of {_path}.");
            }

            if (!skipSpecialTokens || !_vocabulary.SpecialIds.Contains(id))
            {
                kept.Add((uint)id);
            }
        }

        if (kept.Count == 0)
        {
            return string.Empty;
        }

        try
        {
            return _verbatim.Decode([.. kept]);
        }
        catch (TokenizerException error)
        {
            throw new InvalidOperationException($"The tokenizer {_path} cannot decode these ids: {error.Message}", error);
        }
    }

    /// <summary>The id of one token exactly as the vocabulary spells it (e.g. <c>▁Hello</c>, <c>&lt;start_of_turn&gt;</c>), or null if it has none.</summary>
    public int? TokenToId(string token)
    {
        ArgumentNullException.ThrowIfNull(token);
        return _vocabulary.Ids.TryGetValue(token, out int id) ? id : null;
    }

    /// <summary>Frees the native tokenizers.</summary>
    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        _verbatim.Dispose();
        if (_addingSpecialTokens.IsValueCreated)
        {
            _addingSpecialTokens.Value.Dispose();
        }
    }

    private static JsonDocument Parse(string path, string shownPath)
    {
        try
        {
            using FileStream input = File.OpenRead(path);
            return JsonDocument.Parse(input);
        }
        catch (JsonException error)
        {
            throw new BadInputException($"{shownPath}: not valid JSON ({error.Message}); a Hugging Face tokenizer.json is needed.", shownPath, inner: error);
        }
        catch (Exception error) when (error is IOException or UnauthorizedAccessException)
        {
            throw new BadInputException($"{shownPath}: cannot be read ({error.Message}).", shownPath, inner: error);
        }
    }

    private static Tokenizer Open(string file, string shownPath)
    {
        try
        {
            return new Tokenizer(file);
        }
        catch (TokenizerException error)
        {
            throw new BadInputException($"{shownPath}: the Hugging Face tokenizers engine cannot load it ({error.Message}).", shownPath, inner: error);
        }
    }
}
