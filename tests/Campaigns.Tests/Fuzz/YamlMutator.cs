using System.Runtime.InteropServices;
using System.Text;
using System.Text.RegularExpressions;
using Geode.Tests.Fuzz;

namespace Geode.Campaigns.Tests.Fuzz;

/// <summary>
/// Mutations of a campaign file's text: a scalar replaced by a hostile one, a key inserted, a
/// YAML construct injected (alias bombs, cycles, merge keys, complex keys, tags, directives,
/// documents, deep nesting), line edits, and byte edits decoded back to text. Inputs travel as
/// raw UTF-16 so that unpaired surrogates reach the reader as they would through its text API.
/// </summary>
internal static partial class YamlMutator
{
    private static readonly int[] Depths = [10, 63, 64, 65, 500, 100_000];

    public static FuzzInput Mutate(string yaml, Random random, string name)
    {
        (string text, string what) = random.Next(10) switch
        {
            < 3 => Scalar(yaml, random),
            3 => InsertKey(yaml, random),
            < 6 => Construct(yaml, random),
            < 8 => Lines(yaml, random, name),
            _ => Bytes(yaml, random, name),
        };
        return new(ToBytes(text), $"{name}: {what}");
    }

    /// <summary>The text's UTF-16 code units, unpaired surrogates included.</summary>
    public static byte[] ToBytes(string text) => MemoryMarshal.AsBytes(text.AsSpan()).ToArray();

    public static string FromBytes(byte[] bytes) => new(MemoryMarshal.Cast<byte, char>(bytes));

    [GeneratedRegex(@"(?<=(: |- |\[|, ))[^\s\[\]\{\},#][^\[\]\{\},#\n]*")]
    private static partial Regex ScalarPattern();

    private static (string, string) Scalar(string yaml, Random random)
    {
        MatchCollection scalars = ScalarPattern().Matches(yaml);
        Match target = scalars[random.Next(scalars.Count)];
        string value = HostileJson.Pick(random, HostileYaml.Scalars);
        if (random.Next(8) == 0)
        {
            value = HostileYaml.Nested(random, Depths[random.Next(Depths.Length)]);
        }

        return (yaml[..target.Index] + value + yaml[(target.Index + target.Length)..], $"'{Show(target.Value)}' at {target.Index} replaced by {Show(value)}");
    }

    private static (string, string) InsertKey(string yaml, Random random)
    {
        string[] lines = yaml.Split('\n');
        int at = random.Next(lines.Length);
        string indent = new(' ', lines[at].Length - lines[at].TrimStart(' ').Length);
        string key = HostileJson.Pick(random, HostileYaml.Keys);
        string line = $"{indent}{key}: {HostileJson.Pick(random, HostileYaml.Scalars)}";
        return (string.Join('\n', lines[..at].Append(line).Concat(lines[at..])), $"line {Show(line)} inserted before line {at + 1}");
    }

    private static (string, string) Construct(string yaml, Random random)
    {
        int levels = 2 + random.Next(11);
        string text;
        string what;
        switch (random.Next(12))
        {
            case 0:
                text = HostileYaml.Laughs(levels) + yaml + $"\nbomb: *l{levels - 1}\n";
                what = $"a {levels}-level alias bomb used as a value";
                break;
            case 1:
                text = HostileYaml.Laughs(levels) + yaml + $"\n? *l{levels - 1}\n: 1\n";
                what = $"a {levels}-level alias bomb used as a key";
                break;
            case 2:
                text = yaml + HostileJson.Pick(random, ["\nx: &c [*c]\n", "\n? &c [*c]\n: 1\n", "\nx: &c {a: *c}\n", "\n? &c {a: *c}\n: 1\n"]);
                what = "an alias inside its own anchor";
                break;
            case 3:
                text = Replace(yaml, "stages:", "base: &st {baseline: {}}\nstages:\n  <<: *st\n ");
                what = "a merge key";
                break;
            case 4:
                text = Replace(yaml, "judges:", "judges: *nowhere\nold_judges:");
                what = "an alias to an undefined anchor";
                break;
            case 5:
                text = yaml + HostileJson.Pick(random, ["\n? [a, b]\n: 1\n", "\n? {a: 1}\n: 2\n", "\n[a]: 1\n", "\n? - a\n  - b\n: c\n", "\n? !!binary aGk=\n: x\n"]);
                what = "a complex key";
                break;
            case 6:
                text = HostileJson.Pick(random, ["%YAML 1.1\n---\n", "%YAML 2.0\n---\n", "%TAG !e! tag:example.com,2000:\n---\n", "%FOO bar\n---\n", "---\n", "--- !!map\n"]) + yaml;
                what = "a directive or document start before the file";
                break;
            case 7:
                text = yaml + HostileJson.Pick(random, ["\n---\nmodel: {path: elsewhere}\n", "\n...\n", "\n---\n", "\n--- [1, 2]\n", "\n---\n" + yaml]);
                what = "a second document after the file";
                break;
            case 8:
            {
                int depth = Depths[random.Next(Depths.Length)];
                text = Replace(yaml, "stages:", $"deep: {HostileYaml.Nested(random, depth)}\nstages:");
                what = $"a value nested {depth} levels deep";
                break;
            }

            case 9:
                text = Replace(yaml, "model:", HostileJson.Pick(random, ["model: !!python/object/apply:os.system [\"true\"]\nold_model:", "model: !!binary aGVsbG8=\nold_model:", "model: !custom\nold_model:"]));
                what = "a tag on the model section";
                break;
            case 10:
            {
                int count = 1 + random.Next(random.Next(2) == 0 ? 100 : 12_000);
                text = yaml + "\n" + string.Concat(Enumerable.Range(0, count).Select(i => $"k{i}: {i}\n"));
                what = $"{count} unknown keys appended";
                break;
            }

            default:
            {
                string key = HostileJson.Pick(random, ["model", "stages", "judges", "name"]);
                text = yaml + $"\n{key}: again\n";
                what = $"'{key}' given twice";
                break;
            }
        }

        return (text, what);
    }

    private static (string, string) Lines(string yaml, Random random, string name)
    {
        FuzzInput mutated = LineMutator.Mutate(yaml, random, name);
        return (Encoding.UTF8.GetString(mutated.Bytes), mutated.Mutation[(name.Length + 2)..]);
    }

    private static (string, string) Bytes(string yaml, Random random, string name)
    {
        if (random.Next(4) == 0)
        {
            // Characters a UTF-8 file cannot hold but a string can: unpaired surrogates, NUL, noncharacters.
            string odd = HostileJson.Pick(random, ["\ud800", "\udc00", "\u0000", "\uFFFE", "\uFFFF", "\u001B"]);
            int at = random.Next(yaml.Length + 1);
            return (yaml.Insert(at, odd), $"U+{(int)odd[0]:X4} inserted at {at}");
        }

        FuzzInput mutated = ByteMutator.Mutate(Encoding.UTF8.GetBytes(yaml), random, name);
        return (Encoding.UTF8.GetString(mutated.Bytes), mutated.Mutation[(name.Length + 2)..]);
    }

    private static string Replace(string yaml, string what, string with)
    {
        int at = yaml.IndexOf(what, StringComparison.Ordinal);
        return at < 0 ? yaml + "\n" + with : yaml[..at] + with + yaml[(at + what.Length)..];
    }

    private static string Show(string text) => JsonMutator.Show(text.Replace("\n", "\\n", StringComparison.Ordinal));
}
