using System.Text.Encodings.Web;
using System.Text.Json;
using Geode.Model.Files;

namespace Geode.Analysis.Forensics;

/// <summary>
/// Writes <c>diff.json</c>: a JSON array with one object per tensor and fork —
/// <c>name</c> (as in the checkpoint), <c>fork</c>, <c>status</c> (<c>changed</c>, <c>unchanged</c>,
/// <c>unused</c>, <c>only_in_base</c>, <c>only_in_fork</c>), <c>changed</c>, <c>unused</c>,
/// <c>layer</c>, <c>kind</c>, <c>shape</c>, <c>dtype</c>, <c>max_abs_delta</c>, <c>delta_norm</c>,
/// <c>relative_delta_norm</c>, <c>spectrum</c>, <c>rank95</c>, <c>rank95_at_least</c>,
/// <c>sigma_ratio</c>, <c>svd</c>, <c>top_cosines</c> (label → cosine), <c>vector_cosines</c>
/// (label → per-vector signed cosines) and <c>fork_cosines</c> (fork → |cos|). Values that do not
/// apply are null (numbers) or empty (lists and maps). The singular vectors themselves are not
/// written.
/// </summary>
public static class DiffJson
{
    /// <summary>Writes <paramref name="records"/> to <paramref name="path"/>.</summary>
    public static void Write(IReadOnlyList<TensorDiff> records, string path)
    {
        ArgumentNullException.ThrowIfNull(records);

        // Through a temporary and a rename: a diff that fails half way (a full disk) leaves no
        // truncated diff.json that a later report would read as the whole diff.
        AtomicFile.Write(path, stream =>
        {
            using var json = new Utf8JsonWriter(stream, new JsonWriterOptions { Indented = true, Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping });
            WriteRecords(json, records);
        });
    }

    private static void WriteRecords(Utf8JsonWriter json, IReadOnlyList<TensorDiff> records)
    {
        json.WriteStartArray();
        foreach (TensorDiff r in records)
        {
            json.WriteStartObject();
            json.WriteString("name", r.Name);
            json.WriteString("fork", r.Fork);
            json.WriteString("status", StatusName(r.Status));
            json.WriteBoolean("changed", r.Changed);
            json.WriteBoolean("unused", r.Unused);
            Number(json, "layer", r.Layer);
            json.WriteString("kind", r.Kind);
            json.WriteStartArray("shape");
            foreach (long dim in r.Shape)
            {
                json.WriteNumberValue(dim);
            }

            json.WriteEndArray();
            json.WriteString("dtype", r.DType);
            Number(json, "max_abs_delta", r.MaxAbsDelta);
            Number(json, "delta_norm", r.DeltaNorm);
            Number(json, "relative_delta_norm", r.RelativeDeltaNorm);
            json.WriteStartArray("spectrum");
            foreach (double sigma in r.Spectrum)
            {
                json.WriteNumberValue(sigma);
            }

            json.WriteEndArray();
            Number(json, "rank95", r.Rank95);
            Number(json, "rank95_at_least", r.Rank95AtLeast);
            Number(json, "sigma_ratio", r.SigmaRatio);
            if (r.Svd is null)
            {
                json.WriteNull("svd");
            }
            else
            {
                json.WriteString("svd", r.Svd);
            }

            Map(json, "top_cosines", r.TopCosines);
            json.WriteStartObject("vector_cosines");
            foreach ((string label, double[] cosines) in r.VectorCosines)
            {
                json.WriteStartArray(label);
                foreach (double cosine in cosines)
                {
                    json.WriteNumberValue(cosine);
                }

                json.WriteEndArray();
            }

            json.WriteEndObject();
            Map(json, "fork_cosines", r.ForkCosines);
            json.WriteEndObject();
        }

        json.WriteEndArray();
    }

    /// <summary>The status as written: <c>changed</c>, <c>unchanged</c>, <c>unused</c>, <c>only_in_base</c>, <c>only_in_fork</c>.</summary>
    public static string StatusName(TensorStatus status) => status switch
    {
        TensorStatus.Changed => "changed",
        TensorStatus.Unchanged => "unchanged",
        TensorStatus.Unused => "unused",
        TensorStatus.OnlyInBase => "only_in_base",
        _ => "only_in_fork",
    };

    private static void Map(Utf8JsonWriter json, string name, IReadOnlyDictionary<string, double> values)
    {
        json.WriteStartObject(name);
        foreach ((string key, double value) in values)
        {
            Number(json, key, value);
        }

        json.WriteEndObject();
    }

    // JSON has no NaN or infinity; those are written as null.
    private static void Number(Utf8JsonWriter json, string name, double? value)
    {
        if (value is double v && double.IsFinite(v))
        {
            json.WriteNumber(name, v);
        }
        else
        {
            json.WriteNull(name);
        }
    }
}
