using System.Text;

using Geode.Model;

namespace Geode.Analysis.Prompts;

/// <summary>One CSV record and the line it starts on (a quoted field may span lines).</summary>
internal sealed record CsvRow(int Line, IReadOnlyList<string> Fields);

/// <summary>
/// An RFC 4180 reader: fields separated by commas, records by CRLF or LF, fields that contain
/// commas, quotes or line breaks enclosed in double quotes with inner quotes doubled. Stricter
/// than spreadsheet exports sometimes are — a stray quote inside an unquoted field is an error,
/// not a guess — because a silently mis-split prompt would mislabel a measurement.
/// </summary>
internal static class CsvReader
{
    /// <summary>Every record of <paramref name="text"/>; lines that are entirely empty are skipped.</summary>
    public static List<CsvRow> Read(string text, string source)
    {
        List<CsvRow> rows = [];
        List<string> fields = [];
        StringBuilder field = new();
        int line = 1;
        int rowLine = 1;
        int i = text.Length > 0 && text[0] == '\uFEFF' ? 1 : 0;
        bool fieldStarted = false;

        while (i < text.Length)
        {
            char c = text[i];
            if (!fieldStarted && c == '"')
            {
                int quoteLine = line;
                i++;
                while (true)
                {
                    if (i >= text.Length)
                    {
                        throw new BadInputException($"{source}:{quoteLine}: a quoted field starts here and is never closed.", source);
                    }

                    char q = text[i];
                    if (q == '"')
                    {
                        if (i + 1 < text.Length && text[i + 1] == '"')
                        {
                            field.Append('"');
                            i += 2;
                            continue;
                        }

                        i++;
                        break;
                    }

                    if (q == '\n')
                    {
                        line++;
                    }

                    field.Append(q);
                    i++;
                }

                if (i < text.Length && text[i] is not (',' or '\n' or '\r'))
                {
                    throw new BadInputException(
                        $"{source}:{line}: '{text[i]}' follows a closing quote; a quoted field must end at a comma or the end of the line (write a quote inside quotes as \"\").",
                        source);
                }

                fieldStarted = true;
                continue;
            }

            if (c == ',')
            {
                fields.Add(field.ToString());
                field.Clear();
                fieldStarted = false;
                i++;
                continue;
            }

            if (c is '\n' or '\r')
            {
                i += c == '\r' && i + 1 < text.Length && text[i + 1] == '\n' ? 2 : 1;
                EndRow();
                line++;
                rowLine = line;
                continue;
            }

            if (c == '"')
            {
                throw new BadInputException(
                    $"{source}:{line}: a quote inside an unquoted field; enclose the whole field in quotes and double the inner ones (\"\").",
                    source);
            }

            field.Append(c);
            fieldStarted = true;
            i++;
        }

        if (fieldStarted || fields.Count > 0)
        {
            EndRow();
        }

        return rows;

        void EndRow()
        {
            fields.Add(field.ToString());
            field.Clear();
            bool blank = fields.Count == 1 && fields[0].Length == 0 && !fieldStarted;
            if (!blank)
            {
                rows.Add(new CsvRow(rowLine, [.. fields]));
            }

            fields.Clear();
            fieldStarted = false;
        }
    }
}
