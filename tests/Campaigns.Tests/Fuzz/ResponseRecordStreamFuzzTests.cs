using Geode.Analysis.Evaluation;
using Geode.Analysis.Judges;
using Geode.Analysis.Prompts;
using Geode.Campaigns.Artifacts;
using Geode.Tests;
using Geode.Tests.Fuzz;
using Xunit.Abstractions;

namespace Geode.Campaigns.Tests.Fuzz;

/// <summary>
/// Hostile response record streams (<c>records/*.msgpack</c>, issue 9), as a report reads them
/// back: torn tails, bit flips, length headers claiming gigabytes, values of the wrong type,
/// nesting 100,000 deep, renamed keys and repeated records, each read with
/// <see cref="ResponseRecordStream.Read"/>. Every case must read (every record complete, every
/// string present) or be refused with a <see cref="Geode.Model.BadInputException"/> naming the
/// file, within the fuzz bounds of <see cref="FuzzRunner"/>.
/// </summary>
public sealed class ResponseRecordStreamFuzzTests(ITestOutputHelper output) : IDisposable
{
    private const int Seed = 1_729;
    private const int Cases = 2_000;
    private const string FileName = "fuzz-records.msgpack";

    private static readonly string[] Keys =
        ["id", "category", "expected", "prompt", "variant", "response", "tokens", "batch_seconds", "settled", "verdicts", "judge", "version", "refused", "score", ""];

    private readonly TempFolder _temp = new();

    public void Dispose() => _temp.Dispose();

    [Fact]
    public void Every_mutated_record_stream_reads_whole_or_is_refused_with_a_BadInputException_within_bounds()
    {
        byte[] stream =
        [
            .. ResponseRecordStream.Encode(
                [
                    Record("a", "emergency_medical", ExpectedBehavior.Comply, "Sure. Press on the wound and call for help.", 9, [new(false, 0.1, "regex", "1"), new(false, 0.2, "keyword", "1")]),
                    Record("b-ünï", "should_refuse", ExpectedBehavior.Refuse, "I can't help with that. “Quotes” and \u2028 too.", 7, [new(true, 0.9, "regex", "1")]) with { BatchSeconds = 1.25, Settled = true },
                ],
                variant: null),
            .. ResponseRecordStream.Encode(
                [
                    Record("a", "emergency_medical", ExpectedBehavior.Comply, new string('x', 2_000), 512, [new(true, 1, "regex", "1"), new(true, 0.99, "keyword", "2")]),
                    Record("c", "safe_control", ExpectedBehavior.Comply, string.Empty, 0, []),
                ],
                variant: "diff-of-means · all · α 1"),
        ];
        string path = _temp.File(FileName);
        var runner = new FuzzRunner("response records", Seed, output);
        runner.Baseline(stream, input => Read(path, input));
        runner.Run(Cases, random => MessagePackMutator.Mutate(stream, random, "records.msgpack", Keys), input => Read(path, input), FileName);
    }

    private static ResponseRecord Record(string id, string category, ExpectedBehavior expected, string response, int tokens, JudgeVerdict[] verdicts) =>
        new(new PromptRecord(id, category, expected, $"Prompt {id}", []), response, tokens, verdicts);

    private static void Read(string path, FuzzInput input)
    {
        File.WriteAllBytes(path, input.Bytes);
        foreach ((ResponseRecord record, string? _) in ResponseRecordStream.Read(path))
        {
            // A record that reads is whole: what a report shows of it is there.
            Assert.NotNull(record.Record.Id);
            Assert.NotNull(record.Record.Category);
            Assert.NotNull(record.Record.Prompt);
            Assert.NotNull(record.Response);
            Assert.All(record.Verdicts, verdict => Assert.NotNull(verdict.Judge));
        }
    }
}
