using System.Globalization;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.Json.Nodes;
using Geode.Model.Edits;
using Geode.Tests.Fuzz;

namespace Geode.Model.Tests.Fuzz;

/// <summary>
/// Hostile edit files, built the way a careless or malicious author would write one: a valid
/// safetensors container whose <c>geode.edit</c> JSON and bases say something wrong (a hidden size
/// that disagrees with the bases or the model, k = 0 or k &gt; H, NaN, infinite, zero or repeated
/// columns, bases of another dtype or rank, missing or extra tensors, layer indices past the model
/// or past int32, NaN-like alphas, unknown writers and variants, thousands of parts), plus the
/// generic mutations: the edit JSON mutated as JSON, and the whole file as safetensors and as bytes.
/// </summary>
internal static class EditFileMutator
{
    /// <summary>Every key <see cref="EditFile.Load"/> reads, so renames and additions reach its field checks.</summary>
    public static readonly string[] Keys = ["format", "version", "name", "hidden_size", "parts", "layers", "writers", "alpha", "variant", "post_norm_aware"];

    /// <summary>Per field, raw JSON values that a reader must refuse or take for what they are.</summary>
    private static readonly Dictionary<string, string[]> HostileFields = new(StringComparer.Ordinal)
    {
        ["hidden_size"] = ["0", "-1", "1", "127", "129", "64", "256", "2147483648", "9223372036854775807", "9223372036854775808", "1e3", "128.0", "\"128\"", "null", "[128]"],
        ["layers"] = ["[]", "[-1]", "[6]", "[5]", "[2147483647]", "[2147483648]", "[9223372036854775807]", "[1e3]", "[0.5]", "[\"0\"]", "[null]", "[0,0]", "[[0]]", "0", "\"0-5\"",
            "[" + string.Join(",", Enumerable.Range(0, 1_000)) + "]", "[" + string.Join(",", Enumerable.Repeat("0", 5_000)) + "]"],
        ["writers"] = ["[]", "[\"o_proj\",\"o_proj\"]", "[\"q_proj\"]", "[\"O_PROJ\"]", "[\"\"]", "[1]", "[null]", "\"o_proj\"", "[\"per_layer_projection\"]", "[\"down_proj\",\"per_layer_projection\",\"o_proj\"]", "[\"o_proj\\u0000\"]", "[\"\\ud800\"]"],
        ["alpha"] = ["0", "-1", "1e308", "-1e308", "1e309", "-1e309", "1e-400", "\"NaN\"", "\"Infinity\"", "\"1\"", "null", "true", "[1]", "NaN", "Infinity"],
        ["variant"] = ["\"\"", "\"Projection\"", "\"norm-preserving\"", "1", "null", "[\"projection\"]", "\"\\udc00\""],
        ["post_norm_aware"] = ["1", "0", "\"true\"", "null", "[]"],
        ["format"] = ["\"geode-edit \"", "\"GEODE-EDIT\"", "\"\"", "1", "null", "\"geode-edit\\u0000\"", "\"\\ud83d\""],
        ["version"] = ["0", "2", "-1", "1.0", "1.5", "\"1\"", "null", "18446744073709551617"],
        ["name"] = ["\"\"", "1", "null", "\"\\ud800\"", "\"" + new string('n', 10_000) + "\"", "\"../../etc/passwd\"", "\"a\\u0000b\""],
    };

    private static readonly string[] RootFields = ["format", "version", "name", "hidden_size"];
    private static readonly string[] PartFields = ["layers", "writers", "alpha", "variant", "post_norm_aware"];

    /// <summary>One random hostile edit file derived from <paramref name="base"/>.</summary>
    public static FuzzInput Mutate(EditSample @base, System.Random random)
    {
        int pick = random.Next(100);
        if (pick < 50)
        {
            return Semantic(@base, random);
        }

        if (pick < 75)
        {
            // The edit JSON as JSON: hostile values, removed, renamed, repeated and nested fields.
            FuzzInput json = random.Next(5) == 0
                ? ByteMutator.Mutate(Encoding.UTF8.GetBytes(@base.Json), random, $"{@base.Name} {EditFile.MetadataKey}")
                : JsonMutator.Mutate(@base.Json, random, $"{@base.Name} {EditFile.MetadataKey}", Keys);
            return new(Assemble(Encoding.UTF8.GetString(json.Bytes), @base.Bases), json.Mutation);
        }

        return SafetensorsMutator.Mutate(@base.File, random);
    }

    /// <summary>A safetensors file holding <paramref name="tensors"/> with <paramref name="editJson"/> as its <c>geode.edit</c> metadata (null: no metadata).</summary>
    public static byte[] Assemble(string? editJson, IReadOnlyList<RawTensor> tensors)
    {
        var header = new JsonObject();
        if (editJson is not null)
        {
            header["__metadata__"] = new JsonObject { [EditFile.MetadataKey] = editJson };
        }

        long offset = 0;
        foreach (RawTensor tensor in tensors)
        {
            header[tensor.Name] = new JsonObject
            {
                ["dtype"] = tensor.DType,
                ["shape"] = new JsonArray([.. tensor.Shape.Select(d => (JsonNode?)d)]),
                ["data_offsets"] = new JsonArray(offset, offset + tensor.Data.Length),
            };
            offset += tensor.Data.Length;
        }

        return SafetensorsMutator.Assemble(Encoding.UTF8.GetBytes(header.ToJsonString()), [.. tensors.SelectMany(t => t.Data)]);
    }

    /// <summary>A float32 basis [rows, columns] of random values, as raw little-endian bytes.</summary>
    public static RawTensor Basis(string name, System.Random random, long rows, long columns)
    {
        float[] values = new float[rows * columns];
        for (int i = 0; i < values.Length; i++)
        {
            values[i] = (float)((random.NextDouble() * 2) - 1);
        }

        return new(name, "F32", [rows, columns], MemoryMarshal.AsBytes(values.AsSpan()).ToArray());
    }

    private static FuzzInput Semantic(EditSample @base, System.Random random)
    {
        var json = (JsonObject)JsonNode.Parse(@base.Json)!;
        var parts = (JsonArray)json["parts"]!;
        List<RawTensor> tensors = [.. @base.Bases];
        long hidden = @base.Hidden;
        string raw = string.Empty;
        string what;
        int part = random.Next(parts.Count);
        string basisName = EditFile.BasisName(part);
        int at = tensors.FindIndex(t => t.Name == basisName);
        long columns = tensors[at].Shape[1];

        switch (random.Next(10))
        {
            case 0:
            {
                string field = RootFields[random.Next(RootFields.Length)];
                raw = HostileJson.Pick(random, HostileFields[field]);
                json[field] = JsonMutator.ValueMarker;
                what = $"{field} = {JsonMutator.Show(raw)}";
                break;
            }

            case 1:
            case 2:
            {
                string field = PartFields[random.Next(PartFields.Length)];
                raw = HostileJson.Pick(random, HostileFields[field]);
                parts[part]![field] = JsonMutator.ValueMarker;
                what = $"parts[{part}].{field} = {JsonMutator.Show(raw)}";
                break;
            }

            case 3:
            {
                // A basis of the wrong shape or dtype, its bytes consistent with what it claims.
                (string dtype, long[] shape, string label) = random.Next(11) switch
                {
                    0 => ("F32", new long[] { hidden, 0L }, "k = 0"),
                    1 => ("F32", new long[] { hidden - 1, columns }, "one row short of hidden_size"),
                    2 => ("F32", new long[] { hidden + 1, columns }, "one row past hidden_size"),
                    3 => ("F32", new long[] { hidden, hidden + 1 }, "k > H"),
                    4 => ("F32", new long[] { columns, hidden }, "transposed"),
                    5 => ("F32", new long[] { hidden }, "1-D"),
                    6 => ("F32", new long[] { 1, hidden, columns }, "3-D"),
                    7 => ("F16", new long[] { hidden, columns }, "float16"),
                    8 => ("BF16", new long[] { hidden, columns }, "bfloat16"),
                    9 => ("F64", new long[] { hidden, columns }, "float64"),
                    _ => ("I32", new long[] { hidden, columns }, "int32"),
                };
                long elements = shape.Aggregate(1L, (a, b) => a * b);
                int size = dtype switch { "F16" or "BF16" => 2, "F64" => 8, _ => 4 };
                byte[] data = new byte[elements * size];
                random.NextBytes(data);
                tensors[at] = new(basisName, dtype, shape, data);
                what = $"{basisName} is {label}: {dtype} [{string.Join(", ", shape)}]";
                break;
            }

            case 4:
            {
                // Values no direction has, or columns that span less than k directions.
                float[] values = MemoryMarshal.Cast<byte, float>(tensors[at].Data).ToArray();
                int column = random.Next((int)columns);
                string label;
                switch (random.Next(8))
                {
                    case 0:
                        values[random.Next(values.Length)] = float.NaN;
                        label = "a NaN";
                        break;
                    case 1:
                        values[random.Next(values.Length)] = random.Next(2) == 0 ? float.PositiveInfinity : float.NegativeInfinity;
                        label = "an infinity";
                        break;
                    case 2:
                        SetColumn(values, columns, column, _ => 0);
                        label = $"column {column} all zero";
                        break;
                    case 3:
                        SetColumn(values, columns, column, row => values[(row * columns) + ((column + 1) % columns)] * 2);
                        label = columns > 1 ? $"column {column} twice its neighbour" : "one column (unchanged)";
                        break;
                    case 4:
                        SetColumn(values, columns, column, row => values[(row * columns) + column] * 1e-30f);
                        label = $"column {column} scaled by 1e-30";
                        break;
                    case 5:
                        SetColumn(values, columns, column, _ => float.Epsilon);
                        label = $"column {column} all denormal";
                        break;
                    case 6:
                        SetColumn(values, columns, column, row => values[(row * columns) + column] * 3e38f);
                        label = $"column {column} near float's maximum";
                        break;
                    default:
                        Array.Fill(values, float.NaN);
                        label = "all NaN";
                        break;
                }

                tensors[at] = tensors[at] with { Data = MemoryMarshal.AsBytes(values.AsSpan()).ToArray() };
                what = $"{basisName} has {label}";
                break;
            }

            case 5:
            {
                switch (random.Next(4))
                {
                    case 0:
                        tensors.RemoveAt(at);
                        what = $"{basisName} removed";
                        break;
                    case 1:
                        tensors.Add(Basis(EditFile.BasisName(parts.Count), random, hidden, 1));
                        what = $"an extra {EditFile.BasisName(parts.Count)}";
                        break;
                    case 2:
                        tensors.Add(new("lm_head.weight", "F32", [2, 2], new byte[16]));
                        what = "an extra tensor lm_head.weight";
                        break;
                    default:
                        string renamed = HostileJson.Pick(random, [$"part.0{part}.basis", $"Part.{part}.basis", $"part.{part}.basis ", $"part.{part}"]);
                        tensors[at] = tensors[at] with { Name = renamed };
                        what = $"{basisName} renamed {renamed}";
                        break;
                }

                break;
            }

            case 6:
            {
                // A consistent edit of another hidden size: it loads, and the model refuses it.
                long[] hiddenSizes = [1, 2, 64, 127, 129, 512];
                long other = hiddenSizes[random.Next(hiddenSizes.Length)];
                json["hidden_size"] = other;
                for (int i = 0; i < tensors.Count; i++)
                {
                    tensors[i] = Basis(tensors[i].Name, random, other, Math.Min(other, tensors[i].Shape[1]));
                }

                what = $"hidden_size {other} with bases to match";
                break;
            }

            case 7:
            {
                // Many valid parts: every one costs a read and a rank check.
                int count = random.Next(2) == 0 ? 2 + random.Next(20) : 100 + random.Next(400);
                var template = parts[0]!;
                parts.Clear();
                tensors.Clear();
                for (int i = 0; i < count; i++)
                {
                    parts.Add(template.DeepClone());
                    tensors.Add(Basis(EditFile.BasisName(i), random, hidden, 1));
                }

                what = $"{count} parts";
                break;
            }

            case 8:
            {
                // Layer lists the model cannot take: too high, repeated, or absurdly long.
                int layers = @base.Layers;
                raw = random.Next(4) switch
                {
                    0 => $"[{layers}]",
                    1 => $"[0,{random.Next(layers)},{random.Next(layers)}]",
                    2 => "[" + string.Join(",", Enumerable.Range(0, 1 + random.Next(50_000))) + "]",
                    _ => $"[{int.MaxValue}]",
                };
                parts[part]!["layers"] = JsonMutator.ValueMarker;
                what = $"parts[{part}].layers = {JsonMutator.Show(raw)}";
                break;
            }

            default:
            {
                // No parts, or parts of the wrong kind.
                raw = HostileJson.Pick(random, ["[]", "[1]", "[[]]", "[null]", "[{}]", "{}", "null", "\"parts\""]);
                json["parts"] = JsonMutator.ValueMarker;
                if (raw == "[]")
                {
                    tensors.Clear();
                }

                what = $"parts = {raw}";
                break;
            }
        }

        string text = JsonMutator.Render(json, false, raw, null);
        return new(Assemble(text, tensors), $"{@base.Name}: {what}");
    }

    private static void SetColumn(float[] values, long columns, int column, Func<long, float> value)
    {
        long rows = values.Length / columns;
        for (long row = 0; row < rows; row++)
        {
            values[(row * columns) + column] = value(row);
        }
    }
}

/// <summary>One tensor of a hand-built safetensors file: its header fields and raw bytes.</summary>
internal sealed record RawTensor(string Name, string DType, long[] Shape, byte[] Data);

/// <summary>A valid edit file and its parts: the base the edit fuzz mutates.</summary>
/// <param name="Name">The base's name, for case descriptions.</param>
/// <param name="Json">The <c>geode.edit</c> JSON.</param>
/// <param name="Bases">The basis tensors, in file order.</param>
/// <param name="Hidden">The edit's hidden size H.</param>
/// <param name="Layers">How many layers the model the edit is checked against has.</param>
internal sealed record EditSample(string Name, string Json, IReadOnlyList<RawTensor> Bases, long Hidden, int Layers)
{
    /// <summary>The whole file.</summary>
    public SafetensorsSample File { get; } = new(Name, EditFileMutator.Assemble(Json, Bases));

    /// <summary>Builds a sample from an edit's JSON, with random bases of the widths <paramref name="ranks"/>.</summary>
    public static EditSample Create(string name, string json, long hidden, int layers, int[] ranks, int seed)
    {
        var random = new System.Random(seed);
        RawTensor[] bases = [.. ranks.Select((k, i) => EditFileMutator.Basis(EditFile.BasisName(i), random, hidden, k))];
        return new(name, json, bases, hidden, layers);
    }

    /// <inheritdoc/>
    public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"{Name} (H={Hidden})");
}
