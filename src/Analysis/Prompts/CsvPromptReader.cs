using Geode.Model;

namespace Geode.Analysis.Prompts;

/// <summary>Reads a CSV file with a header row into <see cref="RawRecord"/>s located by line number.</summary>
internal static class CsvPromptReader
{
    public static List<RawRecord> Read(string text, string source, FieldMapping mapping)
    {
        List<CsvRow> rows = CsvReader.Read(text, source);
        if (rows.Count == 0)
        {
            throw new BadInputException($"{source}: the file is empty; a CSV prompt set needs a header row.", source);
        }

        CsvRow header = rows[0];
        List<string> columns = [.. header.Fields.Select(f => f.Trim())];
        HashSet<string> seen = new(StringComparer.Ordinal);
        foreach (string column in columns)
        {
            if (!seen.Add(column))
            {
                throw new BadInputException($"{source}:{header.Line}: the header names column \"{column}\" twice.", source, column);
            }
        }

        // A missing required column fails once, at the header, rather than once per row.
        foreach ((string role, string column) in new[]
                 {
                     ("id", mapping.Id), ("category", mapping.Category), ("expected", mapping.Expected), ("prompt", mapping.Prompt),
                 })
        {
            if (!seen.Contains(column))
            {
                throw new BadInputException(
                    $"{source}:{header.Line}: the header has no column \"{column}\" (the {role} field); its columns are: {string.Join(", ", columns)}.",
                    source,
                    column);
            }
        }

        List<RawRecord> records = [];
        foreach (CsvRow row in rows.Skip(1))
        {
            if (row.Fields.Count != columns.Count)
            {
                throw new BadInputException(
                    $"{source}:{row.Line}: {row.Fields.Count} fields, but the header has {columns.Count}; quote fields that contain commas.",
                    source);
            }

            Dictionary<string, RawField> fields = new(StringComparer.Ordinal);
            for (int i = 0; i < columns.Count; i++)
            {
                fields[columns[i]] = RawField.Of(row.Fields[i]);
            }

            records.Add(new RawRecord($"{source}:{row.Line}", fields));
        }

        return records;
    }
}
