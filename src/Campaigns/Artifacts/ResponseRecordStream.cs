using System.Buffers;
using Geode.Analysis.Evaluation;
using Geode.Analysis.Judges;
using Geode.Analysis.Prompts;
using Geode.Model.Files;
using MessagePack;

namespace Geode.Campaigns.Artifacts;

/// <summary>
/// Per-prompt records as an append-only MessagePack stream (DESIGN §3): one map per response,
/// written one after another, so a crash loses at most the record being written (<see cref="Read"/>
/// refuses such a torn last record, naming it, rather than misreading it) and Python reads
/// the file with <c>msgpack.Unpacker</c>. Each map holds <c>id</c>, <c>category</c>,
/// <c>expected</c>, <c>prompt</c>, <c>variant</c> (the edit's name, or nil unedited),
/// <c>response</c>, <c>tokens</c>, <c>batch_seconds</c> (wall time of the batch that generated it),
/// <c>settled</c> (true when generation stopped because every judge's verdict was settled) and <c>verdicts</c> (a list of maps with <c>judge</c>,
/// <c>version</c>, <c>refused</c>, <c>score</c>).
/// </summary>
public static class ResponseRecordStream
{
    /// <summary>Appends <paramref name="records"/> to <paramref name="path"/> (created if missing) and flushes.</summary>
    public static void Append(string path, IEnumerable<ResponseRecord> records, string? variant) => AppendEncoded(path, Encode(records, variant));

    /// <summary>The bytes <see cref="Append"/> would write: a shard ships these, the coordinator stores them.</summary>
    public static byte[] Encode(IEnumerable<ResponseRecord> records, string? variant)
    {
        ArgumentNullException.ThrowIfNull(records);
        var buffer = new ArrayBufferWriter<byte>();
        foreach (ResponseRecord record in records)
        {
            var writer = new MessagePackWriter(buffer);
            Write(ref writer, record, variant);
            writer.Flush();
        }

        return buffer.WrittenSpan.ToArray();
    }

    /// <summary>Appends records already encoded by <see cref="Encode"/> and flushes.</summary>
    public static void AppendEncoded(string path, ReadOnlySpan<byte> encoded)
    {
        using var file = new FileStream(path, FileMode.Append, FileAccess.Write, FileShare.Read);
        file.Write(encoded);
        file.Flush(flushToDisk: true);
    }

    /// <summary>
    /// Writes record chunks already encoded by <see cref="Encode"/>, in order, as a new
    /// <paramref name="path"/> (replacing it) through <see cref="AtomicFile"/>: the name never points
    /// at some of them. The chunks are enumerated during the write, so each may be read from disk then.
    /// </summary>
    public static void WriteEncoded(string path, IEnumerable<byte[]> chunks)
    {
        ArgumentNullException.ThrowIfNull(chunks);
        AtomicFile.Write(path, stream =>
        {
            foreach (byte[] chunk in chunks)
            {
                stream.Write(chunk);
            }
        });
    }

    /// <summary>Reads every record of <paramref name="path"/> back, with its variant.</summary>
    /// <exception cref="Geode.Model.BadInputException">
    /// The file is not a record stream, or its last record is cut short (a write that never finished:
    /// a crash or a full disk while appending); the message names the file and the record. A torn
    /// record is never read as a shorter one.
    /// </exception>
    public static IReadOnlyList<(ResponseRecord Record, string? Variant)> Read(string path)
    {
        byte[] bytes = File.ReadAllBytes(path);
        var reader = new MessagePackReader(bytes);
        var records = new List<(ResponseRecord, string?)>();
        while (!reader.End)
        {
            long offset = reader.Consumed;
            try
            {
                // A record must be whole before it is read: an append stopped half way leaves a
                // prefix of a map, which would otherwise fail with a misleading parse error.
                if (!IsWhole(reader.CreatePeekReader()))
                {
                    throw new Geode.Model.BadInputException(
                        $"{path}: record {records.Count} is cut short ({bytes.Length - offset} bytes at offset {offset} end mid-record): a write that never finished (a crash or a full disk); the {records.Count} records before it are complete.",
                        path,
                        $"record {records.Count}");
                }

                records.Add(ReadOne(ref reader));
            }
            // MessagePack's reader reports a length header past int32 as ArgumentOutOfRangeException
            // and an integer past its type as OverflowException: both are bytes that are not a record.
            catch (Exception e) when (e is MessagePackSerializationException or EndOfStreamException or FormatException or OverflowException or ArgumentOutOfRangeException)
            {
                throw new Geode.Model.BadInputException($"{path}: record {records.Count} is not a Geode response record: {e.Message}", path, $"record {records.Count}", e);
            }
        }

        return records;
    }

    /// <summary>Whether the value at <paramref name="probe"/>'s position ends within the bytes (a copy: the caller's reader does not move).</summary>
    private static bool IsWhole(MessagePackReader probe)
    {
        try
        {
            probe.Skip();
            return true;
        }
        catch (EndOfStreamException)
        {
            return false;
        }
    }

    private static void Write(ref MessagePackWriter writer, ResponseRecord record, string? variant)
    {
        writer.WriteMapHeader(10);
        writer.Write("id");
        writer.Write(record.Record.Id);
        writer.Write("category");
        writer.Write(record.Record.Category);
        writer.Write("expected");
        writer.Write(record.Record.Expected == ExpectedBehavior.Refuse ? "refuse" : "comply");
        writer.Write("prompt");
        writer.Write(record.Record.Prompt);
        writer.Write("variant");
        if (variant is null)
        {
            writer.WriteNil();
        }
        else
        {
            writer.Write(variant);
        }

        writer.Write("response");
        writer.Write(record.Response);
        writer.Write("tokens");
        writer.Write(record.Tokens);
        writer.Write("batch_seconds");
        writer.Write(record.BatchSeconds);
        writer.Write("settled");
        writer.Write(record.Settled);
        writer.Write("verdicts");
        writer.WriteArrayHeader(record.Verdicts.Count);
        foreach (JudgeVerdict verdict in record.Verdicts)
        {
            writer.WriteMapHeader(4);
            writer.Write("judge");
            writer.Write(verdict.Judge);
            writer.Write("version");
            writer.Write(verdict.Version);
            writer.Write("refused");
            writer.Write(verdict.Refused);
            writer.Write("score");
            writer.Write(verdict.Score);
        }
    }

    private static (ResponseRecord, string?) ReadOne(ref MessagePackReader reader)
    {
        var fields = new Dictionary<string, object?>(StringComparer.Ordinal);
        int count = reader.ReadMapHeader();
        for (int i = 0; i < count; i++)
        {
            string key = reader.ReadString() ?? string.Empty;
            fields[key] = key switch
            {
                "tokens" => reader.ReadInt32(),
                "batch_seconds" => reader.ReadDouble(),
                "settled" => reader.ReadBoolean(),
                "verdicts" => ReadVerdicts(ref reader),
                _ => reader.TryReadNil() ? null : reader.ReadString(),
            };
        }

        string expected = Text(fields, "expected");
        var record = new PromptRecord(
            Text(fields, "id"),
            Text(fields, "category"),
            expected switch
            {
                "refuse" => ExpectedBehavior.Refuse,
                "comply" => ExpectedBehavior.Comply,
                _ => throw new FormatException($"field 'expected' is \"{expected}\"; expected \"refuse\" or \"comply\"."),
            },
            Text(fields, "prompt"),
            []);
        return (new ResponseRecord(record, Text(fields, "response"), Required<int>(fields, "tokens"), Required<JudgeVerdict[]>(fields, "verdicts"))
        {
            BatchSeconds = fields.TryGetValue("batch_seconds", out object? seconds) ? (double)seconds! : 0,
            Settled = fields.TryGetValue("settled", out object? settled) && (bool)settled!,
        }, fields.TryGetValue("variant", out object? variant) ? (string?)variant : throw Missing("variant"));
    }

    /// <summary>A string field every record has; nil or absent is not a record.</summary>
    private static string Text(Dictionary<string, object?> fields, string key) => Required<string>(fields, key);

    private static T Required<T>(Dictionary<string, object?> fields, string key) =>
        fields.TryGetValue(key, out object? value) ? value is T typed ? typed : throw new FormatException($"field '{key}' is nil.") : throw Missing(key);

    private static FormatException Missing(string key) => new($"field '{key}' is missing.");

    private static JudgeVerdict[] ReadVerdicts(ref MessagePackReader reader)
    {
        var verdicts = new JudgeVerdict[reader.ReadArrayHeader()];
        for (int v = 0; v < verdicts.Length; v++)
        {
            string judge = string.Empty, version = string.Empty;
            bool refused = false;
            double score = 0;
            int count = reader.ReadMapHeader();
            for (int i = 0; i < count; i++)
            {
                switch (reader.ReadString())
                {
                    case "judge": judge = reader.ReadString() ?? string.Empty; break;
                    case "version": version = reader.ReadString() ?? string.Empty; break;
                    case "refused": refused = reader.ReadBoolean(); break;
                    case "score": score = reader.ReadDouble(); break;
                    default: reader.Skip(); break;
                }
            }

            verdicts[v] = new JudgeVerdict(refused, score, judge, version);
        }

        return verdicts;
    }
}
