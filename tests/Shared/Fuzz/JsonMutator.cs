using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Geode.Tests.Fuzz;

/// <summary>
/// Structure-aware mutations of a valid JSON document: a value replaced by a hostile one
/// (<see cref="HostileJson"/>), an entry removed, a key renamed, duplicated or added, an array
/// element repeated, a value wrapped in deep nesting, two values swapped. The result stays close
/// enough to the original that the reader's deeper checks run, not just its syntax check.
/// </summary>
internal static class JsonMutator
{
    /// <summary>
    /// A placeholder value that <see cref="Render"/> swaps for raw text: how a document gets
    /// tokens no .NET value can produce (unpaired surrogate escapes, 1e999, deep nesting).
    /// </summary>
    public const string ValueMarker = "@@fuzz-value@@";

    /// <summary>A placeholder key that <see cref="Render"/> swaps for a raw key: how a document gets duplicate keys.</summary>
    public const string KeyMarker = "@@fuzz-key@@";

    private static readonly JsonSerializerOptions Compact = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };
    private static readonly JsonSerializerOptions Indented = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping, WriteIndented = true };

    /// <summary>One random structural mutation of <paramref name="json"/>.</summary>
    /// <param name="json">A valid JSON document.</param>
    /// <param name="random">The case's random source.</param>
    /// <param name="name">The base file's name, for the description.</param>
    /// <param name="knownKeys">Keys the reader looks for; added or renamed to, so mutations reach its field checks.</param>
    public static FuzzInput Mutate(string json, Random random, string name, IReadOnlyList<string> knownKeys)
    {
        JsonNode root = JsonNode.Parse(json)!;
        List<Slot> slots = Slots(root, "$");
        Slot slot = slots[random.Next(slots.Count)];
        if (slot.Parent is null)
        {
            string whole = random.Next(2) == 0
                ? HostileJson.Value(random)
                : HostileJson.Nested(random, HostileJson.Depths[random.Next(HostileJson.Depths.Count)]);
            return new(System.Text.Encoding.UTF8.GetBytes(whole), $"{name}: the whole document replaced by {Show(whole)}");
        }

        string raw = string.Empty;
        string? rawKey = null;
        string what;

        // Half the cases aim at a leaf of the same kind, since a number's range or a string's
        // spelling is what most field checks are about; the rest change structure.
        if (random.Next(2) == 0 && Leaf(slots, random) is { } leaf)
        {
            raw = (leaf.Node?.GetValueKind() ?? JsonValueKind.Null) switch
            {
                JsonValueKind.Number => HostileJson.Pick(random, HostileJson.Numbers),
                JsonValueKind.String => random.Next(3) == 0 ? Quote(HostileJson.Pick(random, knownKeys)) : HostileJson.Pick(random, HostileJson.Strings),
                _ => HostileJson.Value(random),
            };
            Set(leaf, JsonValue.Create(ValueMarker));
            return new(System.Text.Encoding.UTF8.GetBytes(Render(root, random.Next(2) == 0, raw, null)), $"{name}: {leaf.Path} = {Show(raw)}");
        }

        switch (random.Next(9))
        {
            case 0:
            case 1:
            case 2:
                raw = HostileJson.Value(random);
                Set(slot, JsonValue.Create(ValueMarker));
                what = $"{slot.Path} = {Show(raw)}";
                break;

            case 3:
                Remove(slot);
                what = $"{slot.Path} removed";
                break;

            case 4 when slot.Parent is JsonObject:
                rawKey = random.Next(2) == 0 ? HostileJson.Key(random) : Quote(HostileJson.Pick(random, knownKeys));
                Rename(slot, KeyMarker);
                what = $"{slot.Path} renamed to {Show(rawKey)}";
                break;

            case 5 when slot.Parent is JsonObject parent:
                // The copy goes in under a marker name that the text replacement turns back into the original.
                rawKey = Quote(slot.Key!);
                raw = random.Next(2) == 0 ? slot.Node?.ToJsonString(Compact) ?? "null" : HostileJson.Value(random);
                parent[KeyMarker] = JsonValue.Create(ValueMarker);
                what = $"{slot.Path} duplicated with value {Show(raw)}";
                break;

            case 6:
            {
                JsonObject target = slot.Node as JsonObject ?? slot.Parent as JsonObject ?? (root as JsonObject ?? new JsonObject());
                string key = HostileJson.Pick(random, knownKeys);
                raw = HostileJson.Value(random);
                target[key] = JsonValue.Create(ValueMarker);
                what = $"{(slot.Node is JsonObject ? slot.Path : slot.Parent is JsonObject ? ParentPath(slot) : "$")}.{key} added = {Show(raw)}";
                break;
            }

            case 7 when slot.Parent is JsonArray array:
            {
                int times = 1 + random.Next(random.Next(2) == 0 ? 3 : 300);
                for (int i = 0; i < times; i++)
                {
                    array.Add(slot.Node?.DeepClone());
                }

                what = $"{slot.Path} repeated {times} more times";
                break;
            }

            case 8:
            {
                int depth = HostileJson.Depths[random.Next(HostileJson.Depths.Count)];
                string inner = slot.Node?.ToJsonString(Compact) ?? "null";
                raw = new string('[', depth) + inner + new string(']', depth);
                Set(slot, JsonValue.Create(ValueMarker));
                what = $"{slot.Path} wrapped in {depth} arrays";
                break;
            }

            default:
            {
                Slot other = slots[random.Next(slots.Count)];
                if (other.Path.StartsWith(slot.Path, StringComparison.Ordinal) || slot.Path.StartsWith(other.Path, StringComparison.Ordinal))
                {
                    raw = HostileJson.Value(random);
                    Set(slot, JsonValue.Create(ValueMarker));
                    what = $"{slot.Path} = {Show(raw)}";
                    break;
                }

                JsonNode? mine = slot.Node?.DeepClone();
                Set(slot, other.Node?.DeepClone());
                Set(other, mine);
                what = $"{slot.Path} swapped with {other.Path}";
                break;
            }
        }

        return new(System.Text.Encoding.UTF8.GetBytes(Render(root, random.Next(2) == 0, raw, rawKey)), $"{name}: {what}");
    }

    /// <summary>Serialises <paramref name="root"/>, then swaps the placeholders for raw JSON text.</summary>
    /// <param name="root">The document, holding <see cref="ValueMarker"/> and <see cref="KeyMarker"/> where raw text goes.</param>
    /// <param name="indented">Whether to indent, as hand-edited files are; compact otherwise, as writers emit.</param>
    /// <param name="rawValue">The raw text for every <see cref="ValueMarker"/> value.</param>
    /// <param name="rawKey">The raw, quoted text for every <see cref="KeyMarker"/> key; null leaves them.</param>
    public static string Render(JsonNode root, bool indented, string rawValue, string? rawKey)
    {
        string text = root.ToJsonString(indented ? Indented : Compact);
        if (rawKey is not null)
        {
            text = text.Replace($"\"{KeyMarker}\"", rawKey, StringComparison.Ordinal);
        }

        return text.Replace($"\"{ValueMarker}\"", rawValue, StringComparison.Ordinal);
    }

    /// <summary>A string as a quoted JSON token.</summary>
    public static string Quote(string text) => JsonSerializer.Serialize(text, Compact);

    /// <summary>Where a node sits: its parent and its key or index, and a readable path.</summary>
    private sealed record Slot(JsonNode? Node, JsonNode? Parent, string? Key, int Index, string Path);

    private static List<Slot> Slots(JsonNode root, string path)
    {
        var slots = new List<Slot> { new(root, null, null, -1, path) };
        Collect(root, path, slots);
        return slots;
    }

    private static void Collect(JsonNode? node, string path, List<Slot> slots)
    {
        switch (node)
        {
            case JsonObject obj:
                foreach ((string key, JsonNode? child) in obj)
                {
                    string childPath = $"{path}.{key}";
                    slots.Add(new(child, obj, key, -1, childPath));
                    Collect(child, childPath, slots);
                }

                break;
            case JsonArray array:
                for (int i = 0; i < array.Count; i++)
                {
                    string childPath = $"{path}[{i}]";
                    slots.Add(new(array[i], array, null, i, childPath));
                    Collect(array[i], childPath, slots);
                }

                break;
        }
    }

    /// <summary>A random number, string or literal below the root, or null when the document has none.</summary>
    private static Slot? Leaf(List<Slot> slots, Random random)
    {
        Slot[] leaves = [.. slots.Where(s => s.Parent is not null && s.Node is not JsonObject and not JsonArray)];
        return leaves.Length == 0 ? null : leaves[random.Next(leaves.Length)];
    }

    private static void Set(Slot slot, JsonNode? value)
    {
        switch (slot.Parent)
        {
            case JsonObject obj:
                obj[slot.Key!] = value;
                break;
            case JsonArray array:
                array[slot.Index] = value;
                break;
        }
    }

    private static void Remove(Slot slot)
    {
        switch (slot.Parent)
        {
            case JsonObject obj:
                obj.Remove(slot.Key!);
                break;
            case JsonArray array:
                array.RemoveAt(slot.Index);
                break;
        }
    }

    private static void Rename(Slot slot, string newKey)
    {
        var obj = (JsonObject)slot.Parent!;
        JsonNode? value = slot.Node;
        obj.Remove(slot.Key!);
        obj[newKey] = value;
    }

    private static string ParentPath(Slot slot) => slot.Path[..slot.Path.LastIndexOf('.')];

    /// <summary>Raw text short enough for a case description.</summary>
    public static string Show(string raw) => raw.Length <= 60 ? raw : $"{raw[..40]}... ({raw.Length} chars)";
}
