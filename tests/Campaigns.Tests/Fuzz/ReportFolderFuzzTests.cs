using System.Text;
using System.Text.Json.Nodes;
using Geode.Analysis.Evaluation;
using Geode.Analysis.Judges;
using Geode.Analysis.Prompts;
using Geode.Campaigns.Artifacts;
using Geode.Campaigns.Execution;
using Geode.Campaigns.Reporting;
using Geode.Campaigns.Tests.Reporting;
using Geode.Model;
using Geode.Model.Checkpoints;
using Geode.Model.Native;
using Geode.Tests;
using Geode.Tests.Fuzz;
using Xunit.Abstractions;
using static TorchSharp.torch;

namespace Geode.Campaigns.Tests.Fuzz;

/// <summary>
/// Tampered campaign output folders, as <c>geode report DIR</c> rebuilds a page from them (issue 9):
/// each case mutates one of results.json (its stage blocks, and the paths it gives for the
/// activations and the diff JSON), prompts.jsonl, a cascade record stream or a diff JSON, then reads
/// the folder with <see cref="ReportFolder.ReadResults"/> and renders it with
/// <see cref="ReportFolder.Render"/>, every figure included (the activation maps run PCA and UMAP).
/// Every case must render a page or be refused with a <see cref="BadInputException"/> naming the
/// file that was mutated, within the fuzz bounds of <see cref="FuzzRunner"/>.
/// </summary>
public sealed class ReportFolderFuzzTests : IDisposable
{
    private const int Seed = 8_191;
    private const int Cases = 1_200;
    private const int Prompts = 8;
    private const string OutName = "fuzz-report-out";

    private static readonly string[] Targets = [ReportFolder.ResultsFileName, PromptManifest.FileName, "records/cascade-0-confirm.msgpack", "diff-0.json"];

    /// <summary>Paths a tampered results.json could give for an artifact: outside the folder, device files, the wrong file.</summary>
    private static readonly string[] HostilePaths =
    [
        "../../../../etc/passwd", "/etc/passwd", "/dev/zero", "/dev/stdin", "/proc/self/environ", "..", ".", "", "results.json", "prompts.jsonl",
        "diff-0.json", "../secret.json", "../secret/activations.safetensors", "records/cascade-0-confirm.msgpack", "activations.safetensors",
        "../store/key/activations.safetensors/", "../store/key/../key/activations.safetensors", "../store/key/activations.safetensors\0",
        "\0", "../store/key/ACTIVATIONS.SAFETENSORS", new string('a', 5_000), string.Concat(Enumerable.Repeat("../", 100)) + "activations.safetensors",
    ];

    private readonly TempFolder _folder = new();
    private readonly ITestOutputHelper _output;
    private readonly string _out;

    public ReportFolderFuzzTests(ITestOutputHelper output)
    {
        _output = output;
        _out = _folder.File(OutName);
        Directory.CreateDirectory(_out);
        TorchRuntime.Initialize(TorchRuntimeOptions.Default);
    }

    public void Dispose() => _folder.Dispose();

    [Fact]
    public void Every_tampered_output_folder_renders_or_is_refused_naming_the_file_within_bounds()
    {
        byte[][] bases = WriteFolder();
        string results = Encoding.UTF8.GetString(bases[0]);
        string manifest = Encoding.UTF8.GetString(bases[1]);
        string diff = Encoding.UTF8.GetString(bases[3]);
        string[] resultKeys = [.. Keys(JsonNode.Parse(results)).Distinct(StringComparer.Ordinal)];
        string[] recordKeys = ["id", "category", "expected", "prompt", "variant", "response", "tokens", "batch_seconds", "settled", "verdicts", "judge", "version", "refused", "score"];
        string[] diffKeys = ["name", "changed", "delta_norm", "spectrum", "fork", "status"];

        var runner = new FuzzRunner("geode report", Seed, _output);
        runner.Baseline(Pack(0, bases[0]), input => Render(input, bases));
        runner.Run(
            Cases,
            random =>
            {
                int target = random.Next(20) switch { < 10 => 0, < 13 => 1, < 17 => 2, _ => 3 };
                FuzzInput mutated = target switch
                {
                    0 => random.Next(10) switch
                    {
                        < 6 => JsonMutator.Mutate(results, random, ReportFolder.ResultsFileName, resultKeys),
                        < 8 => ArtifactPath(results, random),
                        _ => ByteMutator.Mutate(bases[0], random, ReportFolder.ResultsFileName),
                    },
                    1 => random.Next(2) == 0 ? LineMutator.Mutate(manifest, random, PromptManifest.FileName) : ByteMutator.Mutate(bases[1], random, PromptManifest.FileName),
                    2 => MessagePackMutator.Mutate(bases[2], random, Targets[2], recordKeys),
                    _ => random.Next(10) < 7 ? JsonMutator.Mutate(diff, random, Targets[3], diffKeys) : ByteMutator.Mutate(bases[3], random, Targets[3]),
                };
                return new(Pack(target, mutated.Bytes), mutated.Mutation);
            },
            input => Render(input, bases),
            OutName);
    }

    private void Render(FuzzInput input, byte[][] bases)
    {
        (int target, byte[] bytes) = Unpack(input.Bytes);
        for (int i = 0; i < Targets.Length; i++)
        {
            File.WriteAllBytes(Path.Combine(_out, Targets[i]), i == target ? bytes : bases[i]);
        }

        var page = new PageProbe();
        try
        {
            JsonObject results = ReportFolder.ReadResults(_out);
            ReportFolder.Render(results, _out, page);
        }
        catch (BadInputException refused) when (!refused.Message.Contains(Path.Combine(_out, Targets[target]), StringComparison.Ordinal))
        {
            Assert.Fail($"refused naming another file than the mutated {Targets[target]}: {refused.Message}");
        }
        catch (BadInputException)
        {
            // A refused folder writes nothing: the command leaves no half-written page.
            Assert.Equal(0, page.Written);
            throw;
        }

        Assert.StartsWith("<!DOCTYPE html>", page.Start, StringComparison.Ordinal);
        Assert.EndsWith("</body></html>\n", page.End, StringComparison.Ordinal);

        // Nothing is written into the folder: the command writes the page, and only where its command line says.
        Assert.Equal(
            [.. Targets.Select(t => Path.Combine(_out, t)).Order(StringComparer.Ordinal)],
            Directory.EnumerateFiles(_out, "*", SearchOption.AllDirectories).Order(StringComparer.Ordinal));
    }

    /// <summary>results.json with capture.file or a diff_json pointed somewhere else.</summary>
    private static FuzzInput ArtifactPath(string results, Random random)
    {
        var root = (JsonObject)JsonNode.Parse(results)!;
        string path = HostileJson.Pick(random, HostilePaths);
        if (random.Next(2) == 0)
        {
            root["capture"]!["file"] = path;
            return new(Encoding.UTF8.GetBytes(root.ToJsonString()), $"{ReportFolder.ResultsFileName}: capture.file = {JsonMutator.Show(JsonMutator.Quote(path))}");
        }

        int fork = random.Next(2);
        root["diff"]![fork]!["diff_json"] = path;
        return new(Encoding.UTF8.GetBytes(root.ToJsonString()), $"{ReportFolder.ResultsFileName}: diff[{fork}].diff_json = {JsonMutator.Show(JsonMutator.Quote(path))}");
    }

    /// <summary>
    /// The folder a campaign with every stage leaves: results.json, a prompt manifest of
    /// <see cref="Prompts"/> prompts, their activations in a store beside the folder (as
    /// <c>geode run</c> lays it out), cascade records, a diff JSON, and a secret file beside the
    /// folder that no path must reach. Returns the bytes of each of <see cref="Targets"/>.
    /// </summary>
    private byte[][] WriteFolder()
    {
        string store = _folder.File("store/key/activations.safetensors");
        using (NewDisposeScope())
        {
            SafetensorsWriter.Write(store, [(ActivationStore.TensorName, randn([4, Prompts, 8], generator: new TorchSharp.torch.Generator(5)))]);
            SafetensorsWriter.Write(_folder.File("secret/activations.safetensors"), [(ActivationStore.TensorName, randn([4, Prompts, 8], generator: new TorchSharp.torch.Generator(6)))]);
        }

        File.WriteAllText(_folder.File("secret.json"), "[{\"name\": \"secret\", \"changed\": true, \"delta_norm\": 1, \"spectrum\": [1]}]");
        string[] categories = SyntheticResults.Categories;
        PromptRecord[] prompts = [.. Enumerable.Range(0, Prompts).Select(i => new PromptRecord($"p{i}", categories[i % categories.Length], i % 3 == 0 ? ExpectedBehavior.Refuse : ExpectedBehavior.Comply, $"Prompt {i}: “ünï” <b>bold</b>", []))];
        PromptManifest.Write(_out, PromptSet.Parse(
            new JsonObject { ["prompts"] = new JsonArray([.. prompts.Select(p => (JsonNode?)new JsonObject { ["id"] = p.Id, ["category"] = p.Category, ["expected"] = p.Expected == ExpectedBehavior.Refuse ? "refuse" : "comply", ["prompt"] = p.Prompt })]) }.ToJsonString(),
            PromptSetFormat.Json,
            "fuzz"));
        Directory.CreateDirectory(Path.Combine(_out, "records"));
        ResponseRecordStream.Append(
            Path.Combine(_out, Targets[2]),
            prompts.Select((p, i) => new ResponseRecord(p, i % 2 == 0 ? "I can't help with that." : "Sure: here is how.", 5 + i, [new JudgeVerdict(i % 2 == 0, i % 2 == 0 ? 0.9 : 0.1, "regex", "1")])),
            variant: "cascade 0");
        File.WriteAllText(
            Path.Combine(_out, Targets[3]),
            new JsonArray(
                new JsonObject { ["name"] = "model.layers.0.mlp.down_proj.weight", ["changed"] = true, ["delta_norm"] = 2.0, ["spectrum"] = new JsonArray(2.0, 1e-6) },
                new JsonObject { ["name"] = "model.layers.1.self_attn.o_proj.weight", ["changed"] = true, ["delta_norm"] = 5.0, ["spectrum"] = new JsonArray(5.0, 0.5, 0.1) },
                new JsonObject { ["name"] = "model.norm.weight", ["changed"] = false, ["spectrum"] = new JsonArray() }).ToJsonString());

        JsonObject results = SyntheticResults.Full();
        results["capture"]!["file"] = Path.GetRelativePath(_out, store);
        results["diff"] = new JsonArray(
            new JsonObject { ["fork"] = "/forks/abliterated", ["diff_json"] = "diff-0.json", ["changed"] = new JsonArray(), ["unchanged"] = 1 },
            new JsonObject { ["fork"] = "/forks/gone", ["diff_json"] = "diff-1.json", ["changed"] = new JsonArray(), ["unchanged"] = 0 });
        File.WriteAllText(Path.Combine(_out, ReportFolder.ResultsFileName), results.ToJsonString(CampaignResults.Format));

        byte[][] bases = [.. Targets.Select(t => File.ReadAllBytes(Path.Combine(_out, t)))];

        // The base folder draws every figure, the maps included, so mutations start from a full page.
        var context = new ReportContext(results, _out);
        Assert.Contains(HtmlReport.Figures(context), f => f.Id == "map-umap");
        Assert.Contains(HtmlReport.Figures(context), f => f.Id == "cascade-prompts");
        Assert.Contains(HtmlReport.Figures(context), f => f.Id == "diff-spectra-0");
        return bases;
    }

    private static IEnumerable<string> Keys(JsonNode? node) => node switch
    {
        JsonObject obj => obj.SelectMany(p => Keys(p.Value).Prepend(p.Key)),
        JsonArray array => array.SelectMany(Keys),
        _ => [],
    };

    // Which file the case mutates travels with its bytes (the runner measures one array per case).
    private static byte[] Pack(int target, byte[] bytes) => [(byte)target, .. bytes];

    private static (int Target, byte[] Bytes) Unpack(byte[] packed) => (packed[0], packed[1..]);

    /// <summary>A page writer that keeps only how much was written and its first and last characters.</summary>
    private sealed class PageProbe : TextWriter
    {
        private readonly StringBuilder _start = new();
        private readonly char[] _end = new char[32];

        public override Encoding Encoding => Encoding.UTF8;

        public long Written { get; private set; }

        public string Start => _start.ToString();

        public string End
        {
            get
            {
                int count = (int)Math.Min(Written, _end.Length);
                char[] tail = new char[count];
                for (int i = 0; i < count; i++)
                {
                    tail[i] = _end[(Written - count + i) % _end.Length];
                }

                return new string(tail);
            }
        }

        public override void Write(char value)
        {
            if (_start.Length < 32)
            {
                _start.Append(value);
            }

            _end[Written % _end.Length] = value;
            Written++;
        }

        public override void Write(char[] buffer, int index, int count)
        {
            for (int i = 0; i < count; i++)
            {
                Write(buffer[index + i]);
            }
        }

        public override void Write(string? value)
        {
            foreach (char c in value ?? string.Empty)
            {
                Write(c);
            }
        }
    }
}
