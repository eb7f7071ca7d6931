using Geode.Model;
using YamlDotNet.Core;
using YamlDotNet.Core.Events;

namespace Geode.Campaigns;

/// <summary>
/// A YAML parser that refuses, event by event and so before YamlDotNet builds the nodes, the two
/// things that make loading a small campaign file unbounded:
/// <list type="bullet">
/// <item>Aliases (<c>*name</c>). YamlDotNet's representation model shares the anchored node, so a
/// "billion laughs" of nested aliases costs nothing to parse, but anything that walks the nodes
/// expands it, and YamlDotNet itself does when an alias is a mapping key (hashing a ten-level bomb
/// took 7 s, one more level 70 s), and an alias inside its own anchor (<c>&amp;a [*a]</c>) used as
/// a key overflowed the stack, which kills the process. Capping visited nodes in
/// <see cref="CampaignNode"/> would not help, since the expansion happens inside YamlDotNet while
/// loading, so aliases are refused outright: campaign files are short and hand-written, and
/// repeating a value costs a line.</item>
/// <item>Nesting deeper than <see cref="MaxDepth"/>. The representation model builds nested
/// collections recursively; 100,000 nested <c>[</c> overflowed the stack. A campaign file nests
/// six levels at most; the limit matches System.Text.Json's default.</item>
/// </list>
/// </summary>
internal sealed class BoundedYamlParser(string text, string file) : IParser
{
    /// <summary>The deepest nesting of mappings and sequences accepted.</summary>
    public const int MaxDepth = 64;

    private readonly Parser _inner = new(new StringReader(text));
    private int _depth;

    /// <inheritdoc/>
    public ParsingEvent? Current => _inner.Current;

    /// <inheritdoc/>
    public bool MoveNext()
    {
        if (!_inner.MoveNext())
        {
            return false;
        }

        switch (_inner.Current)
        {
            case AnchorAlias alias:
                throw Refuse(alias, $"the alias *{alias.Value} is not allowed in a campaign file; write the value out instead (aliases can expand exponentially)");
            case MappingStart or SequenceStart when ++_depth > MaxDepth:
                throw Refuse(_inner.Current, $"mappings and lists nest more than {MaxDepth} levels deep here; a campaign file needs six at most");
            case MappingEnd or SequenceEnd:
                _depth--;
                break;
        }

        return true;
    }

    private BadInputException Refuse(ParsingEvent at, string problem) =>
        new($"{file}:{at.Start.Line}: not a valid campaign file: {problem}.", file);
}
