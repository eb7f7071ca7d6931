using Geode.Analysis.Evaluation;
using Geode.Analysis.Judges;
using Geode.Analysis.Prompts;
using Geode.Analysis.Surgery;
using Geode.Model;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace Geode.Campaigns;

/// <summary>
/// Reads and validates a campaign file before anything runs: unknown keys and stages, wrong types,
/// out-of-range numbers, a missing model folder or prompt file, unknown judges, categories the
/// prompt set lacks, unparsable layer subsets. Every problem is reported at once, each as
/// <c>FILE:LINE: key.path: what is wrong</c>; the reference is in the README ("Campaign files").
/// </summary>
public static class CampaignReader
{
    private static readonly string[] TopKeys = ["name", "model", "prompts", "judges", "judge_horizon", "generation", "stages"];
    private static readonly string[] FieldKeys = ["id", "category", "expected", "prompt", "variants"];

    /// <summary>The sweep recipes a campaign may name.</summary>
    public static IReadOnlyList<string> Recipes { get; } = ["diff-of-means", "gram-schmidt"];

    /// <summary>The ingredients a cascade step may change (DESIGN §1.7), with the values each takes.</summary>
    public static IReadOnlyDictionary<string, IReadOnlyList<string>> Ingredients { get; } = new Dictionary<string, IReadOnlyList<string>>(StringComparer.Ordinal)
    {
        ["precision"] = ["bfloat16", "float16", "float32", "int8"],
        ["input"] = ["template", "raw"],
        ["winsorize"] = ["off", "0.99", "0.995", "0.999"],
        ["gram_schmidt"] = ["true", "false"],
        ["variant"] = ["projection", "norm_preserving"],
        ["post_norm_aware"] = ["true", "false"],
        ["edit_precision"] = [CascadeSettings.ExactEdit, CascadeSettings.Int8Edit],
    };

    /// <summary>Reads the campaign file at <paramref name="path"/>.</summary>
    /// <exception cref="BadInputException">The file is missing, is not YAML, or is invalid; the message lists every problem.</exception>
    public static Campaign Load(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        string full = System.IO.Path.GetFullPath(path);
        if (!System.IO.File.Exists(full))
        {
            throw new BadInputException($"The campaign file {path} does not exist.", path);
        }

        string text;
        try
        {
            text = System.IO.File.ReadAllText(full);
        }
        catch (Exception error) when (error is IOException or UnauthorizedAccessException)
        {
            throw new BadInputException($"The campaign file {path} cannot be read: {error.Message}", path, inner: error);
        }

        return Parse(text, full);
    }

    /// <summary>Reads campaign text; relative paths in it resolve against <paramref name="file"/>'s folder.</summary>
    /// <exception cref="BadInputException">The text is not YAML or is invalid.</exception>
    public static Campaign Parse(string text, string file)
    {
        var errors = new CampaignErrors(file);
        YamlNode? root = ReadYaml(text, file);
        var document = new CampaignNode(root, string.Empty, errors, 1);
        if (!document.Exists || root is not YamlMappingNode)
        {
            document.Error("a campaign file is a mapping with the keys model, stages (required), name, prompts, judges, generation");
            errors.ThrowIfAny();
        }

        string folder = System.IO.Path.GetDirectoryName(System.IO.Path.GetFullPath(file)) ?? ".";
        document.Keys(TopKeys, "a campaign file");
        CampaignNode nameNode = document["name"];
        string name = nameNode.String() ?? CampaignNames.FromFile(file);
        if (nameNode.Exists && CampaignNames.Problem(name) is string badName)
        {
            nameNode.Error(badName);
        }

        CampaignModel model = ReadModel(document["model"], folder);
        CampaignPrompts prompts = ReadPrompts(document["prompts"], folder);
        IReadOnlyList<string> judges = ReadJudges(document["judges"]);
        int? horizon = document["judge_horizon"].Exists ? document["judge_horizon"].Int(0, 1) : null;
        CampaignNode generation = document["generation"];
        generation.Keys(["max_new_tokens", "batch", "early_stop"], "generation");
        bool autoBatch = generation["batch"].Exists && generation["batch"].String() == "auto";
        var lengths = new CampaignGeneration(generation["max_new_tokens"].Int(128, 1), autoBatch ? 32 : generation["batch"].Int(32, 1))
        {
            EarlyStop = generation["early_stop"].Bool(true),
            AutoBatch = autoBatch,
        };
        CampaignStages stages = ReadStages(document["stages"], prompts.Categories, folder, model.DType);
        errors.ThrowIfAny();
        return new Campaign(name, System.IO.Path.GetFullPath(file), model, prompts, judges, lengths, stages) { JudgeHorizon = horizon };
    }

    private static YamlNode? ReadYaml(string text, string file)
    {
        var parser = new BoundedYamlParser(text, file);
        try
        {
            var stream = new YamlStream();
            stream.Load(parser);
            return stream.Documents.Count == 0 ? null : stream.Documents[0].RootNode;
        }
        catch (YamlException e)
        {
            throw new BadInputException($"{file}:{e.Start.Line}: not valid YAML: {e.Message}", file, inner: e);
        }
        catch (InvalidOperationException e)
        {
            // YamlDotNet 18.1's scanner throws this, not a YamlException, when a flow list or mapping
            // left open continues on a line indented less than its key ("a: [b" then "c: 1"); the
            // same code path threw System.Exception in older versions (aaubry/YamlDotNet#541).
            throw new BadInputException(
                $"{file}:{parser.Line}: not valid YAML: the YAML reader gave up after this line ({e.Message}); a [ or {{ that is never closed is the usual cause",
                file,
                inner: e);
        }
    }

    private static CampaignModel ReadModel(CampaignNode node, string folder)
    {
        node.Keys(["path", "dtype", "device", "libtorch"], "model");
        if (!node.Exists)
        {
            node.Error("missing: the model section (model.path is the checkpoint folder)");
            return new CampaignModel(string.Empty, "float32", "cpu", null);
        }

        CampaignNode pathNode = node["path"];
        string? path = Resolve(folder, pathNode, pathNode.RequiredString("model.path, the checkpoint folder"));
        if (path is not null && pathNode.Exists && !System.IO.File.Exists(System.IO.Path.Combine(path, "config.json")))
        {
            pathNode.Error(Directory.Exists(path) ? $"{path} has no config.json; it is not a checkpoint folder" : $"the model folder {path} does not exist");
        }

        string device = node["device"].String() ?? "cpu";
        if (device != "cpu" && device != "cuda" && !(device.StartsWith("cuda:", StringComparison.Ordinal) && int.TryParse(device[5..], out int index) && index >= 0))
        {
            node["device"].Error($"'{device}' is not a device; use cpu, cuda or cuda:N");
        }

        CampaignNode libtorch = node["libtorch"];
        string? libtorchFolder = libtorch.String() is string l ? Resolve(folder, libtorch, l) : null;
        if (libtorchFolder is not null && !Directory.Exists(libtorchFolder))
        {
            libtorch.Error($"the libtorch folder {libtorchFolder} does not exist");
        }

        return new CampaignModel(path ?? string.Empty, node["dtype"].Choice("float32", Geode.Model.Weights.ModelDTypes.Names), device, libtorchFolder);
    }

    private static CampaignPrompts ReadPrompts(CampaignNode node, string folder)
    {
        node.Keys(["file", "format", "fields"], "prompts");
        CampaignNode fileNode = node["file"];
        string? file = fileNode.String() is string f ? Resolve(folder, fileNode, f) : null;
        string? format = node["format"].String() is null ? null : node["format"].Choice("json", ["json", "jsonl", "csv"]);
        var fields = new Dictionary<string, string>(StringComparer.Ordinal);
        CampaignNode fieldsNode = node["fields"];
        foreach (string key in fieldsNode.Keys(FieldKeys, "prompts.fields"))
        {
            fields[key] = fieldsNode[key].RequiredString($"the field that holds '{key}'");
        }

        if (file is null)
        {
            return new CampaignPrompts(null, null, fields, Categories(PromptSet.Builtin()));
        }

        if (!System.IO.File.Exists(file))
        {
            fileNode.Error($"the prompt file {file} does not exist");
            return new CampaignPrompts(file, format, fields, []);
        }

        try
        {
            PromptSet set = new CampaignPrompts(file, format, fields, []).Load();
            return new CampaignPrompts(file, format, fields, Categories(set));
        }
        catch (BadInputException e)
        {
            fileNode.Error(e.Message);
            return new CampaignPrompts(file, format, fields, []);
        }
    }

    private static IReadOnlyList<string> ReadJudges(CampaignNode node)
    {
        if (!node.Exists)
        {
            return ["regex", "keyword"];
        }

        var names = new List<string>();
        foreach (CampaignNode item in node.Items())
        {
            string name = item.String() ?? string.Empty;
            if (!JudgeRegistry.All.Any(j => j.Name == name))
            {
                item.Error($"unknown judge '{name}'; the judges are {string.Join(", ", JudgeRegistry.All.Select(j => j.Name))}");
                continue;
            }

            names.Add(name);
        }

        if (names.Count > 0 && JudgeRegistry.All.First(j => j.Name == names[0]).Input != JudgeInput.ResponseText)
        {
            node.Error($"the first judge gives the refusal rates and must read responses; '{names[0]}' does not");
        }

        return names;
    }

    private static CampaignStages ReadStages(CampaignNode node, IReadOnlyList<string> categories, string folder, string dtype)
    {
        if (!node.Exists)
        {
            node.Error($"missing: stages (one or more of {string.Join(", ", CampaignStages.Names)})");
            return new CampaignStages(null, null, null, null, null, null, null, null);
        }

        IReadOnlyList<string> present = node.Keys(CampaignStages.Names, "stages");
        CampaignNode Stage(string name) => node[name];
        bool Has(string name) => present.Contains(name);
        return new CampaignStages(
            Has("baseline") ? ReadBaseline(Stage("baseline"), categories) : null,
            Has("capture") ? ReadCapture(Stage("capture")) : null,
            Has("geometry") ? ReadGeometry(Stage("geometry"), categories) : null,
            Has("sweeps") ? ReadSweeps(Stage("sweeps")) : null,
            Has("cascade") ? ReadCascade(Stage("cascade"), dtype) : null,
            Has("descent") ? ReadDescent(Stage("descent")) : null,
            Has("selective") ? ReadSelective(Stage("selective"), categories) : null,
            Has("diff") ? ReadDiff(Stage("diff"), folder) : null);
    }

    private static BaselineStage ReadBaseline(CampaignNode node, IReadOnlyList<string> categories)
    {
        node.Keys(["categories"], "stages.baseline");
        return new BaselineStage(ReadCategories(node["categories"], categories, required: false));
    }

    private static CaptureStage ReadCapture(CampaignNode node)
    {
        node.Keys(["position", "input"], "stages.capture");
        return new CaptureStage(node["position"].Choice("last", ["last", "mean"]), node["input"].Choice("template", ["template", "raw"]));
    }

    private static GeometryStage ReadGeometry(CampaignNode node, IReadOnlyList<string> categories)
    {
        node.Keys(["refuse", "comply", "winsorize", "gram_schmidt", "random_directions"], "stages.geometry");
        CampaignNode winsorize = node["winsorize"];
        double? quantile = winsorize.Exists ? winsorize.Double(0.995, 0.5, 1.0) : null;
        return new GeometryStage(
            node["refuse"].Exists ? ReadCategories(node["refuse"], categories, required: true) : ["should_refuse"],
            node["comply"].Exists ? ReadCategories(node["comply"], categories, required: true) : ["safe_control"],
            quantile,
            node["gram_schmidt"].Bool(false),
            node["random_directions"].Int(8, 1));
    }

    private static SweepStage ReadSweeps(CampaignNode node)
    {
        node.Keys(["alphas", "layers", "recipes", "random_controls"], "stages.sweeps");
        IReadOnlyList<double> alphas = node["alphas"].Exists ? [.. node["alphas"].Items().Select(a => a.Double(1, 0, 2))] : [0.5, 1.0, 1.5];
        var layers = new List<string>();
        foreach (CampaignNode item in node["layers"].Items())
        {
            string text = item.String() ?? string.Empty;
            try
            {
                layers.Add(LayerSubset.Parse(text, item.Path).ToString());
            }
            catch (BadInputException)
            {
                item.Error($"'{text}' is not a layer subset; use all, global, sliding, first-half, second-half, middle, last:N, band:A-B or layer:N");
            }
        }

        IReadOnlyList<string> recipes = node["recipes"].Exists ? [.. node["recipes"].Items().Select(r => r.Choice("diff-of-means", Recipes))] : ["diff-of-means"];
        return new SweepStage(alphas, layers.Count > 0 ? layers : ["all"], recipes, node["random_controls"].Int(3, 0));
    }

    private static CascadeStage ReadCascade(CampaignNode node, string dtype)
    {
        // Each step must change its ingredient relative to the row before it, starting from
        // CascadeSettings.Start; a step that sets the value already in force changes nothing.
        CascadeSettings current = CascadeSettings.Start(dtype);
        node.Keys(["smoke", "confirm", "steps"], "stages.cascade");
        var steps = new List<CascadeStep>();
        foreach (CampaignNode step in node["steps"].Items())
        {
            step.Keys(["name", "change"], "a cascade step");
            string name = step["name"].RequiredString("the step's name");
            CampaignNode change = step["change"];
            IReadOnlyList<string> ingredients = change.Keys([.. Ingredients.Keys], "a step's change");
            if (ingredients.Count != 1)
            {
                (change.Exists ? change : step).Error($"a step changes exactly one ingredient (one of {string.Join(", ", Ingredients.Keys)}); found {ingredients.Count}");
                continue;
            }

            string ingredient = ingredients[0];
            string value = change[ingredient].Choice(Ingredients[ingredient][0], Ingredients[ingredient]);
            CascadeSettings next = current.With(ingredient, value);
            if (next == current)
            {
                change[ingredient].Error($"'{value}' is already in force at this step ({current}); a step must change its ingredient");
            }

            else if (next.EditPrecision == CascadeSettings.Int8Edit && next.Precision != "int8")
            {
                // An int8 edit rounds the edit into int8 weights; a model in another precision has none.
                change[ingredient].Error($"edit_precision: int8 edits int8 weights, but the precision in force at this step is {next.Precision}; set model.dtype: int8, or change precision to int8 in an earlier step");
            }

            current = next;
            steps.Add(new CascadeStep(name, ingredient, value));
        }

        if (steps.Count == 0 && node["steps"].Items().Count == 0)
        {
            node["steps"].Error("missing: the cascade's steps (a list of {name, change})");
        }

        return new CascadeStage(node["smoke"].Int(8, 1), node["confirm"].Int(0, 0), steps);
    }

    private static DescentStage ReadDescent(CampaignNode node)
    {
        node.Keys(["max_rank", "refusal_target", "kl_budget", "strategy"], "stages.descent");
        return new DescentStage(
            node["max_rank"].Int(8, 1),
            node["refusal_target"].Double(0.1, 0, 1),
            node["kl_budget"].Double(1.0, 1e-9, double.MaxValue),
            node["strategy"].Choice("peel", ["peel", "svd"]));
    }

    private static SelectiveStage ReadSelective(CampaignNode node, IReadOnlyList<string> categories)
    {
        node.Keys(["free", "keep", "kl_budget"], "stages.selective");
        IReadOnlyList<string> free = ReadCategories(node["free"], categories, required: true);
        IReadOnlyList<string> keep = ReadCategories(node["keep"], categories, required: true);
        foreach (string both in free.Intersect(keep))
        {
            node["keep"].Error($"'{both}' is both freed and kept");
        }

        return new SelectiveStage(free, keep, node["kl_budget"].Double(1.0, 1e-9, double.MaxValue));
    }

    private static DiffStage ReadDiff(CampaignNode node, string folder)
    {
        node.Keys(["forks"], "stages.diff");
        var forks = new List<string>();
        foreach (CampaignNode item in node["forks"].Items())
        {
            if (Resolve(folder, item, item.String() ?? string.Empty) is not string fork)
            {
                continue;
            }

            if (!System.IO.File.Exists(System.IO.Path.Combine(fork, "config.json")))
            {
                item.Error($"the fork folder {fork} is not a checkpoint folder (no config.json)");
            }

            forks.Add(fork);
        }

        if (forks.Count == 0)
        {
            node["forks"].Error("missing: one or more fork folders to compare with the model");
        }

        return new DiffStage(forks);
    }

    private static IReadOnlyList<string> ReadCategories(CampaignNode node, IReadOnlyList<string> known, bool required)
    {
        var categories = new List<string>();
        foreach (CampaignNode item in node.Items())
        {
            string category = item.String() ?? string.Empty;
            if (known.Count > 0 && !known.Contains(category))
            {
                item.Error($"unknown category '{category}'; the prompt set has {string.Join(", ", known)}");
                continue;
            }

            categories.Add(category);
        }

        if (required && !node.Exists)
        {
            node.Error("missing: a list of categories");
        }

        return categories;
    }

    private static IReadOnlyList<string> Categories(PromptSet set) => [.. set.Records.Select(r => r.Category).Distinct(StringComparer.Ordinal)];

    /// <summary>The path made absolute against the campaign file's folder, or null (with an error on <paramref name="node"/>) when no file can have that name.</summary>
    private static string? Resolve(string folder, CampaignNode node, string path)
    {
        // A YAML "\0" escape puts a NUL in the text; the path APIs throw ArgumentException on it.
        if (path.Contains('\0', StringComparison.Ordinal))
        {
            node.Error("the path contains a NUL character, which no file name can hold");
            return null;
        }

        return path.Length == 0 ? path : System.IO.Path.GetFullPath(System.IO.Path.Combine(folder, path));
    }
}
