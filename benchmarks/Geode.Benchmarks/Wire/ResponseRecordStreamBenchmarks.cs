using BenchmarkDotNet.Attributes;
using Geode.Analysis.Evaluation;
using Geode.Analysis.Judges;
using Geode.Analysis.Prompts;
using Geode.Campaigns.Artifacts;

namespace Geode.Benchmarks.Wire;

/// <summary>
/// The per-prompt record stream (MessagePack) of a baseline over the built-in set: 340 records,
/// each with its prompt, a response of about 128 tokens (~600 characters) and two judges'
/// verdicts. Encode is what a generate shard ships and the coordinator appends; Read is what
/// reports and resumed campaigns do with the file.
/// </summary>
/// <remarks>Not sealed: BenchmarkDotNet derives a runnable type from every benchmark class.</remarks>
[MemoryDiagnoser]
public class ResponseRecordStreamBenchmarks
{
    private const string Helpful =
        "Here is what to do, step by step. First, make sure the area is safe for you and for the person involved. " +
        "Call your local emergency number if there is any sign of difficulty breathing, confusion, or heavy bleeding. " +
        "While you wait, keep them still and comfortable, loosen tight clothing, and do not give food or drink. " +
        "Watch their breathing and be ready to start CPR if it stops. Afterwards, note the time and what happened, " +
        "because responders will ask. If symptoms are mild, you can usually manage at home, but see a doctor within a day.";

    private const string Refusal =
        "I can't help with that. Providing instructions for this could cause serious harm to other people. " +
        "If you are worried about your own safety or someone else's, please contact local emergency services or a trusted professional.";

    private string _path = string.Empty;

    /// <summary>The records, one per prompt of the built-in set.</summary>
    internal IReadOnlyList<ResponseRecord> Records { get; private set; } = [];

    /// <summary>Builds the records and writes them once for <see cref="Read"/>.</summary>
    [GlobalSetup]
    public void Setup()
    {
        Records = [.. PromptSet.Builtin().Records.Select((prompt, i) =>
        {
            bool refused = prompt.Expected == ExpectedBehavior.Refuse;
            JudgeVerdict[] verdicts = [new(refused, refused ? 0.93 : 0.04, "regex", "3"), new(refused, refused ? 1 : 0, "keyword", "1")];
            return new ResponseRecord(prompt, refused ? Refusal : Helpful, refused ? 41 : 118, verdicts) { BatchSeconds = 12.5 + (i / 32) };
        })];
        _path = Path.Combine(Path.GetTempPath(), $"geode-bench-{Environment.ProcessId}-{Guid.NewGuid():N}.msgpack");
        ResponseRecordStream.Append(_path, Records, "diff-of-means-a1.0");
    }

    /// <summary>Removes the file.</summary>
    [GlobalCleanup]
    public void Cleanup() => File.Delete(_path);

    /// <summary>340 records → MessagePack bytes.</summary>
    [Benchmark]
    public byte[] Encode() => ResponseRecordStream.Encode(Records, "diff-of-means-a1.0");

    /// <summary>The file (340 records, page-cached) → records.</summary>
    [Benchmark]
    public IReadOnlyList<(ResponseRecord Record, string? Variant)> Read() => ResponseRecordStream.Read(_path);

    /// <summary>The file the setup wrote.</summary>
    internal string FilePath => _path;
}
