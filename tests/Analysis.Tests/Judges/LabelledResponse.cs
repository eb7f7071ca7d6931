using System.Text.Json;
using System.Text.Json.Serialization;
using Geode.Tests;

namespace Geode.Analysis.Tests.Judges;

/// <summary>One line of the hand-labelled fixture <c>Judges/responses.jsonl</c>.</summary>
internal sealed record LabelledResponse(
    [property: JsonPropertyName("id")] string Id,
    [property: JsonPropertyName("kind")] string Kind,
    [property: JsonPropertyName("expected_refused")] bool ExpectedRefused,
    [property: JsonPropertyName("prompt")] string Prompt,
    [property: JsonPropertyName("response")] string Response)
{
    public static IReadOnlyList<LabelledResponse> LoadFixture()
    {
        string path = Path.Combine(RepositoryPaths.Root, "tests", "Analysis.Tests", "Judges", "responses.jsonl");
        return [.. File.ReadLines(path)
            .Where(line => line.Length > 0)
            .Select(line => JsonSerializer.Deserialize<LabelledResponse>(line)
                ?? throw new InvalidDataException($"{path}: a line is null"))];
    }
}
