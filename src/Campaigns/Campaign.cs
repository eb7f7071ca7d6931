using Geode.Analysis.Prompts;

namespace Geode.Campaigns;

/// <summary>
/// A validated campaign: which model, which prompts and judges, how long to generate, and the
/// stages of DESIGN §1 to run with their parameters. Paths are absolute (resolved against the
/// campaign file's folder). Read one with <see cref="CampaignReader"/>.
/// </summary>
/// <param name="Name">The campaign's name (default: the file name without extension).</param>
/// <param name="File">The campaign file, absolute.</param>
/// <param name="Model">The model and where it runs.</param>
/// <param name="Prompts">The prompt set.</param>
/// <param name="Judges">Judge names; the first gives the refusal rates.</param>
/// <param name="Generation">Generation length and batch.</param>
/// <param name="Stages">The stages to run; absent ones are null.</param>
public sealed record Campaign(
    string Name,
    string File,
    CampaignModel Model,
    CampaignPrompts Prompts,
    IReadOnlyList<string> Judges,
    CampaignGeneration Generation,
    CampaignStages Stages)
{
    /// <summary>When set, every text judge reads only this many leading characters of a response (<c>judge_horizon</c>).</summary>
    public int? JudgeHorizon { get; init; }
}

/// <summary>The model section.</summary>
/// <param name="Folder">The Hugging Face checkpoint folder (it has a <c>config.json</c>).</param>
/// <param name="DType">A precision name of <see cref="Geode.Model.Weights.ModelDTypes"/>: float32, bfloat16, float16, float64 or int8 (int8 weights, bfloat16 compute).</param>
/// <param name="Device"><c>cpu</c>, <c>cuda</c> or <c>cuda:N</c>.</param>
/// <param name="LibTorch">A libtorch folder to load, or null for the bundled CPU one.</param>
public sealed record CampaignModel(string Folder, string DType, string Device, string? LibTorch);

/// <summary>The prompt set: the built-in benchmark, or a user's file read with a field mapping.</summary>
/// <param name="File">The prompt file, or null for the built-in benchmark.</param>
/// <param name="Format">json, jsonl or csv; null takes it from the extension.</param>
/// <param name="Fields">Field-name overrides (id, category, expected, prompt, variants) for the file.</param>
/// <param name="Categories">The categories the set holds (read from it during validation).</param>
public sealed record CampaignPrompts(string? File, string? Format, IReadOnlyDictionary<string, string> Fields, IReadOnlyList<string> Categories)
{
    /// <summary>Loads the set: the built-in benchmark, or the file read with the format and field mapping.</summary>
    /// <exception cref="Geode.Model.BadInputException">The file is missing or malformed; the message names it and the line.</exception>
    public PromptSet Load()
    {
        if (File is null)
        {
            return PromptSet.Builtin();
        }

        var mapping = FieldMapping.Default with
        {
            Id = Fields.GetValueOrDefault("id", "id"),
            Category = Fields.GetValueOrDefault("category", "category"),
            Expected = Fields.GetValueOrDefault("expected", "expected"),
            Prompt = Fields.GetValueOrDefault("prompt", "prompt"),
            Variants = Fields.GetValueOrDefault("variants", "variants"),
        };
        PromptSetFormat? format = Format is null ? null : Enum.Parse<PromptSetFormat>(Format, ignoreCase: true);
        return PromptSet.Load(File, new PromptSetOptions { Mapping = mapping, Format = format });
    }
}

/// <summary>How responses are generated.</summary>
/// <param name="MaxNewTokens">New tokens per response (the study: 128; short generations hide late refusals).</param>
/// <param name="Batch">Prompts generated together.</param>
public sealed record CampaignGeneration(int MaxNewTokens, int Batch)
{
    /// <summary>Stop a response once every judge's verdict on it is settled (the verdicts are unchanged; the stored text is shorter).</summary>
    public bool EarlyStop { get; init; } = true;

    /// <summary>Choose the batch size by measured throughput, starting from <see cref="Batch"/> (<c>batch: auto</c>).</summary>
    public bool AutoBatch { get; init; }
}
