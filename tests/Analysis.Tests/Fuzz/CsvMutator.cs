using System.Text;
using Geode.Tests.Fuzz;

namespace Geode.Analysis.Tests.Fuzz;

/// <summary>
/// Mutations of a CSV prompt file aimed at the RFC 4180 reader and the record checks: quotes and
/// commas where they break a field, a field replaced by a hostile value (blank, an unknown label,
/// separators only, control characters, a formula), header columns renamed, repeated or dropped.
/// </summary>
internal static class CsvMutator
{
    private static readonly string[] Columns = ["id", "category", "expected", "prompt", "variants"];

    private static readonly string[] Values =
        ["", " ", "comply", " REFUSE ", "Comply", "maybe", "refuse\u0000", "|", " | | ", "a|b|", "\"", "\"\"", "\"a\"\"b\"", "a\"b", "a,b", "\"a,b\"",
         "\"unterminated", "=HYPERLINK(\"x\")", "\u2028", "\uFEFF", "\u00e9\u4e2d\U0001F600", new string('x', 20_000), "em-001", "should_refuse", "\t"];

    public static FuzzInput Mutate(string text, Random random, string name)
    {
        var bytes = Encoding.UTF8.GetBytes(text);
        switch (random.Next(4))
        {
            case 0:
            {
                // A structural character dropped into a random place.
                string insert = HostileJson.Pick(random, ["\"", ",", "\"\"", "\",\"", "\r", "\n", "\r\n", "\"\n\""]);
                int at = random.Next(text.Length + 1);
                return new(Encoding.UTF8.GetBytes(text.Insert(at, insert)), $"{name}: {JsonMutator.Show(insert.Replace("\r", "\\r").Replace("\n", "\\n"))} inserted at {at}");
            }

            case 1:
            {
                // One field of one row replaced, quoted or not.
                string[] lines = text.Split("\r\n");
                int row = random.Next(Math.Max(1, lines.Length - 1));
                string[] fields = lines[row].Split(',');
                int column = random.Next(fields.Length);
                string value = Values[random.Next(Values.Length)];
                fields[column] = random.Next(2) == 0 ? value : $"\"{value.Replace("\"", "\"\"", StringComparison.Ordinal)}\"";
                lines[row] = string.Join(",", fields);
                return new(Encoding.UTF8.GetBytes(string.Join("\r\n", lines)), $"{name}: line {row + 1} field {column + 1} = {JsonMutator.Show(fields[column])}");
            }

            case 2:
            {
                // The header: a column renamed (perhaps to one already there), dropped or added.
                string[] lines = text.Split("\r\n");
                List<string> header = [.. lines[0].Split(',')];
                int column = random.Next(header.Count);
                string what;
                switch (random.Next(3))
                {
                    case 0:
                        header[column] = HostileJson.Pick(random, [.. Columns, "", " id ", "ID", "\"id\"", "prompt\u0000"]);
                        what = $"header column {column + 1} renamed to {JsonMutator.Show(header[column])}";
                        break;
                    case 1:
                        header.RemoveAt(column);
                        what = $"header column {column + 1} dropped";
                        break;
                    default:
                        header.Insert(column, HostileJson.Pick(random, [.. Columns, "extra"]));
                        what = $"header column added at {column + 1}";
                        break;
                }

                lines[0] = string.Join(",", header);
                return new(Encoding.UTF8.GetBytes(string.Join("\r\n", lines)), $"{name}: {what}");
            }

            default:
                return ByteMutator.Mutate(bytes, random, name);
        }
    }
}
