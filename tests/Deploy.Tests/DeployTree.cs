using System.Text.Json;
using System.Text.RegularExpressions;

namespace Geode.Deploy.Tests;

/// <summary>One Kubernetes object from a manifest file (or a patch), with the file it came from.</summary>
internal sealed record Manifest(string File, Dictionary<string, object?> Doc)
{
    public string? ApiVersion => Yaml.Str(Doc, "apiVersion");

    public string? Kind => Yaml.Str(Doc, "kind");

    public string? Name => Yaml.Str(Doc, "metadata", "name");

    public string? Namespace => Yaml.Str(Doc, "metadata", "namespace");

    public override string ToString() => $"{File}: {Kind}/{Name}";
}

/// <summary>A <c>kustomization.yaml</c>: its folder (relative to the repository) and contents.</summary>
internal sealed record Kustomization(string Dir, Dictionary<string, object?> Doc)
{
    public string File => Dir + "/kustomization.yaml";

    public bool IsComponent => Yaml.Str(Doc, "kind") == "Component";
}

/// <summary>One file of a <c>configMapGenerator</c>: the ConfigMap's name, the key and the file (relative to the repository).</summary>
internal sealed record GeneratedFile(Kustomization Owner, string ConfigMap, string Key, string Path);

/// <summary>The last stage of a Dockerfile: what a container of that image runs and declares.</summary>
internal sealed record Dockerfile(string File, string Image, List<string> Entrypoint, List<string> Cmd, List<int> Expose, Dictionary<string, string> Env);

/// <summary>A pod template of a workload (Deployment, Job, ...).</summary>
internal sealed record PodTemplate(Manifest Owner, Dictionary<string, string> Labels, Dictionary<string, object?> Spec)
{
    public IEnumerable<Container> Containers =>
        Yaml.Seq(Spec, "initContainers").OfType<Dictionary<string, object?>>().Select(c => new Container(this, c, true))
            .Concat(Yaml.Seq(Spec, "containers").OfType<Dictionary<string, object?>>().Select(c => new Container(this, c, false)));

    /// <summary>The volume named <paramref name="name"/> of this pod.</summary>
    public Dictionary<string, object?>? Volume(string? name) =>
        Yaml.Seq(Spec, "volumes").OfType<Dictionary<string, object?>>().FirstOrDefault(v => Yaml.Str(v, "name") == name);
}

/// <summary>A container of a pod template.</summary>
internal sealed record Container(PodTemplate Pod, Dictionary<string, object?> Node, bool Init)
{
    public string Name => Yaml.Str(Node, "name") ?? "?";

    public string Image => Yaml.Str(Node, "image") ?? string.Empty;

    /// <summary>The image without its tag, e.g. <c>geode/silo-cpu</c>.</summary>
    public string ImageRepository => Image.Contains(':', StringComparison.Ordinal) ? Image[..Image.LastIndexOf(':')] : Image;

    /// <summary>Whether the image is one of Geode's own (built from deploy/docker).</summary>
    public bool IsGeode => ImageRepository.StartsWith("geode/", StringComparison.Ordinal);

    public List<object?>? Command => Yaml.At(Node, "command") as List<object?>;

    public List<object?>? Args => Yaml.At(Node, "args") as List<object?>;

    public IEnumerable<Dictionary<string, object?>> Env => Yaml.Seq(Node, "env").OfType<Dictionary<string, object?>>();

    public IEnumerable<Dictionary<string, object?>> Ports => Yaml.Seq(Node, "ports").OfType<Dictionary<string, object?>>();

    /// <summary>The container port named <paramref name="name"/>, or null.</summary>
    public string? PortNumber(string name) => Ports.Where(p => Yaml.Str(p, "name") == name).Select(p => Yaml.Str(p, "containerPort")).FirstOrDefault();

    public override string ToString() => $"{Pod.Owner.File}: {Pod.Owner.Kind}/{Pod.Owner.Name} container {Name}";
}

/// <summary>
/// The deployment as files: every kustomization under <c>deploy/k8s</c> and those they include from
/// elsewhere, the objects and patches they name, their ConfigMap generators, and the Dockerfiles in
/// <c>deploy/docker</c>. Load it from the
/// repository or from a mutated copy (the checks' own tests).
/// </summary>
internal sealed partial class DeployTree
{
    private DeployTree(string root)
    {
        Root = root;
    }

    /// <summary>The repository root the paths are relative to.</summary>
    public string Root { get; }

    public List<Kustomization> Kustomizations { get; } = new();

    /// <summary>Every object a kustomization lists under <c>resources</c> (files, not folders).</summary>
    public List<Manifest> Resources { get; } = new();

    /// <summary>Every patch file's objects.</summary>
    public List<Manifest> Patches { get; } = new();

    public List<GeneratedFile> GeneratedFiles { get; } = new();

    /// <summary>Dockerfiles by the image they build (<c>geode/NAME</c> for <c>deploy/docker/NAME.Dockerfile</c>).</summary>
    public Dictionary<string, Dockerfile> Dockerfiles { get; } = new();

    /// <summary>What could not be read (a file that is not YAML, a document that is not a mapping).</summary>
    public List<string> LoadProblems { get; } = new();

    public IEnumerable<PodTemplate> PodTemplates =>
        Resources.Where(m => m.Kind is "Deployment" or "StatefulSet" or "DaemonSet" or "Job")
            .Select(m => new PodTemplate(m, Yaml.Labels(m.Doc, "spec", "template", "metadata", "labels"), Yaml.Map(m.Doc, "spec", "template", "spec")));

    public IEnumerable<Container> Containers => PodTemplates.SelectMany(p => p.Containers);

    /// <summary>
    /// Reads <c>deploy/</c> under <paramref name="root"/>: every kustomization under <c>deploy/k8s</c>,
    /// then every kustomization folder they name under <c>resources</c> or <c>components</c> elsewhere
    /// (deploy/grafana's component), so the tree is what Kustomize reads.
    /// </summary>
    public static DeployTree Load(string root)
    {
        var tree = new DeployTree(root);
        string k8s = Path.Combine(root, "deploy", "k8s");
        var pending = new Queue<string>(Directory.EnumerateFiles(k8s, "kustomization.yaml", SearchOption.AllDirectories)
            .Order(StringComparer.Ordinal).Select(f => tree.Relative(Path.GetDirectoryName(f)!)));
        var seen = new HashSet<string>(pending, StringComparer.Ordinal);
        while (pending.TryDequeue(out string? dir))
        {
            Kustomization? kustomization = tree.LoadKustomization(dir);
            if (kustomization is null)
            {
                continue;
            }

            foreach (string entry in Yaml.Seq(kustomization.Doc, "resources").Concat(Yaml.Seq(kustomization.Doc, "components")).Select(Yaml.Text).OfType<string>())
            {
                string path = Combine(dir, entry);
                if (File.Exists(tree.Full(path + "/kustomization.yaml")) && seen.Add(path))
                {
                    pending.Enqueue(path);
                }
            }
        }

        string docker = Path.Combine(root, "deploy", "docker");
        if (Directory.Exists(docker))
        {
            foreach (string file in Directory.EnumerateFiles(docker, "*.Dockerfile").Order(StringComparer.Ordinal))
            {
                Dockerfile parsed = ParseDockerfile(tree.Relative(file), File.ReadAllText(file));
                tree.Dockerfiles[parsed.Image] = parsed;
            }
        }

        return tree;
    }

    /// <summary>The absolute path of a repository-relative one.</summary>
    public string Full(string relative) => Path.GetFullPath(Path.Combine(Root, relative));

    /// <summary>A repository-relative path with forward slashes.</summary>
    public string Relative(string full) => Path.GetRelativePath(Root, full).Replace('\\', '/');

    /// <summary>Joins a folder and a relative entry and normalises <c>..</c>, relative to the repository.</summary>
    public static string Combine(string dir, string entry)
    {
        var parts = new List<string>();
        foreach (string part in (dir + "/" + entry).Split('/', StringSplitOptions.RemoveEmptyEntries))
        {
            if (part == "..")
            {
                if (parts.Count > 0 && parts[^1] != "..")
                {
                    parts.RemoveAt(parts.Count - 1);
                }
                else
                {
                    parts.Add(part);
                }
            }
            else if (part != ".")
            {
                parts.Add(part);
            }
        }

        return string.Join('/', parts);
    }

    /// <summary>The parsed contents of a generated ConfigMap's file, or null when it is missing.</summary>
    public string? GeneratedText(string configMap, string key)
    {
        GeneratedFile? file = GeneratedFiles.FirstOrDefault(g => g.ConfigMap == configMap && g.Key == key);
        return file is not null && File.Exists(Full(file.Path)) ? File.ReadAllText(Full(file.Path)) : null;
    }

    /// <summary>Parses a Dockerfile's last stage: ENTRYPOINT, CMD (exec or shell form), EXPOSE and ENV.</summary>
    public static Dockerfile ParseDockerfile(string file, string text)
    {
        string name = Path.GetFileName(file);
        string image = "geode/" + name[..name.IndexOf(".Dockerfile", StringComparison.Ordinal)];
        var entrypoint = new List<string>();
        var cmd = new List<string>();
        var expose = new List<int>();
        var env = new Dictionary<string, string>();
        foreach (string instruction in Instructions(text))
        {
            int space = instruction.IndexOf(' ', StringComparison.Ordinal);
            string keyword = (space < 0 ? instruction : instruction[..space]).ToUpperInvariant();
            string rest = space < 0 ? string.Empty : instruction[(space + 1)..].Trim();
            switch (keyword)
            {
                case "FROM":
                    // A new stage: only the last one is the image.
                    entrypoint.Clear();
                    cmd.Clear();
                    expose.Clear();
                    env.Clear();
                    break;
                case "ENTRYPOINT":
                    entrypoint = ExecForm(rest);
                    cmd.Clear();
                    break;
                case "CMD":
                    cmd = ExecForm(rest);
                    break;
                case "EXPOSE":
                    expose.AddRange(rest.Split(' ', StringSplitOptions.RemoveEmptyEntries).Select(p => int.Parse(p.Split('/')[0], System.Globalization.CultureInfo.InvariantCulture)));
                    break;
                case "ENV":
                    foreach (Match match in EnvPair().Matches(rest))
                    {
                        env[match.Groups[1].Value] = match.Groups[2].Value.Trim('"');
                    }

                    if (!rest.Contains('=', StringComparison.Ordinal) && rest.Split(' ', 2) is [string key, string value])
                    {
                        env[key] = value.Trim();
                    }

                    break;
            }
        }

        return new Dockerfile(file, image, entrypoint, cmd, expose, env);
    }

    private static List<string> ExecForm(string rest) =>
        rest.StartsWith('[') ? JsonSerializer.Deserialize<List<string>>(rest)! : new List<string> { "/bin/sh", "-c", rest };

    private static IEnumerable<string> Instructions(string text)
    {
        var current = new System.Text.StringBuilder();
        foreach (string raw in text.Split('\n'))
        {
            string line = raw.TrimEnd('\r');
            if (current.Length == 0 && (line.TrimStart().StartsWith('#') || string.IsNullOrWhiteSpace(line)))
            {
                continue;
            }

            if (current.Length > 0 && line.TrimStart().StartsWith('#'))
            {
                continue;
            }

            if (line.EndsWith('\\'))
            {
                current.Append(line[..^1]).Append(' ');
                continue;
            }

            current.Append(line);
            yield return current.ToString().Trim();
            current.Clear();
        }

        if (current.Length > 0)
        {
            yield return current.ToString().Trim();
        }
    }

    /// <summary>Reads the kustomization in <paramref name="dir"/> with its resources, patches and generator files.</summary>
    private Kustomization? LoadKustomization(string dir)
    {
        if (Yaml.Load(File.ReadAllText(Full(dir + "/kustomization.yaml"))) is not Dictionary<string, object?> doc)
        {
            LoadProblems.Add($"{dir}/kustomization.yaml: not a mapping");
            return null;
        }

        var kustomization = new Kustomization(dir, doc);
        Kustomizations.Add(kustomization);
        foreach (string entry in Yaml.Seq(doc, "resources").Select(Yaml.Text).OfType<string>())
        {
            string path = Combine(dir, entry);
            if (File.Exists(Full(path)))
            {
                Resources.AddRange(ReadObjects(path));
            }
        }

        foreach (object? patch in Yaml.Seq(doc, "patches").Concat(Yaml.Seq(doc, "patchesStrategicMerge")))
        {
            string? entry = patch is string s ? s : Yaml.Str(patch, "path");
            if (entry is not null && File.Exists(Full(Combine(dir, entry))))
            {
                Patches.AddRange(ReadObjects(Combine(dir, entry)));
            }
        }

        foreach (object? generator in Yaml.Seq(doc, "configMapGenerator"))
        {
            string name = Yaml.Str(generator, "name") ?? "?";
            foreach (string entry in Yaml.Seq(generator, "files").Select(Yaml.Text).OfType<string>())
            {
                // Kustomize resolves a generator's files against the kustomization that declares it.
                int equals = entry.IndexOf('=', StringComparison.Ordinal);
                string source = equals >= 0 ? entry[(equals + 1)..] : entry;
                string key = equals >= 0 ? entry[..equals] : Path.GetFileName(source);
                GeneratedFiles.Add(new GeneratedFile(kustomization, name, key, Combine(dir, source)));
            }
        }

        return kustomization;
    }

    private IEnumerable<Manifest> ReadObjects(string path)
    {
        List<object?> documents;
        try
        {
            documents = Yaml.LoadAll(File.ReadAllText(Full(path)));
        }
        catch (YamlDotNet.Core.YamlException error)
        {
            LoadProblems.Add($"{path}: not YAML: {error.Message}");
            yield break;
        }

        foreach (object? document in documents)
        {
            if (document is Dictionary<string, object?> map)
            {
                yield return new Manifest(path, map);
            }
            else
            {
                LoadProblems.Add($"{path}: a document that is not a mapping");
            }
        }
    }

    [GeneratedRegex(@"([A-Za-z_][A-Za-z0-9_]*)=(""[^""]*""|\S+)")]
    private static partial Regex EnvPair();
}
