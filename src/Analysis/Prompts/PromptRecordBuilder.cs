using Geode.Model;

namespace Geode.Analysis.Prompts;

/// <summary>
/// Maps raw records to <see cref="PromptRecord"/>s and checks them: required fields present,
/// prompt not blank, label known, category allowed, id unique. Every error names the record's
/// location and, once known, its id.
/// </summary>
internal static class PromptRecordBuilder
{
    public static List<PromptRecord> Build(IReadOnlyList<RawRecord> raws, string source, PromptSetOptions options)
    {
        if (raws.Count == 0)
        {
            throw new BadInputException($"{source}: the file holds no prompts.", source);
        }

        FieldMapping mapping = options.Mapping;
        Dictionary<string, ExpectedBehavior> labels = new(StringComparer.OrdinalIgnoreCase);
        foreach ((string label, ExpectedBehavior behavior) in mapping.ExpectedValues)
        {
            labels[label.Trim()] = behavior;
        }

        Dictionary<string, string> firstSeen = new(StringComparer.Ordinal);
        List<PromptRecord> records = new(raws.Count);
        foreach (RawRecord raw in raws)
        {
            string id = Text(raw, raw.Location, mapping.Id, "id", source).Trim();
            string where = $"{raw.Location} (id \"{id}\")";
            if (id.Length == 0)
            {
                throw new BadInputException($"{raw.Location}: the id (field \"{mapping.Id}\") is empty.", source, mapping.Id);
            }

            if (firstSeen.TryGetValue(id, out string? first))
            {
                throw new BadInputException($"{where}: duplicate id; it is first used at {first}.", source, mapping.Id);
            }

            firstSeen[id] = raw.Location;

            string category = Text(raw, where, mapping.Category, "category", source).Trim();
            if (category.Length == 0)
            {
                throw new BadInputException($"{where}: the category (field \"{mapping.Category}\") is empty.", source, mapping.Category);
            }

            if (options.Categories is { } allowed && !allowed.Contains(category))
            {
                throw new BadInputException(
                    $"{where}: unknown category \"{category}\"; allowed: {string.Join(", ", allowed.Order(StringComparer.Ordinal))}.",
                    source,
                    mapping.Category);
            }

            string label = Text(raw, where, mapping.Expected, "expected", source).Trim();
            if (!labels.TryGetValue(label, out ExpectedBehavior expected))
            {
                throw new BadInputException(
                    $"{where}: unknown expected value \"{label}\" (field \"{mapping.Expected}\"); known values: {string.Join(", ", labels.Keys.Order(StringComparer.Ordinal))}. Map other labels in the field mapping's expected-value table.",
                    source,
                    mapping.Expected);
            }

            string prompt = Text(raw, where, mapping.Prompt, "prompt", source);
            if (string.IsNullOrWhiteSpace(prompt))
            {
                throw new BadInputException($"{where}: the prompt (field \"{mapping.Prompt}\") is empty.", source, mapping.Prompt);
            }

            records.Add(new PromptRecord(id, category, expected, prompt, Variants(raw, where, mapping, source)));
        }

        return records;
    }

    private static string Text(RawRecord raw, string where, string field, string role, string source)
    {
        if (!raw.Fields.TryGetValue(field, out RawField? value))
        {
            throw new BadInputException($"{where}: no \"{field}\" field (the {role}).", source, field);
        }

        return value.Text
            ?? throw new BadInputException($"{where}: field \"{field}\" (the {role}) is an array; expected a string.", source, field);
    }

    private static List<string> Variants(RawRecord raw, string where, FieldMapping mapping, string source)
    {
        // Variants are optional: a record (or a whole file) without the field has none.
        if (mapping.Variants is not { } field || !raw.Fields.TryGetValue(field, out RawField? value))
        {
            return [];
        }

        List<string> variants;
        if (value.Items is { } items)
        {
            variants = [.. items];
        }
        else if (string.IsNullOrWhiteSpace(value.Text))
        {
            return [];
        }
        else
        {
            variants = [.. value.Text.Split(mapping.VariantSeparator).Select(v => v.Trim())];
        }

        for (int i = 0; i < variants.Count; i++)
        {
            if (string.IsNullOrWhiteSpace(variants[i]))
            {
                throw new BadInputException($"{where}: variant {i + 1} (field \"{field}\") is empty.", source, field);
            }
        }

        return variants;
    }
}
