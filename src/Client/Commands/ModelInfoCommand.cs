using System.CommandLine;
using System.Globalization;
using System.Text;
using System.Text.Json;
using Geode.Model.Config;
using Geode.Model.Edits;
using Geode.Model.Inspection;
using Geode.Model.Text;

namespace Geode.Client.Commands;

/// <summary>
/// <c>geode model info</c>: the architecture of a checkpoint from its config and safetensors headers
/// alone — no weights are read and torch is not started, so it answers at once even for large models.
/// </summary>
internal static class ModelInfoCommand
{
    public static Command Create()
    {
        var model = new Option<string>("--model") { Description = "The checkpoint folder (config.json, model.safetensors).", HelpName = "DIR", Required = true };
        var json = new Option<bool>("--json") { Description = "Print one JSON object instead of text." };
        var command = new Command("info", "Architecture summary: layer types, head dims, MLP widths, KV sharing, writers, parameter count.");
        command.Add(model);
        command.Add(json);
        command.SetAction(async (parsed, cancellation) =>
        {
            string folder = parsed.GetValue(model)!;
            ModelFolder.Check(folder);
            ArchitectureSummary summary = ArchitectureSummary.Read(folder);
            TextWriter output = parsed.InvocationConfiguration.Output;
            await output.WriteAsync(parsed.GetValue(json)
                ? JsonSerializer.Serialize(ToJson(summary)) + Environment.NewLine
                : Format(summary));
            return GeodeCli.Ok;
        });
        return command;
    }

    private static string Format(ArchitectureSummary s)
    {
        ModelConfig c = s.Config;
        var text = new StringBuilder();
        void Line(string label, string value) => text.AppendLine(CultureInfo.InvariantCulture, $"{label,-16}{value}");

        Line("model", s.Folder);
        Line("model_type", $"{c.ModelType} (family {c.Family})");
        Line("hidden size", Invariant(c.HiddenSize));
        Line("layers", $"{c.NumLayers}: [{string.Join(", ", s.Layers.Select(l => Short(l.Kind)))}] (s sliding, F full)"
            + (c.SlidingWindow is int window ? $", sliding window {window}" : string.Empty));
        Line("heads", $"{c.NumHeads} query, {c.NumKvHeads} key/value" + (c.NumKvHeads == 1 ? " (MQA)" : c.NumKvHeads < c.NumHeads ? $" (GQA {c.NumHeads / c.NumKvHeads}:1)" : string.Empty));
        Line("vocab", Invariant(c.VocabSize));
        Line("per-layer input", c.PerLayerInputSize > 0 ? $"{c.PerLayerInputSize} per layer (vocab {c.PerLayerVocabSize})" : "none");
        Line("softcaps", $"attention {Cap(c.AttentionSoftcap)}, final logits {Cap(c.FinalLogitSoftcap)}");
        Line("lm head", c.TieWordEmbeddings ? "tied to the token embedding" : "separate lm_head.weight");
        Line("writers", $"{string.Join(", ", s.Layers[0].Writers.Select(w => w.Name()))} per layer ({s.Layers.Sum(l => l.Writers.Count)} in all)");
        string redundant = s.RedundantKvTensors > 0
            ? $"{s.RedundantKvTensors} redundant k/v tensors of KV-shared layers found, {s.RedundantKvParameters.ToString("N0", CultureInfo.InvariantCulture)} parameters not counted"
            : "no redundant k/v tensors of KV-shared layers found";
        Line("parameters", $"{s.ParameterCount.ToString("N0", CultureInfo.InvariantCulture)} ({redundant}"
            + (s.OtherTensors > 0 ? $"; {s.OtherTensors} non-decoder tensors not counted)" : ")"));
        Line("dtypes", string.Join(", ", s.DTypes));
        Line("stop ids", c.EosTokenIds.Count > 0 ? string.Join(", ", c.EosTokenIds) : "none");
        Line("chat template", s.ChatTemplate is string name
            ? $"{name} (generation also stops on {string.Join(", ", ChatTemplates.ByName(name).StopTokens)})"
            : "none known; generate needs --raw");
        text.AppendLine();
        text.AppendLine("layer  type     head_dim  mlp_width  kv_source");
        foreach (LayerSummary layer in s.Layers)
        {
            string source = layer.KvSourceLayer == layer.Index ? "own" : $"layer {layer.KvSourceLayer}";
            text.AppendLine(CultureInfo.InvariantCulture, $"{layer.Index,5}  {Name(layer.Kind),-7}  {layer.HeadDim,8}  {layer.IntermediateSize,9}  {source}");
        }

        return text.ToString();
    }

    private static object ToJson(ArchitectureSummary s) => new
    {
        model = s.Folder,
        model_type = s.Config.ModelType,
        family = s.Config.Family.ToString(),
        hidden_size = s.Config.HiddenSize,
        num_layers = s.Config.NumLayers,
        num_heads = s.Config.NumHeads,
        num_kv_heads = s.Config.NumKvHeads,
        vocab_size = s.Config.VocabSize,
        sliding_window = s.Config.SlidingWindow,
        per_layer_input_size = s.Config.PerLayerInputSize,
        attention_softcap = s.Config.AttentionSoftcap,
        final_logit_softcap = s.Config.FinalLogitSoftcap,
        tied_lm_head = s.Config.TieWordEmbeddings,
        layers = s.Layers.Select(l => new
        {
            index = l.Index,
            type = Name(l.Kind),
            head_dim = l.HeadDim,
            mlp_width = l.IntermediateSize,
            kv_source = l.KvSourceLayer,
            writers = l.Writers.Select(w => w.Name()),
        }),
        parameter_count = s.ParameterCount,
        redundant_kv_tensors = s.RedundantKvTensors,
        redundant_kv_parameters = s.RedundantKvParameters,
        other_tensors = s.OtherTensors,
        dtypes = s.DTypes,
        stop_ids = s.Config.EosTokenIds,
        chat_template = s.ChatTemplate,
    };

    private static string Name(AttentionKind kind) => kind == AttentionKind.Full ? "full" : "sliding";

    private static string Short(AttentionKind kind) => kind == AttentionKind.Full ? "F" : "s";

    private static string Cap(double? cap) => cap is double value ? value.ToString(CultureInfo.InvariantCulture) : "none";

    private static string Invariant(int value) => value.ToString(CultureInfo.InvariantCulture);
}
