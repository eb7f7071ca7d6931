using System.Text;

namespace Geode.Tests.Fuzz;

/// <summary>
/// Mutations of line-oriented files (JSONL, CSV, YAML): lines deleted, repeated, swapped, joined,
/// split or re-indented, blank or foreign lines inserted, byte order marks and stray line endings.
/// </summary>
internal static class LineMutator
{
    /// <summary>Lines that belong to none of the formats, or to the wrong one.</summary>
    private static readonly string[] Foreign =
        ["", "   ", "\t", "[]", "{}", "null", "1", "\"text\"", "{\"id\":", "# comment", ",,,,", "\"", "\"\"\"", "id,category,expected,prompt",
         "\uFEFF", "\u0000", "a,b,c,d,e,f,g,h", "x,\"unterminated", "\"a\"b,c", "\"\",\"\",\"\",\"\",\"\"", "---", "...", "%YAML 1.1",
         "%TAG ! tag:example.com,2000:", "? x", "- -", ": :", "&a", "*a", "!!binary |", "<<: {}", "key: value", "\t- tab", "  - item"];

    public static FuzzInput Mutate(string text, Random random, string name)
    {
        string newline = text.Contains("\r\n", StringComparison.Ordinal) ? "\r\n" : "\n";
        List<string> lines = [.. text.Split(newline)];
        int at = random.Next(lines.Count);
        string what;
        switch (random.Next(8))
        {
            case 0:
                lines.RemoveAt(at);
                what = $"line {at + 1} deleted";
                break;
            case 1:
            {
                int times = 1 + random.Next(random.Next(2) == 0 ? 2 : 500);
                lines.InsertRange(at, Enumerable.Repeat(lines[at], times));
                what = $"line {at + 1} repeated {times} times";
                break;
            }

            case 2:
            {
                int other = random.Next(lines.Count);
                (lines[at], lines[other]) = (lines[other], lines[at]);
                what = $"lines {at + 1} and {other + 1} swapped";
                break;
            }

            case 3 when at + 1 < lines.Count:
                lines[at] += lines[at + 1];
                lines.RemoveAt(at + 1);
                what = $"lines {at + 1} and {at + 2} joined";
                break;
            case 4 when lines[at].Length > 0:
            {
                int cut = random.Next(lines[at].Length);
                lines.Insert(at + 1, lines[at][cut..]);
                lines[at] = lines[at][..cut];
                what = $"line {at + 1} split at {cut}";
                break;
            }

            case 5 when random.Next(3) == 0:
            {
                // Indentation is structure in YAML.
                int shift = random.Next(-4, 5);
                lines[at] = shift >= 0 ? new string(' ', shift) + lines[at] : lines[at].TrimStart();
                what = $"line {at + 1} re-indented by {shift}";
                break;
            }

            case 5:
            {
                string line = Foreign[random.Next(Foreign.Length)];
                lines.Insert(at, line);
                what = $"line {JsonMutator.Show(line)} inserted before line {at + 1}";
                break;
            }

            case 6:
            {
                string ending = HostileJson.Pick(random, ["\r", "\n", "\r\n", "\n\r", "\uFEFF", "\u2028", "\u0085"]);
                int column = random.Next(lines[at].Length + 1);
                lines[at] = lines[at].Insert(column, ending);
                what = $"{Escape(ending)} inserted in line {at + 1} at column {column}";
                break;
            }

            default:
                lines[0] = "\uFEFF" + lines[0];
                what = "a byte order mark prepended";
                break;
        }

        return new(Encoding.UTF8.GetBytes(string.Join(newline, lines)), $"{name}: {what}");
    }

    private static string Escape(string text) => string.Concat(text.Select(c => $"\\u{(int)c:x4}"));
}
