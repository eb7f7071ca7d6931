using System.Buffers.Binary;
using Geode.Tests.Fuzz;
using MessagePack;

namespace Geode.Campaigns.Tests.Fuzz;

/// <summary>
/// Structure-aware mutations of a valid MessagePack stream: a string, array, map or binary header
/// rewritten to claim a huge or off-by-one length, a value replaced by one of another type (nil,
/// an out-of-range integer, NaN, an extension, deep nesting, a 65,535-element array), a map key
/// renamed to another known key, records repeated, swapped or torn off mid-way, garbage between
/// records. The result still parses as far as the mutation, so the reader's field checks run.
/// </summary>
internal static class MessagePackMutator
{
    /// <summary>Values, encoded, that a reader expecting a string, number, boolean or list must cope with.</summary>
    private static readonly (string Name, byte[] Bytes)[] Hostile =
    [
        ("nil", [0xC0]), ("true", [0xC3]), ("false", [0xC2]), ("-1", [0xFF]), ("0", [0x00]), ("2^31", [0xCE, 0x80, 0x00, 0x00, 0x00]),
        ("uint64 max", [0xCF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF]), ("int64 min", [0xD3, 0x80, 0, 0, 0, 0, 0, 0, 0]),
        ("int32 min", [0xD2, 0x80, 0, 0, 0]), ("float64 NaN", [0xCB, 0x7F, 0xF8, 0, 0, 0, 0, 0, 0]), ("float32 inf", [0xCA, 0x7F, 0x80, 0, 0]),
        ("float64 -0", [0xCB, 0x80, 0, 0, 0, 0, 0, 0, 0]), ("\"\"", [0xA0]), ("\"refuse\"", [0xA6, .. "refuse"u8]), ("\"comply\"", [0xA6, .. "comply"u8]),
        ("invalid UTF-8 string", [0xA3, 0xFF, 0xFE, 0xC0]), ("bin8", [0xC4, 0x03, 1, 2, 3]), ("fixext1", [0xD4, 0x01, 0x00]),
        ("timestamp", [0xD6, 0xFF, 0, 0, 0, 0]), ("ext8 of 300", [0xC7, 0xFF, 0x05]), ("never-used 0xC1", [0xC1]), ("[]", [0x90]), ("{}", [0x80]),
        ("[nil]", [0x91, 0xC0]), ("{\"judge\": 1}", [0x81, 0xA5, .. "judge"u8, 0x01]), ("str32 of 4 GiB", [0xDB, 0xFF, 0xFF, 0xFF, 0xFF]),
        ("array32 of 2^31", [0xDD, 0x80, 0, 0, 0]), ("map32 of 2^32-1", [0xDF, 0xFF, 0xFF, 0xFF, 0xFF]),
        ("65,535 nils", [0xDC, 0xFF, 0xFF, .. Enumerable.Repeat((byte)0xC0, 65_535)]),
        ("a 10,000-byte string", [0xDA, 0x27, 0x10, .. Enumerable.Repeat((byte)'a', 10_000)]),
    ];

    private static readonly int[] Depths = [10, 63, 64, 65, 100, 1_000, 10_000, 100_000];

    /// <summary>One random mutation of <paramref name="stream"/>, whose map keys are drawn from <paramref name="keys"/>.</summary>
    public static FuzzInput Mutate(byte[] stream, Random random, string name, IReadOnlyList<string> keys)
    {
        List<Token> tokens = Tokens(stream);
        Token[] records = [.. tokens.Where(t => t.Depth == 0)];
        switch (random.Next(10))
        {
            case 0:
            case 1:
            {
                // A length header that claims more (or fewer) elements or bytes than follow.
                Token[] sized = [.. tokens.Where(t => t.HeaderKind is not null)];
                Token token = sized[random.Next(sized.Length)];
                long remaining = stream.Length - token.Start;
                uint[] claims = [uint.MaxValue, int.MaxValue, 1u << 31, 1u << 24, 65_536, (uint)remaining, (uint)remaining + 1, (uint)token.Length + 1, (uint)Math.Max(0, token.Length - 1), 0];
                uint claim = claims[random.Next(claims.Length)];
                byte code = token.HeaderKind switch { 's' => 0xDB, 'a' => 0xDD, 'm' => 0xDF, _ => 0xC6 };
                byte[] header = new byte[5];
                header[0] = code;
                BinaryPrimitives.WriteUInt32BigEndian(header.AsSpan(1), claim);
                return new([.. stream[..(int)token.Start], .. header, .. stream[(int)(token.Start + token.HeaderLength)..]], $"{name}: the {Kind(token.HeaderKind)} header at byte {token.Start} claims {claim} (was {token.Length})");
            }

            case 2:
            case 3:
            {
                Token token = tokens[random.Next(tokens.Count)];
                (string what, byte[] value) = random.Next(5) == 0 ? Nested(random) : Hostile[random.Next(Hostile.Length)];
                return new(Replace(stream, token, value), $"{name}: the value at byte {token.Start} (depth {token.Depth}) replaced by {what}");
            }

            case 4:
            {
                Token[] strings = [.. tokens.Where(t => t.HeaderKind == 's' && t.Depth > 0)];
                Token token = strings[random.Next(strings.Length)];
                string key = HostileJson.Pick(random, keys);
                return new(Replace(stream, token, MessagePackSerializer.Serialize(key)), $"{name}: the string at byte {token.Start} replaced by \"{key}\"");
            }

            case 5:
            {
                // A torn tail: the writer died mid-record.
                Token last = records[^1];
                int cut = (int)last.Start + 1 + random.Next((int)(last.End - last.Start - 1));
                return new(stream[..cut], $"{name}: torn off at byte {cut} of {stream.Length} (inside the last record, {last.Start}..{last.End})");
            }

            case 6:
            {
                Token record = records[random.Next(records.Length)];
                int times = 1 + random.Next(random.Next(2) == 0 ? 3 : 2_000);
                byte[] copy = stream[(int)record.Start..(int)record.End];
                return new([.. stream, .. Enumerable.Repeat(copy, times).SelectMany(b => b)], $"{name}: record at byte {record.Start} appended {times} more times");
            }

            case 7:
            {
                Token record = records[random.Next(records.Length)];
                byte[] garbage = random.Next(2) == 0 ? [0xC0] : Hostile[random.Next(Hostile.Length)].Bytes;
                return new([.. stream[..(int)record.Start], .. garbage, .. stream[(int)record.Start..]], $"{name}: {garbage.Length} bytes of another value inserted before the record at byte {record.Start}");
            }

            case 8:
            {
                // A map gains an entry: a known key (a duplicate) or an unknown one, which a reader skips.
                Token[] maps = [.. tokens.Where(t => t.HeaderKind == 'm')];
                Token map = maps[random.Next(maps.Length)];
                string key = random.Next(2) == 0 ? HostileJson.Pick(random, keys) : "unknown";
                (string what, byte[] value) = random.Next(2) == 0 ? Nested(random) : Hostile[random.Next(Hostile.Length)];
                byte[] header = new byte[5];
                header[0] = 0xDF;
                BinaryPrimitives.WriteUInt32BigEndian(header.AsSpan(1), (uint)map.Length + 1);
                return new(
                    [.. stream[..(int)map.Start], .. header, .. MessagePackSerializer.Serialize(key), .. value, .. stream[(int)(map.Start + map.HeaderLength)..]],
                    $"{name}: the map at byte {map.Start} (depth {map.Depth}) gains \"{key}\": {what}");
            }

            default:
                return ByteMutator.Mutate(stream, random, name);
        }
    }

    private static (string, byte[]) Nested(Random random)
    {
        int depth = Depths[random.Next(Depths.Length)];
        return random.Next(2) == 0
            ? ($"arrays nested {depth} deep", [.. Enumerable.Repeat((byte)0x91, depth), 0xC0])
            : ($"maps nested {depth} deep", [.. Enumerable.Repeat(new byte[] { 0x81, 0xA1, (byte)'k' }, depth).SelectMany(b => b), 0xC0]);
    }

    private static byte[] Replace(byte[] stream, Token token, byte[] value) =>
        [.. stream[..(int)token.Start], .. value, .. stream[(int)token.End..]];

    private static string Kind(char? header) => header switch { 's' => "string", 'a' => "array", 'm' => "map", _ => "binary" };

    /// <summary>Every value of a valid stream, with where it starts and ends and how deep it sits.</summary>
    private static List<Token> Tokens(byte[] stream)
    {
        var tokens = new List<Token>();
        var reader = new MessagePackReader(stream);
        while (!reader.End)
        {
            Walk(ref reader, stream, 0, tokens);
        }

        return tokens;
    }

    private static void Walk(ref MessagePackReader reader, byte[] stream, int depth, List<Token> tokens)
    {
        long start = reader.Consumed;
        byte code = stream[start];
        int index = tokens.Count;
        tokens.Add(null!);
        long length;
        switch (reader.NextMessagePackType)
        {
            case MessagePackType.Array:
                length = reader.ReadArrayHeader();
                for (long i = 0; i < length; i++)
                {
                    Walk(ref reader, stream, depth + 1, tokens);
                }

                break;
            case MessagePackType.Map:
                length = reader.ReadMapHeader();
                for (long i = 0; i < 2 * length; i++)
                {
                    Walk(ref reader, stream, depth + 1, tokens);
                }

                break;
            default:
                reader.Skip();
                length = -1;
                break;
        }

        (char? kind, int header) = code switch
        {
            >= 0xA0 and <= 0xBF => ('s', 1),
            0xD9 => ('s', 2),
            0xDA => ('s', 3),
            0xDB => ('s', 5),
            >= 0x90 and <= 0x9F => ('a', 1),
            0xDC => ('a', 3),
            0xDD => ('a', 5),
            >= 0x80 and <= 0x8F => ('m', 1),
            0xDE => ('m', 3),
            0xDF => ('m', 5),
            0xC4 => ('b', 2),
            0xC5 => ('b', 3),
            0xC6 => ('b', 5),
            _ => ((char?)null, 0),
        };
        // A string's or binary's length is its bytes after the header.
        tokens[index] = new Token(start, reader.Consumed, depth, kind, header, length >= 0 ? length : reader.Consumed - start - header);
    }

    /// <summary>One value of the stream.</summary>
    /// <param name="Start">Its first byte.</param>
    /// <param name="End">The byte after its last.</param>
    /// <param name="Depth">0 for a record, 1 for a record's keys and values, and so on.</param>
    /// <param name="HeaderKind">'s', 'a', 'm' or 'b' for a string, array, map or binary header; null for a scalar.</param>
    /// <param name="HeaderLength">The header's size in bytes.</param>
    /// <param name="Length">What the header claims: bytes of a string, elements of an array, entries of a map.</param>
    private sealed record Token(long Start, long End, int Depth, char? HeaderKind, int HeaderLength, long Length);
}
