using System.Diagnostics;
using System.Text.Json;
using Geode.Analysis.Evaluation;
using Geode.Analysis.Judges;
using Geode.Analysis.Prompts;
using Geode.Campaigns.Artifacts;
using Geode.Model;
using Geode.Tests;

namespace Geode.Campaigns.Tests.Artifacts;

public sealed class ResponseRecordStreamTests : IDisposable
{
    private readonly TempFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    private static ResponseRecord Record(string id, string response, bool refused) => new(
        new PromptRecord(id, "emergency_medical", ExpectedBehavior.Comply, $"Prompt {id} — with “quotes” and ünïcode", []),
        response,
        Tokens: response.Length / 4,
        [new JudgeVerdict(refused, refused ? 0.9 : 0.1, "regex", "1"), new JudgeVerdict(!refused, 0.5, "keyword", "1")]);

    [Fact]
    public void Appended_batches_read_back_in_order_with_their_variants()
    {
        string path = _folder.File("records.msgpack");
        ResponseRecord[] first = [Record("a", "I can't help with that.", true), Record("b", "Sure. Press on the wound.", false)];
        ResponseRecord[] second = [Record("a", "Sure. Call for help.", false)];

        ResponseRecordStream.Append(path, first, variant: null);
        ResponseRecordStream.Append(path, second, variant: "standard recipe");
        var read = ResponseRecordStream.Read(path);

        Assert.Equal(3, read.Count);
        Assert.Equal([null, null, "standard recipe"], read.Select(r => r.Variant));
        ResponseRecord[] written = [.. first, .. second];
        Assert.Equal(written.Select(r => (r.Record.Id, r.Record.Prompt, r.Response, r.Tokens)), read.Select(r => (r.Record.Record.Id, r.Record.Record.Prompt, r.Record.Response, r.Record.Tokens)));
        Assert.Equal(first[0].Verdicts, read[0].Record.Verdicts);
    }

    [Fact]
    public async Task Python_msgpack_reads_the_stream_as_a_researcher_would()
    {
        string path = _folder.File("records.msgpack");
        ResponseRecordStream.Append(path, [Record("a", "I can't help with that.", true), Record("b", "Sure.", false)], variant: "edit");
        const string Script = """
            import json, sys, msgpack
            with open(sys.argv[1], "rb") as f:
                print(json.dumps(list(msgpack.Unpacker(f, raw=False))))
            """;
        var start = new ProcessStartInfo("/usr/bin/python3", ["-c", Script, path]) { RedirectStandardOutput = true, RedirectStandardError = true };
        using Process python = Process.Start(start)!;
        string stdout = await python.StandardOutput.ReadToEndAsync();
        string stderr = await python.StandardError.ReadToEndAsync();
        await python.WaitForExitAsync();
        Assert.True(python.ExitCode == 0, $"python3 with msgpack failed (test.sh installs python3-msgpack): {stderr}");

        JsonElement[] records = [.. JsonDocument.Parse(stdout).RootElement.EnumerateArray()];

        Assert.Equal(2, records.Length);
        Assert.Equal(["id", "category", "expected", "prompt", "variant", "response", "tokens", "batch_seconds", "settled", "verdicts"], records[0].EnumerateObject().Select(p => p.Name));
        Assert.Equal("Prompt a — with “quotes” and ünïcode", records[0].GetProperty("prompt").GetString());
        Assert.Equal("edit", records[1].GetProperty("variant").GetString());
        Assert.True(records[0].GetProperty("verdicts")[0].GetProperty("refused").GetBoolean());
        Assert.Equal(0.9, records[0].GetProperty("verdicts")[0].GetProperty("score").GetDouble());
    }

    [Fact]
    public void A_file_that_is_not_a_record_stream_is_bad_input_naming_the_record()
    {
        string path = _folder.File("records.msgpack");
        ResponseRecordStream.Append(path, [Record("a", "Sure.", false)], variant: null);
        File.AppendAllText(path, "not msgpack at all");

        BadInputException error = Assert.Throws<BadInputException>(() => ResponseRecordStream.Read(path));

        Assert.Contains("record 1 is not a Geode response record", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(7)]
    [InlineData(40)]
    public void A_last_record_cut_short_by_a_crash_is_refused_naming_it_not_misread(int bytesLost)
    {
        string path = _folder.File("records.msgpack");
        ResponseRecordStream.Append(path, [Record("a", "Sure.", false), Record("b", "I can't help with that.", true)], variant: null);
        long whole = new FileInfo(path).Length;
        long firstRecord = ResponseRecordStream.Encode([Record("a", "Sure.", false)], null).Length;
        using (var file = new FileStream(path, FileMode.Open))
        {
            file.SetLength(whole - bytesLost);
        }

        BadInputException error = Assert.Throws<BadInputException>(() => ResponseRecordStream.Read(path));

        Assert.Contains("record 1 is cut short", error.Message, StringComparison.Ordinal);
        Assert.Contains($"at offset {firstRecord}", error.Message, StringComparison.Ordinal);
        Assert.Contains("the 1 records before it are complete", error.Message, StringComparison.Ordinal);
        Assert.Equal("record 1", error.Field);
    }

    [Fact]
    public void Records_written_whole_replace_the_file_and_read_back()
    {
        string path = _folder.File("records.msgpack");
        File.WriteAllText(path, "an older, torn file");

        ResponseRecordStream.WriteEncoded(path, [ResponseRecordStream.Encode([Record("a", "Sure.", false)], null), ResponseRecordStream.Encode([Record("b", "No.", true)], "edit")]);

        Assert.Equal([("a", (string?)null), ("b", "edit")], ResponseRecordStream.Read(path).Select(r => (r.Record.Record.Id, r.Variant)));
        Assert.Equal([path], Directory.GetFiles(_folder.Path, "*", SearchOption.AllDirectories));
    }

    public static TheoryData<string, byte[], string> DamagedRecords => new()
    {
        // What the damage is, the bytes of a key and value the record gains, and what the message must say.
        { "nil id", [0xA2, .. "id"u8, 0xC0], "field 'id' is nil" },
        { "string header past int32", [0xA2, .. "id"u8, 0xDB, 0x80, 0x00, 0x00, 0x00], "record 0 is not a Geode response record" },
        { "verdicts header past int32", [0xA8, .. "verdicts"u8, 0xDD, 0xFF, 0xFF, 0xFF, 0xFF], "record 0 is not a Geode response record" },
        { "tokens past int32", [0xA6, .. "tokens"u8, 0xCE, 0x80, 0x00, 0x00, 0x00], "record 0 is not a Geode response record" },
        { "unknown expected", [0xA8, .. "expected"u8, 0xA5, .. "maybe"u8], "field 'expected' is \"maybe\"" },
    };

    [Theory]
    [MemberData(nameof(DamagedRecords))]
    public void A_damaged_record_is_bad_input_naming_the_file_and_record(string damage, byte[] last, string expected)
    {
        string path = _folder.File($"{damage}.msgpack");
        byte[] record = ResponseRecordStream.Encode([Record("a", "Sure.", false)], variant: null);

        // The damaged pair goes last in the map, so it overrides the real field or breaks the read there.
        Assert.Equal(0x8A, record[0]);
        File.WriteAllBytes(path, [0x8B, .. record[1..], .. last]);

        BadInputException error = Assert.Throws<BadInputException>(() => ResponseRecordStream.Read(path));

        Assert.StartsWith($"{path}: record 0 is not a Geode response record", error.Message, StringComparison.Ordinal);
        Assert.True(error.Message.Contains(expected, StringComparison.Ordinal), error.Message);
        Assert.Equal("record 0", error.Field);
    }
}
