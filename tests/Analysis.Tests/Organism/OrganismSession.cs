using Geode.Analysis.Evaluation;
using Geode.Analysis.Judges;
using Geode.Analysis.Prompts;
using Geode.Model;
using Geode.Model.Edits;
using Geode.Model.Native;
using Geode.Model.Text;
using Geode.Model.Weights;
using Geode.Tests;
using static TorchSharp.torch;

namespace Geode.Analysis.Tests.Organism;

/// <summary>
/// An organism folder loaded for measurement the way its card reports it: greedy responses through
/// Gemma 4's chat template, 128 new tokens, judged by the regex judge.
/// </summary>
internal sealed class OrganismSession : IDisposable
{
    public const int NewTokens = 128;

    private OrganismSession(string folder, CausalLM model, TextTokenizer tokenizer)
    {
        Folder = folder;
        Model = model;
        Tokenizer = tokenizer;
    }

    /// <summary>The organism committed in models/organism.</summary>
    public static string ShippedFolder => Path.Combine(RepositoryPaths.Root, "models", "organism");

    public string Folder { get; }

    public CausalLM Model { get; }

    public TextTokenizer Tokenizer { get; }

    public IChatTemplate Template { get; } = new Gemma4ChatTemplate();

    public static OrganismSession Open(string? folder = null, ModelPrecision? precision = null)
    {
        TorchRuntime.Initialize(TorchRuntimeOptions.Default);
        folder ??= ShippedFolder;
        return new OrganismSession(folder, ModelLoader.Load(folder, LoadOptions.For(precision, TorchSharp.torch.CPU)), TextTokenizer.Load(Path.Combine(folder, "tokenizer.json")));
    }

    public BaselineResult Baseline(PromptSet prompts, Edit? edit = null) =>
        BaselineEvaluator.Run(Model, Tokenizer, Template, prompts, [new RegexJudge()], new BaselineOptions(NewTokens) { Edit = edit });

    /// <summary>Last-token residuals [L+1, N, H] of the prompts of one category of the built-in benchmark.</summary>
    public Tensor Activations(string category) =>
        PromptActivations.Capture(Model, Tokenizer, Template, [.. PromptSet.Builtin().Records.Where(r => r.Category == category).Select(r => r.Prompt)]);

    public void Dispose()
    {
        Model.Dispose();
        Tokenizer.Dispose();
    }
}
