using System.Globalization;
using System.Text;
using System.Text.Json;
using Geode.Model.Checkpoints;
using static TorchSharp.torch;

namespace Geode.Model.Edits;

/// <summary>
/// An edit as one shareable safetensors file: the basis of part i is the float32 tensor
/// <c>part.{i}.basis</c> [H, k]; everything else is JSON in the <c>__metadata__</c> entry
/// <c>geode.edit</c>:
/// <code>
/// {"format":"geode-edit","version":1,"name":"...","hidden_size":H,
///  "parts":[{"layers":[...],"writers":["o_proj",...],"alpha":1.0,
///            "variant":"projection"|"norm_preserving","post_norm_aware":false}]}
/// </code>
/// Loading checks everything that can be checked without a model; <see cref="Edit.Validate"/>
/// checks the rest against the model at use time.
/// </summary>
public static class EditFile
{
    /// <summary>The <c>__metadata__</c> key that holds the edit's JSON.</summary>
    public const string MetadataKey = "geode.edit";

    /// <summary>The value of the JSON's <c>format</c> field.</summary>
    public const string FormatName = "geode-edit";

    /// <summary>The format version this code writes and reads.</summary>
    public const int Version = 1;

    private const string Projection = "projection";
    private const string NormPreserving = "norm_preserving";

    /// <summary>The tensor name of part <paramref name="index"/>'s basis.</summary>
    public static string BasisName(int index) => $"part.{index.ToString(CultureInfo.InvariantCulture)}.basis";

    /// <summary>Writes <paramref name="edit"/> to <paramref name="path"/> (replacing it atomically).</summary>
    /// <exception cref="ArgumentException">A basis is not 2-D, bases disagree on H, or a layer is negative.</exception>
    public static void Save(Edit edit, string path)
    {
        ArgumentNullException.ThrowIfNull(edit);
        ArgumentNullException.ThrowIfNull(path);
        long hidden = edit.Parts.Count == 0 ? 0 : edit.Parts[0].Basis.shape[0];
        foreach (EditPart part in edit.Parts)
        {
            if (part.Basis.dim() != 2 || part.Basis.shape[0] != hidden)
            {
                throw new ArgumentException($"Every basis must be [H={hidden}, k]; found [{string.Join(", ", part.Basis.shape)}].", nameof(edit));
            }

            if (part.Layers.Any(l => l < 0))
            {
                throw new ArgumentException("Layers must be non-negative.", nameof(edit));
            }
        }

        using var scope = NewDisposeScope();
        var tensors = edit.Parts.Select((part, i) => (BasisName(i), part.Basis.to(ScalarType.Float32, CPU).contiguous())).ToList();
        SafetensorsWriter.Write(path, tensors, new Dictionary<string, string> { [MetadataKey] = ToJson(edit, hidden) });
    }

    /// <summary>
    /// Reads an edit file. The bases are float32 CPU tensors that belong to the caller's dispose
    /// scope if one is open; the edit's <see cref="Edit.Source"/> is the file's absolute path.
    /// </summary>
    /// <exception cref="BadInputException">The file is missing, not safetensors, not a geode edit, or malformed; the message names the file and field.</exception>
    public static Edit Load(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        using SafetensorsFile file = SafetensorsFile.Open(path);
        string where = file.Path;
        if (!file.Metadata.TryGetValue(MetadataKey, out string? text))
        {
            throw new BadInputException(
                $"{where}: not a geode edit: its __metadata__ has no '{MetadataKey}' entry (found {(file.Metadata.Count == 0 ? "no metadata" : string.Join(", ", file.Metadata.Keys.Select(k => $"'{k}'")))}).",
                where,
                MetadataKey);
        }

        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(text);
        }
        catch (JsonException error)
        {
            throw new BadInputException($"{where}: __metadata__['{MetadataKey}'] is not valid JSON: {error.Message.TrimEnd('.')}.", where, MetadataKey, error);
        }

        using (document)
        {
            var reader = new EditJsonReader(where);
            JsonElement root = document.RootElement;

            // Reading such a string (format, name, a writer, the variant) would throw wherever it is touched.
            if (JsonStrings.FindUnreadable(root) is { } unreadable)
            {
                throw new BadInputException($"{where}: __metadata__['{MetadataKey}'] cannot be read as text at {unreadable}.", where, MetadataKey);
            }

            reader.RequireObject(root, MetadataKey);
            string format = reader.String(root, "format", MetadataKey);
            if (format != FormatName)
            {
                throw reader.Bad("format", $"is \"{format}\"; expected \"{FormatName}\"");
            }

            long version = reader.Integer(root, "version", MetadataKey);
            if (version != Version)
            {
                throw reader.Bad("version", $"is {version}; this Geode reads version {Version}");
            }

            string name = root.TryGetProperty("name", out _) ? reader.String(root, "name", MetadataKey) : Path.GetFileNameWithoutExtension(where);
            long hidden = reader.Integer(root, "hidden_size", MetadataKey);
            JsonElement partsElement = reader.Property(root, "parts", MetadataKey);
            if (partsElement.ValueKind != JsonValueKind.Array)
            {
                throw reader.Bad("parts", $"is a JSON {Kind(partsElement)}; expected an array of parts");
            }

            if (hidden < (partsElement.GetArrayLength() == 0 ? 0 : 1))
            {
                throw reader.Bad("hidden_size", $"is {hidden}; expected the model's hidden size H ≥ 1");
            }

            var parts = new List<EditPart>();
            try
            {
                int index = 0;
                foreach (JsonElement element in partsElement.EnumerateArray())
                {
                    parts.Add(ReadPart(file, reader, element, index++, hidden));
                }

                string? extra = file.Tensors.Select(t => t.Name).FirstOrDefault(n => !Enumerable.Range(0, parts.Count).Select(BasisName).Contains(n));
                if (extra is not null)
                {
                    throw new BadInputException(
                        $"{where}: tensor '{extra}' belongs to no part; the edit has {parts.Count} part(s), with bases {(parts.Count == 0 ? "none" : $"{BasisName(0)}..{BasisName(parts.Count - 1)}")}.",
                        where,
                        extra);
                }
            }
            catch
            {
                foreach (EditPart part in parts)
                {
                    part.Basis.Dispose();
                }

                throw;
            }

            return new Edit(parts, name) { Source = where };
        }
    }

    private static EditPart ReadPart(SafetensorsFile file, EditJsonReader reader, JsonElement element, int index, long hidden)
    {
        string field = $"parts[{index}]";
        reader.RequireObject(element, field);
        JsonElement layersElement = reader.Property(element, "layers", field);
        if (layersElement.ValueKind != JsonValueKind.Array || layersElement.GetArrayLength() == 0)
        {
            throw reader.Bad($"{field}.layers", $"is {layersElement.GetRawText()}; expected a non-empty array of layer indices");
        }

        var layers = new List<int>();
        foreach (JsonElement layer in layersElement.EnumerateArray())
        {
            if (layer.ValueKind != JsonValueKind.Number || !layer.TryGetInt32(out int value) || value < 0)
            {
                throw reader.Bad($"{field}.layers", $"holds {layer.GetRawText()}; layers are integers ≥ 0");
            }

            layers.Add(value);
        }

        JsonElement writersElement = reader.Property(element, "writers", field);
        if (writersElement.ValueKind != JsonValueKind.Array || writersElement.GetArrayLength() == 0)
        {
            throw reader.Bad($"{field}.writers", $"is {writersElement.GetRawText()}; expected a non-empty array such as [\"o_proj\", \"down_proj\"]");
        }

        var writers = new List<WriterKind>();
        foreach (JsonElement writer in writersElement.EnumerateArray())
        {
            WriterKind? kind = writer.ValueKind == JsonValueKind.String
                ? Enum.GetValues<WriterKind>().Cast<WriterKind?>().FirstOrDefault(w => w!.Value.Name() == writer.GetString())
                : null;
            writers.Add(kind ?? throw reader.Bad($"{field}.writers", $"holds {writer.GetRawText()}, which is not a writer; use o_proj, down_proj or per_layer_projection"));
        }

        JsonElement alphaElement = reader.Property(element, "alpha", field);
        if (alphaElement.ValueKind != JsonValueKind.Number || !alphaElement.TryGetDouble(out double alpha) || !double.IsFinite(alpha))
        {
            throw reader.Bad($"{field}.alpha", $"is {alphaElement.GetRawText()}; expected a finite number");
        }

        EditVariant variant = EditVariant.Projection;
        if (element.TryGetProperty("variant", out JsonElement variantElement))
        {
            variant = variantElement.ValueKind == JsonValueKind.String ? variantElement.GetString() switch
            {
                Projection => EditVariant.Projection,
                NormPreserving => EditVariant.NormPreserving,
                _ => throw reader.Bad($"{field}.variant", $"is {variantElement.GetRawText()}; expected \"{Projection}\" or \"{NormPreserving}\""),
            }
            : throw reader.Bad($"{field}.variant", $"is {variantElement.GetRawText()}; expected \"{Projection}\" or \"{NormPreserving}\"");
        }

        bool postNormAware = false;
        if (element.TryGetProperty("post_norm_aware", out JsonElement awareElement))
        {
            postNormAware = awareElement.ValueKind switch
            {
                JsonValueKind.True => true,
                JsonValueKind.False => false,
                _ => throw reader.Bad($"{field}.post_norm_aware", $"is {awareElement.GetRawText()}; expected true or false"),
            };
        }

        return new EditPart(layers, writers, ReadBasis(file, index, hidden), alpha, variant, postNormAware);
    }

    private static Tensor ReadBasis(SafetensorsFile file, int index, long hidden)
    {
        string name = BasisName(index);
        string where = file.Path;
        if (!file.Contains(name))
        {
            throw new BadInputException($"{where}: parts[{index}] has no basis: the file holds no tensor '{name}'.", where, name);
        }

        TensorInfo info = file.Get(name);
        if (info.DType != SafetensorsDType.F32)
        {
            throw new BadInputException($"{where}: tensor '{name}' is {info.DType.HeaderName()}; a basis is F32.", where, name);
        }

        if (info.Shape.Length != 2 || info.Shape[0] != hidden || info.Shape[1] < 1 || info.Shape[1] > hidden)
        {
            throw new BadInputException(
                $"{where}: tensor '{name}' has shape [{string.Join(", ", info.Shape)}]; a basis is 2-D, [hidden_size={hidden}, k] with 1 ≤ k ≤ {hidden}.",
                where,
                name);
        }

        using var scope = NewDisposeScope();
        Tensor basis = file.Read(name);
        if (!basis.isfinite().all().item<bool>())
        {
            throw new BadInputException($"{where}: tensor '{name}' holds NaN or infinite values.", where, name);
        }

        // QR would silently turn a zero or repeated column into some arbitrary extra direction to remove.
        Tensor norms = basis.norm(0, keepdim: true);
        if (norms.min().item<float>() == 0)
        {
            throw new BadInputException($"{where}: tensor '{name}' has an all-zero column; every column must be a direction.", where, name);
        }

        Tensor singular = linalg.svdvals(basis.to(ScalarType.Float64) / norms.to(ScalarType.Float64));
        if (singular.min().item<double>() < 1e-6 * singular.max().item<double>())
        {
            throw new BadInputException($"{where}: the columns of tensor '{name}' are linearly dependent; a basis spans k independent directions.", where, name);
        }

        return basis.MoveToOuterDisposeScope();
    }

    private static string ToJson(Edit edit, long hidden)
    {
        using var stream = new MemoryStream();
        using (var json = new Utf8JsonWriter(stream))
        {
            json.WriteStartObject();
            json.WriteString("format", FormatName);
            json.WriteNumber("version", Version);
            json.WriteString("name", edit.Name);
            json.WriteNumber("hidden_size", hidden);
            json.WriteStartArray("parts");
            foreach (EditPart part in edit.Parts)
            {
                json.WriteStartObject();
                json.WriteStartArray("layers");
                foreach (int layer in part.Layers)
                {
                    json.WriteNumberValue(layer);
                }

                json.WriteEndArray();
                json.WriteStartArray("writers");
                foreach (WriterKind writer in part.Writers)
                {
                    json.WriteStringValue(writer.Name());
                }

                json.WriteEndArray();
                json.WriteNumber("alpha", part.Alpha);
                json.WriteString("variant", part.Variant == EditVariant.NormPreserving ? NormPreserving : Projection);
                json.WriteBoolean("post_norm_aware", part.PostNormAware);
                json.WriteEndObject();
            }

            json.WriteEndArray();
            json.WriteEndObject();
        }

        return Encoding.UTF8.GetString(stream.ToArray());
    }

    private static string Kind(JsonElement element) => element.ValueKind.ToString().ToLowerInvariant();

    /// <summary>Reads typed fields of the edit JSON, naming the file and field in every error.</summary>
    private sealed class EditJsonReader(string where)
    {
        public BadInputException Bad(string field, string problem) =>
            new($"{where}: {MetadataKey}: {field} {problem}.", where, field);

        public void RequireObject(JsonElement element, string field)
        {
            if (element.ValueKind != JsonValueKind.Object)
            {
                throw Bad(field, $"is a JSON {Kind(element)}; expected an object");
            }
        }

        public JsonElement Property(JsonElement parent, string name, string parentField)
        {
            string field = parentField == MetadataKey ? name : $"{parentField}.{name}";
            return parent.TryGetProperty(name, out JsonElement value) ? value : throw Bad(field, "is missing");
        }

        public string String(JsonElement parent, string name, string parentField)
        {
            JsonElement value = Property(parent, name, parentField);
            return value.ValueKind == JsonValueKind.String ? value.GetString()! : throw Bad(name, $"is {value.GetRawText()}; expected a string");
        }

        public long Integer(JsonElement parent, string name, string parentField)
        {
            JsonElement value = Property(parent, name, parentField);
            return value.ValueKind == JsonValueKind.Number && value.TryGetInt64(out long number)
                ? number
                : throw Bad(name, $"is {value.GetRawText()}; expected an integer");
        }
    }
}
