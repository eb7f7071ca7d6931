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
/// <item>More than <see cref="MaxNodes"/> values. YamlDotNet allocates about 0.8 KB per value
/// (token, marks, event, node), a hundred times the text of a short key, so the count, not the
/// file's size, is what bounds the memory a file can make it use.</item>
/// </list>
/// </summary>
internal sealed class BoundedYamlParser(string text, string file) : IParser
{
    /// <summary>The deepest nesting of mappings and sequences accepted.</summary>
    public const int MaxDepth = 64;

    /// <summary>
    /// The most values (scalars, mappings and lists) accepted: a campaign file has about a hundred,
    /// and 10,000 keep YamlDotNet's allocations for the nodes under 10 MB.
    /// </summary>
    public const int MaxNodes = 10_000;

    private readonly Parser _inner = new(new StringReader(text));
    private int _depth;
    private int _nodes;

    /// <inheritdoc/>
    public ParsingEvent? Current => _inner.Current;

    /// <summary>The line of the last event read, for errors the YAML reader reports without one.</summary>
    public long Line { get; private set; } = 1;

    /// <inheritdoc/>
    public bool MoveNext()
    {
        if (!_inner.MoveNext())
        {
            return false;
        }

        Line = _inner.Current!.Start.Line;
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

        if (_inner.Current is NodeEvent && ++_nodes > MaxNodes)
        {
            throw Refuse(_inner.Current, $"the file holds more than {MaxNodes} values by here; a campaign file needs a few hundred at most");
        }

        return true;
    }

    private BadInputException Refuse(ParsingEvent at, string problem) =>
        new($"{file}:{at.Start.Line}: not a valid campaign file: {problem}.", file);
}
