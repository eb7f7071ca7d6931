using System.Buffers.Binary;
using System.Text;
using System.Text.Json.Nodes;
using Geode.Tests.Fuzz;

namespace Geode.Model.Tests.Fuzz;

/// <summary>
/// Mutations of a valid safetensors file aimed at what its reader must check: the u64 header
/// length (zero, off by one, past the file, past the format's limit, 2^64-1), each entry's
/// data_offsets (negative, fractional, reversed, past the data, overlapping another tensor, past
/// 2^63), dtypes (unknown, wrong kind, another size so the byte count no longer matches), shapes
/// (extra, missing, negative or huge dimensions, products that overflow 64 bits), missing fields,
/// duplicate or hostile names, metadata of the wrong kind, padding, a shortened or extended body,
/// plus the generic JSON and byte mutations.
/// </summary>
internal static class SafetensorsMutator
{
    private static readonly string[] DTypes =
        ["\"F64\"", "\"F32\"", "\"F16\"", "\"BF16\"", "\"I64\"", "\"I32\"", "\"I16\"", "\"I8\"", "\"U8\"", "\"BOOL\"", "\"F8_E4M3\"",
         "\"F8_E5M2\"", "\"U16\"", "\"U32\"", "\"U64\"", "\"C64\"", "\"f32\"", "\"Bool\"", "\"\"", "\" F32\"", "\"F32\\u0000\"", "\"\\ud800\"",
         "4", "null", "[\"F32\"]", "{}"];

    private static readonly string[] Shapes =
        ["[]", "[0]", "[1]", "[-1]", "[1.5]", "[\"2\"]", "[null]", "null", "{}", "\"[2]\"", "[2147483648]", "[4294967296]",
         "[9223372036854775807]", "[9223372036854775808]", "[4294967296,4294967296]", "[4294967296,4294967296,4294967296]",
         "[3037000500,3037000500]", "[1152921504606846976,8]", "[0,9223372036854775807]", "[9223372036854775807,0]",
         "[" + string.Join(",", Enumerable.Repeat("1", 300)) + "]", "[" + string.Join(",", Enumerable.Repeat("65536", 8)) + "]"];

    private static readonly string[] Fields = ["dtype", "shape", "data_offsets"];

    /// <summary>One random mutation of <paramref name="file"/>.</summary>
    public static FuzzInput Mutate(SafetensorsSample file, System.Random random)
    {
        int pick = random.Next(100);
        if (pick < 35)
        {
            return Entry(file, random);
        }

        if (pick < 50)
        {
            FuzzInput header = JsonMutator.Mutate(file.Header, random, $"{file.Name} header", ["dtype", "shape", "data_offsets", "__metadata__", "format"]);
            return new(Assemble(header.Bytes, file.Data), header.Mutation);
        }

        if (pick < 60)
        {
            return LengthField(file, random);
        }

        if (pick < 72)
        {
            return Body(file, random);
        }

        if (pick < 78)
        {
            return Padding(file, random);
        }

        return ByteMutator.Mutate(file.Bytes, random, file.Name);
    }

    /// <summary>The 8-byte little-endian length, the header, the data.</summary>
    public static byte[] Assemble(byte[] header, byte[] data, ulong? claimed = null)
    {
        byte[] bytes = new byte[8 + header.Length + data.Length];
        BinaryPrimitives.WriteUInt64LittleEndian(bytes, claimed ?? (ulong)header.Length);
        header.CopyTo(bytes, 8);
        data.CopyTo(bytes, 8 + header.Length);
        return bytes;
    }

    private static FuzzInput Entry(SafetensorsSample file, System.Random random)
    {
        var root = (JsonObject)JsonNode.Parse(file.Header)!;
        string[] names = [.. root.Select(p => p.Key).Where(k => k != "__metadata__")];
        string name = names[random.Next(names.Length)];
        var entry = (JsonObject)root[name]!;
        long begin = (long)entry["data_offsets"]![0]!;
        long end = (long)entry["data_offsets"]![1]!;
        string raw = string.Empty;
        string? rawKey = null;
        string what;
        switch (random.Next(11))
        {
            case 0:
            case 1:
            {
                string first = Offset(file, random, begin, end);
                string second = Offset(file, random, begin, end);
                entry["data_offsets"] = JsonMutator.ValueMarker;
                raw = random.Next(5) switch
                {
                    0 => $"[{first}]",
                    1 => $"[{first},{second},{second}]",
                    2 => $"[{end},{begin}]",
                    _ => $"[{first},{second}]",
                };
                what = $"'{name}'.data_offsets = {raw}";
                break;
            }

            case 2:
            {
                // Another tensor's bytes, or a range straddling it: the entries overlap.
                string other = names[random.Next(names.Length)];
                long otherBegin = (long)root[other]!["data_offsets"]![0]!;
                long shift = random.Next(3) - 1;
                raw = $"[{otherBegin + shift},{otherBegin + shift + (end - begin)}]";
                entry["data_offsets"] = JsonMutator.ValueMarker;
                what = $"'{name}'.data_offsets = {raw} (over '{other}')";
                break;
            }

            case 3:
                raw = DTypes[random.Next(DTypes.Length)];
                entry["dtype"] = JsonMutator.ValueMarker;
                what = $"'{name}'.dtype = {raw}";
                break;

            case 4:
                raw = Shapes[random.Next(Shapes.Length)];
                entry["shape"] = JsonMutator.ValueMarker;
                what = $"'{name}'.shape = {raw}";
                break;

            case 5:
            {
                var shape = (JsonArray)entry["shape"]!;
                string dim = HostileJson.Pick(random, ["0", "1", "2", "3", "-1", "2147483648", "4294967296", "4611686018427387904"]);
                int at = random.Next(shape.Count + 1);
                shape.Insert(at, JsonMutator.ValueMarker);
                raw = dim;
                what = $"'{name}'.shape gains {dim} at {at}";
                break;
            }

            case 6:
            {
                string field = Fields[random.Next(Fields.Length)];
                entry.Remove(field);
                what = $"'{name}'.{field} removed";
                break;
            }

            case 7:
                raw = HostileJson.Value(random);
                root[name] = JsonMutator.ValueMarker;
                what = $"'{name}' = {JsonMutator.Show(raw)}";
                break;

            case 8:
            {
                // A second entry under the same name, or a hostile name.
                bool duplicate = random.Next(2) == 0;
                rawKey = duplicate ? JsonMutator.Quote(name) : HostileJson.Pick(random, ["\"__metadata__\"", "\"\"", "\"\\ud800\"", "\"a\\u0000b\"", "\"\\udc00\"", "\"x\\ud83d\\ude00\""]);
                root[JsonMutator.KeyMarker] = entry.DeepClone();
                what = duplicate ? $"'{name}' appears twice" : $"'{name}' copied under the name {rawKey}";
                break;
            }

            case 9:
            {
                raw = HostileJson.Pick(random, ["1", "null", "[]", "\"pt\"", "{\"format\":1}", "{\"a\":{\"b\":\"c\"}}", "{\"\\ud800\":\"x\"}", "{\"a\":\"\\udc00\"}", "{\"k\":\"v\",\"k\":\"w\"}"])
                    ;
                root["__metadata__"] = JsonMutator.ValueMarker;
                what = $"__metadata__ = {raw}";
                break;
            }

            default:
            {
                // Many entries: empty tensors are valid anywhere; non-empty ones at one offset overlap.
                int count = 1 + random.Next(2_000);
                bool empty = random.Next(2) == 0;
                for (int i = 0; i < count; i++)
                {
                    root[$"extra.{i}"] = empty
                        ? new JsonObject { ["dtype"] = "F32", ["shape"] = new JsonArray(0), ["data_offsets"] = new JsonArray(0, 0) }
                        : new JsonObject { ["dtype"] = "U8", ["shape"] = new JsonArray(1), ["data_offsets"] = new JsonArray(0, 1) };
                }

                what = $"{count} {(empty ? "empty" : "one-byte, overlapping")} tensors added";
                break;
            }
        }

        byte[] header = Encoding.UTF8.GetBytes(JsonMutator.Render(root, random.Next(4) == 0, raw, rawKey));
        return new(Assemble(header, file.Data), $"{file.Name}: {what}");
    }

    private static string Offset(SafetensorsSample file, System.Random random, long begin, long end)
    {
        long data = file.Data.Length;
        return random.Next(4) == 0
            ? HostileJson.Pick(random, ["-1", "1.5", "\"0\"", "null", "2147483648", "4294967296", "9007199254740993", "9223372036854775807", "9223372036854775808", "18446744073709551615", "1e30", "-0"])
            : HostileJson.Pick(random, [.. new[] { 0, 1, begin, end, begin - 1, begin + 1, end - 1, end + 1, data, data + 1, data - 1 }.Select(v => v.ToString(System.Globalization.CultureInfo.InvariantCulture))]);
    }

    private static FuzzInput LengthField(SafetensorsSample file, System.Random random)
    {
        ulong actual = (ulong)file.HeaderBytes.Length;
        ulong fileLength = (ulong)file.Bytes.Length;
        ulong[] claims = [0, 1, 2, 7, 8, actual - 1, actual + 1, actual + 8, fileLength - 8, fileLength - 7, fileLength, int.MaxValue, 1UL << 31, 1UL << 32,
            100_000_000, 100_000_001, 1UL << 62, (1UL << 63) - 1, 1UL << 63, ulong.MaxValue];
        ulong claimed = claims[random.Next(claims.Length)];
        return new(Assemble(file.HeaderBytes, file.Data, claimed), $"{file.Name}: header length field = {claimed} (header is {actual} bytes, file {fileLength})");
    }

    private static FuzzInput Body(SafetensorsSample file, System.Random random)
    {
        int length = file.Data.Length;
        switch (random.Next(4))
        {
            case 0:
            {
                int cut = 1 + random.Next(Math.Max(1, Math.Min(length, 64)));
                return new(Assemble(file.HeaderBytes, file.Data[..Math.Max(0, length - cut)]), $"{file.Name}: last {cut} data bytes cut off");
            }

            case 1:
                return new(Assemble(file.HeaderBytes, []), $"{file.Name}: all data bytes cut off");

            case 2:
            {
                byte[] extra = new byte[1 + random.Next(4_096)];
                random.NextBytes(extra);
                return new(Assemble(file.HeaderBytes, [.. file.Data, .. extra]), $"{file.Name}: {extra.Length} bytes appended after the data");
            }

            default:
            {
                // Arbitrary tensor bytes (NaNs, denormals, non-0/1 booleans) are valid data.
                byte[] data = [.. file.Data];
                random.NextBytes(data);
                return new(Assemble(file.HeaderBytes, data), $"{file.Name}: data replaced by random bytes");
            }
        }
    }

    private static FuzzInput Padding(SafetensorsSample file, System.Random random)
    {
        byte[] header = file.HeaderBytes;
        (byte[] padded, string what) = random.Next(6) switch
        {
            0 => ([.. header, .. Enumerable.Repeat((byte)' ', 1 + random.Next(64))], "spaces appended to the header"),
            1 => ([.. header, (byte)'x'], "a stray byte after the header's JSON"),
            2 => ([0xEF, 0xBB, 0xBF, .. header], "a UTF-8 byte order mark before the header"),
            3 => ([.. header, .. new byte[1 + random.Next(8)]], "NUL bytes padding the header"),
            4 => ([.. "\n\t "u8, .. header], "whitespace before the header"),
            _ => ((byte[])[.. header, .. "{}"u8], "a second JSON value after the header"),
        };
        return new(Assemble(padded, file.Data), $"{file.Name}: {what}");
    }
}
