using System.Text.RegularExpressions;

namespace Geode.Deploy.Tests;

/// <summary>
/// The deployment's consistency rules, each a function from the files to the list of what is wrong
/// (empty when all is well), so that every rule can be shown to catch a broken copy.
/// </summary>
internal static partial class Checks
{
    /// <summary>The namespace everything runs in.</summary>
    public const string Namespace = "geode";

    /// <summary>Where the Grafana provisioning files live (the metrics work owns them).</summary>
    public const string GrafanaFolder = "deploy/grafana/";

    /// <summary>
    /// The Kustomize component that generates Grafana's ConfigMaps: it sits in deploy/grafana, next to
    /// the files it reads, because Kustomize refuses files outside a kustomization's folder.
    /// </summary>
    public const string GrafanaComponent = "deploy/grafana";

    /// <summary>The overlay the README applies.</summary>
    public const string DevOverlay = "deploy/k8s/overlays/dev";

    /// <summary>The command the README gives: plain <c>apply -k</c>, which works because no kustomization reads a file outside its folder.</summary>
    public const string ApplyCommand = "kubectl apply -k " + DevOverlay;

    /// <summary>The flag that lifts Kustomize's load restrictor, which no kustomization here needs.</summary>
    public const string LoadRestrictorFlag = "--load-restrictor";

    /// <summary>The apiVersion Kustomize requires of a <c>kind: Component</c>.</summary>
    public const string ComponentApiVersion = "kustomize.config.k8s.io/v1alpha1";

    /// <summary>Environment variables geode or its runtime read (besides DOTNET_*): each named in src/ or read by the dynamic loader.</summary>
    public static readonly IReadOnlyList<string> KnownEnvironment = new[] { "GEODE_LIBTORCH", "GEODE_DEBUG", "GEODE_REDIS_PASSWORD", "LD_LIBRARY_PATH" };

    /// <summary>The Secret with Redis's password, under <see cref="RedisPasswordKey"/>.</summary>
    public const string RedisSecret = "geode-redis";

    /// <summary>The key of <see cref="RedisSecret"/> that holds the password.</summary>
    public const string RedisPasswordKey = "password";

    /// <summary>The variable geode reads Redis's password from when the connection string has none.</summary>
    public const string RedisPasswordVariable = "GEODE_REDIS_PASSWORD";

    /// <summary>Every object has apiVersion, kind and metadata.name; nothing failed to parse.</summary>
    public static List<string> Identity(DeployTree tree)
    {
        var problems = new List<string>(tree.LoadProblems);
        foreach (Manifest manifest in tree.Resources.Concat(tree.Patches))
        {
            foreach ((string field, string? value) in new[] { ("apiVersion", manifest.ApiVersion), ("kind", manifest.Kind), ("metadata.name", manifest.Name) })
            {
                if (string.IsNullOrWhiteSpace(value))
                {
                    problems.Add($"{manifest}: no {field}");
                }
            }
        }

        if (tree.Resources.Count == 0)
        {
            problems.Add("no objects found under deploy/k8s");
        }

        return problems;
    }

    /// <summary>One namespace: the base sets it, overlays do not change it, no object names another, the Namespace object exists.</summary>
    public static List<string> Namespaces(DeployTree tree)
    {
        var problems = new List<string>();
        Kustomization? base_ = tree.Kustomizations.FirstOrDefault(k => k.Dir == "deploy/k8s/base");
        if (base_ is null || Yaml.Str(base_.Doc, "namespace") != Namespace)
        {
            problems.Add($"deploy/k8s/base/kustomization.yaml: namespace is not {Namespace}");
        }

        foreach (Kustomization k in tree.Kustomizations.Where(k => Yaml.Str(k.Doc, "namespace") is string ns && ns != Namespace))
        {
            problems.Add($"{k.File}: namespace {Yaml.Str(k.Doc, "namespace")} is not {Namespace}");
        }

        foreach (Manifest m in tree.Resources.Concat(tree.Patches).Where(m => m.Namespace is not null && m.Namespace != Namespace))
        {
            problems.Add($"{m}: metadata.namespace {m.Namespace} is not {Namespace}");
        }

        // A component's objects join whatever overlay adds it, where base's namespace does not reach them.
        foreach (Kustomization component in tree.Kustomizations.Where(k => k.IsComponent))
        {
            foreach (Manifest m in tree.Resources.Where(m => m.File.StartsWith(component.Dir + "/", StringComparison.Ordinal) && m.Namespace != Namespace))
            {
                problems.Add($"{m}: in a component, so it must set metadata.namespace {Namespace} itself");
            }
        }

        foreach (Manifest m in tree.Resources.Where(m => m.Kind is "RoleBinding" or "ClusterRoleBinding"))
        {
            foreach (object? subject in Yaml.Seq(m.Doc, "subjects").Where(s => Yaml.Str(s, "kind") == "ServiceAccount" && Yaml.Str(s, "namespace") != Namespace))
            {
                problems.Add($"{m}: subject {Yaml.Str(subject, "name")} is not in namespace {Namespace}");
            }

            if (tree.Resources.All(r => !(r.Kind == "ServiceAccount" && Yaml.Seq(m.Doc, "subjects").Any(s => Yaml.Str(s, "name") == r.Name))))
            {
                problems.Add($"{m}: binds no ServiceAccount defined here");
            }
        }

        if (!tree.Resources.Any(m => m.Kind == "Namespace" && m.Name == Namespace))
        {
            problems.Add($"no Namespace {Namespace} object");
        }

        return problems;
    }

    /// <summary>
    /// Every kustomization's resources, components, patches and generator files exist; patches and
    /// replicas name objects that exist; every YAML file under deploy/k8s is used; no file a
    /// kustomization reads lies outside its folder, which Kustomize's default load restrictor refuses
    /// (other kustomization folders, such as ../../base or a component, are allowed); so the README
    /// gives plain <see cref="ApplyCommand"/> for an overlay that exists, and never the flag that lifts it.
    /// </summary>
    public static List<string> KustomizeReferences(DeployTree tree)
    {
        var problems = new List<string>();
        var used = new HashSet<string>(StringComparer.Ordinal);
        foreach (Kustomization k in tree.Kustomizations)
        {
            used.Add(k.File);
            foreach (string entry in Yaml.Seq(k.Doc, "resources").Select(Yaml.Text).OfType<string>())
            {
                string path = DeployTree.Combine(k.Dir, entry);
                if (File.Exists(tree.Full(path)))
                {
                    used.Add(path);
                    problems.AddRange(Outside(k, "resource", path));
                }
                else if (!File.Exists(tree.Full(path + "/kustomization.yaml")))
                {
                    problems.Add($"{k.File}: resource {entry} is neither a file nor a kustomization folder");
                }
            }

            foreach (string entry in Yaml.Seq(k.Doc, "components").Select(Yaml.Text).OfType<string>())
            {
                string path = DeployTree.Combine(k.Dir, entry);
                Kustomization? component = tree.Kustomizations.FirstOrDefault(c => c.Dir == path);
                if (component is null || !component.IsComponent)
                {
                    problems.Add($"{k.File}: component {entry} is not a folder with a kind: Component kustomization");
                }
                else if (Yaml.Str(component.Doc, "apiVersion") != ComponentApiVersion)
                {
                    problems.Add($"{component.File}: a Component's apiVersion must be {ComponentApiVersion}, not {Yaml.Str(component.Doc, "apiVersion") ?? "missing"}");
                }
            }

            foreach (object? patch in Yaml.Seq(k.Doc, "patches"))
            {
                string? entry = Yaml.Str(patch, "path");
                if (entry is not null)
                {
                    string path = DeployTree.Combine(k.Dir, entry);
                    used.Add(path);
                    problems.AddRange(Outside(k, "patch", path));
                    if (!File.Exists(tree.Full(path)))
                    {
                        problems.Add($"{k.File}: patch {entry} does not exist");
                    }
                }
            }

            foreach (object? replica in Yaml.Seq(k.Doc, "replicas"))
            {
                string? name = Yaml.Str(replica, "name");
                if (!tree.Resources.Any(m => m.Name == name && m.Kind is "Deployment" or "StatefulSet"))
                {
                    problems.Add($"{k.File}: replicas names {name}, which is no Deployment here");
                }
            }
        }

        foreach (Manifest patch in tree.Patches)
        {
            if (!tree.Resources.Any(m => m.Kind == patch.Kind && m.Name == patch.Name))
            {
                problems.Add($"{patch}: patches an object that does not exist");
            }
        }

        foreach (GeneratedFile file in tree.GeneratedFiles)
        {
            used.Add(file.Path);
            problems.AddRange(Outside(file.Owner, "generator", file.Path));
            if (!File.Exists(tree.Full(file.Path)))
            {
                problems.Add($"{file.Owner.File}: generator {file.ConfigMap} file {file.Path} does not exist");
            }
        }

        foreach (string file in Directory.EnumerateFiles(tree.Full("deploy/k8s"), "*.*", SearchOption.AllDirectories)
                     .Where(f => f.EndsWith(".yaml", StringComparison.Ordinal) || f.EndsWith(".yml", StringComparison.Ordinal)))
        {
            if (!used.Contains(tree.Relative(file)))
            {
                problems.Add($"{tree.Relative(file)}: no kustomization uses it");
            }
        }

        if (!tree.Kustomizations.Any(k => k.Dir == DevOverlay && !k.IsComponent))
        {
            problems.Add($"{DevOverlay}/kustomization.yaml: the overlay the README applies is not a kustomization");
        }

        string readme = File.Exists(tree.Full("README.md")) ? File.ReadAllText(tree.Full("README.md")) : string.Empty;
        if (!readme.Contains(ApplyCommand, StringComparison.Ordinal))
        {
            problems.Add($"README.md: does not give '{ApplyCommand}'");
        }

        if (readme.Contains(LoadRestrictorFlag, StringComparison.Ordinal))
        {
            problems.Add($"README.md: gives {LoadRestrictorFlag}, which no kustomization needs (none reads a file outside its folder)");
        }

        return problems;
    }

    /// <summary>Workload selectors select their own template's labels and no other workload's pods.</summary>
    public static List<string> Selectors(DeployTree tree)
    {
        var problems = new List<string>();
        List<PodTemplate> pods = tree.PodTemplates.ToList();
        foreach (PodTemplate pod in pods.Where(p => p.Owner.Kind != "Job"))
        {
            Dictionary<string, string> selector = Yaml.Labels(pod.Owner.Doc, "spec", "selector", "matchLabels");
            if (selector.Count == 0)
            {
                problems.Add($"{pod.Owner}: no spec.selector.matchLabels");
                continue;
            }

            if (!Subset(selector, pod.Labels))
            {
                problems.Add($"{pod.Owner}: selector {Show(selector)} does not match its template's labels {Show(pod.Labels)}");
            }

            foreach (PodTemplate other in pods.Where(o => o != pod && Subset(selector, o.Labels)))
            {
                problems.Add($"{pod.Owner}: selector {Show(selector)} also selects the pods of {other.Owner}");
            }
        }

        return problems;
    }

    /// <summary>Services select existing pods, and their target ports are ports those pods' containers declare.</summary>
    public static List<string> Services(DeployTree tree)
    {
        var problems = new List<string>();
        foreach (Manifest service in tree.Resources.Where(m => m.Kind == "Service"))
        {
            Dictionary<string, string> selector = Yaml.Labels(service.Doc, "spec", "selector");
            List<PodTemplate> selected = tree.PodTemplates.Where(p => selector.Count > 0 && Subset(selector, p.Labels)).ToList();
            if (selected.Count == 0)
            {
                problems.Add($"{service}: selector {Show(selector)} selects no pod template");
                continue;
            }

            foreach (object? port in Yaml.Seq(service.Doc, "spec", "ports"))
            {
                string target = Yaml.Str(port, "targetPort") ?? Yaml.Str(port, "port") ?? "?";
                bool named = Yaml.At(port, "targetPort") is string;
                foreach (PodTemplate pod in selected)
                {
                    bool found = pod.Containers.Where(c => !c.Init).SelectMany(c => c.Ports)
                        .Any(p => named ? Yaml.Str(p, "name") == target : Yaml.Str(p, "containerPort") == target);
                    if (!found)
                    {
                        problems.Add($"{service}: targetPort {target} is no container port of {pod.Owner}");
                    }
                }
            }
        }

        return problems;
    }

    /// <summary>
    /// Silo containers: a container port named <c>metrics</c>; <c>--metrics-port</c> with its number
    /// and <c>--http-address 0.0.0.0</c>; readiness and liveness probes GET <c>/healthz</c> on it.
    /// </summary>
    public static List<string> SiloProbes(DeployTree tree)
    {
        var problems = new List<string>();
        List<GeodeCall> silos = GeodeCalls.Find(tree).Where(c => c.Container is not null && c.Subcommand == "silo").ToList();
        if (silos.Count == 0)
        {
            problems.Add("no container runs geode silo");
        }

        foreach (GeodeCall call in silos)
        {
            Container container = call.Container!;
            string? metrics = container.PortNumber("metrics");
            if (metrics is null)
            {
                problems.Add($"{container}: no container port named metrics");
                continue;
            }

            if (call.Flag("--metrics-port") != metrics)
            {
                problems.Add($"{container}: --metrics-port is {call.Flag("--metrics-port") ?? "missing"}, the port named metrics is {metrics}");
            }

            if (call.Flag("--http-address") != "0.0.0.0")
            {
                problems.Add($"{container}: --http-address is {call.Flag("--http-address") ?? "missing"}, not 0.0.0.0 (the default 127.0.0.1 is unreachable for probes and Prometheus)");
            }

            foreach (string probe in new[] { "readinessProbe", "livenessProbe" })
            {
                string? path = Yaml.Str(container.Node, probe, "httpGet", "path");
                string? port = Yaml.Str(container.Node, probe, "httpGet", "port");
                if (path != "/healthz" || (port != "metrics" && port != metrics))
                {
                    problems.Add($"{container}: {probe} is GET {path ?? "?"} on port {port ?? "?"}, not /healthz on the metrics port");
                }
            }
        }

        return problems;
    }

    /// <summary>Every geode invocation parses against the real command tree, and command and args are YAML strings.</summary>
    public static List<string> Flags(DeployTree tree)
    {
        var problems = new List<string>();
        List<GeodeCall> calls = GeodeCalls.Find(tree, problems);
        problems.AddRange(GeodeCalls.CheckFlags(calls));
        foreach (Container container in tree.Containers)
        {
            foreach ((string field, List<object?>? list) in new[] { ("command", container.Command), ("args", container.Args) })
            {
                foreach (object? item in list ?? new List<object?>())
                {
                    if (item is not string)
                    {
                        problems.Add($"{container}: {field} entry {Yaml.Text(item) ?? "null"} is not a string (quote it)");
                    }
                }
            }
        }

        if (!calls.Any(c => c.Subcommand == "run" && c.Container?.Pod.Owner.Kind == "Job"))
        {
            problems.Add("no Job runs geode run");
        }

        return problems;
    }

    /// <summary>
    /// Geode's containers set only environment variables something reads: referenced as $(NAME) in
    /// their command or args, or read by geode, .NET (DOTNET_*) or the dynamic loader; every $(NAME)
    /// is defined; Dockerfiles' ENV likewise.
    /// </summary>
    public static List<string> Environment(DeployTree tree)
    {
        var problems = new List<string>();
        foreach (Container container in tree.Containers.Where(c => c.IsGeode))
        {
            var defined = container.Env.Select(e => Yaml.Str(e, "name") ?? string.Empty).ToHashSet(StringComparer.Ordinal);
            var referenced = GeodeCalls.References(container).ToHashSet(StringComparer.Ordinal);
            foreach (string name in referenced.Where(r => !defined.Contains(r)))
            {
                problems.Add($"{container}: $({name}) is used but not in env, so Kubernetes passes it literally");
            }

            foreach (string name in defined.Where(d => !referenced.Contains(d) && !Known(d)))
            {
                problems.Add($"{container}: env {name} is set but neither used in its args nor read by geode or .NET");
            }
        }

        foreach (Dockerfile dockerfile in tree.Dockerfiles.Values)
        {
            foreach (string name in dockerfile.Env.Keys.Where(k => !Known(k) && k != "PATH"))
            {
                problems.Add($"{dockerfile.File}: ENV {name} is read by nothing in the image");
            }
        }

        return problems;
    }

    /// <summary>
    /// Redis asks for a password and whatever talks to it has it: the Redis container runs with
    /// <c>--requirepass $(VAR)</c>, VAR from the Secret <see cref="RedisSecret"/>; a probe that runs
    /// redis-cli authenticates; every geode container that passes <c>--redis</c> or <c>--cluster</c>
    /// reads <see cref="RedisPasswordVariable"/> from the same Secret key. The dev overlay generates the
    /// Secret and nothing else here ships one, so no other deployment runs on a committed password.
    /// </summary>
    public static List<string> RedisAuth(DeployTree tree)
    {
        var problems = new List<string>();
        List<Container> redis = tree.Containers.Where(c => c.ImageRepository == "redis").ToList();
        if (redis.Count == 0)
        {
            problems.Add("no Redis container");
        }

        foreach (Container container in redis)
        {
            List<string> args = (container.Command ?? new List<object?>()).Concat(container.Args ?? new List<object?>()).Select(Yaml.Text).OfType<string>().ToList();
            int at = args.IndexOf("--requirepass");
            Match variable = RequirePassVariable().Match(at >= 0 && at + 1 < args.Count ? args[at + 1] : string.Empty);
            if (!variable.Success)
            {
                problems.Add($"{container}: runs without --requirepass $(VAR), so anyone who reaches it may write the ledgers");
            }
            else
            {
                CheckSecretRef(container, variable.Groups[1].Value, problems);
            }

            foreach (string probe in new[] { "livenessProbe", "readinessProbe", "startupProbe" })
            {
                string command = string.Join(' ', Yaml.Seq(container.Node, probe, "exec", "command").Select(Yaml.Text));
                if (command.Contains("redis-cli", StringComparison.Ordinal) && !command.Contains("REDISCLI_AUTH", StringComparison.Ordinal) && !command.Contains(" -a ", StringComparison.Ordinal))
                {
                    problems.Add($"{container}: {probe} runs redis-cli without the password, so it fails once Redis asks for one");
                }
            }
        }

        foreach (Container container in tree.Containers.Where(c => c.IsGeode))
        {
            List<string> args = (container.Args ?? new List<object?>()).Select(Yaml.Text).OfType<string>().ToList();
            if (args.Contains("--redis") || args.Contains("--cluster"))
            {
                CheckSecretRef(container, RedisPasswordVariable, problems);
            }
        }

        Kustomization? dev = tree.Kustomizations.FirstOrDefault(k => k.Dir == DevOverlay);
        bool generated = dev is not null && Yaml.Seq(dev.Doc, "secretGenerator").Any(g => Yaml.Str(g, "name") == RedisSecret
            && Yaml.Seq(g, "literals").Select(Yaml.Text).Any(l => l?.StartsWith(RedisPasswordKey + "=", StringComparison.Ordinal) == true));
        if (!generated)
        {
            problems.Add($"{DevOverlay}/kustomization.yaml: generates no Secret {RedisSecret} with a literal {RedisPasswordKey}, so the dev cluster's pods cannot start");
        }

        foreach (Kustomization k in tree.Kustomizations.Where(k => k.Dir != DevOverlay && Yaml.Seq(k.Doc, "secretGenerator").Any(g => Yaml.Str(g, "name") == RedisSecret)))
        {
            problems.Add($"{k.File}: generates the Secret {RedisSecret}, so every deployment built on it shares a committed Redis password");
        }

        foreach (Manifest m in tree.Resources.Where(m => m.Kind == "Secret" && m.Name == RedisSecret))
        {
            problems.Add($"{m}: a committed Redis password");
        }

        return problems;
    }

    private static void CheckSecretRef(Container container, string variable, List<string> problems)
    {
        Dictionary<string, object?>? env = container.Env.FirstOrDefault(e => Yaml.Str(e, "name") == variable);
        string? name = Yaml.Str(env, "valueFrom", "secretKeyRef", "name");
        string? key = Yaml.Str(env, "valueFrom", "secretKeyRef", "key");
        if (env is null)
        {
            problems.Add($"{container}: talks to Redis without {variable} in env");
        }
        else if (name != RedisSecret || key != RedisPasswordKey)
        {
            problems.Add($"{container}: {variable} comes from {name ?? "no Secret"}/{key ?? "no key"}, not {RedisSecret}/{RedisPasswordKey}");
        }
    }

    /// <summary>
    /// Prometheus' pod discovery, simulated on every pod template and container port: its relabel
    /// rules keep exactly the silo containers' ports named metrics, at /metrics. The Prometheus
    /// Deployment reads the generated configuration, and a PodMonitor (if any) selects the same.
    /// </summary>
    public static List<string> Prometheus(DeployTree tree)
    {
        var problems = new List<string>();
        string? text = tree.GeneratedText("prometheus-config", "prometheus.yml");
        if (text is null)
        {
            return new List<string> { "no configMapGenerator prometheus-config with prometheus.yml" };
        }

        Manifest? deployment = tree.Resources.FirstOrDefault(m => m.Kind == "Deployment" && m.Name == "prometheus");
        PodTemplate? prometheusPod = tree.PodTemplates.FirstOrDefault(p => p.Owner == deployment);
        string? mount = prometheusPod?.Containers.SelectMany(c => Yaml.Seq(c.Node, "volumeMounts"))
            .Where(v => Yaml.Str(prometheusPod.Volume(Yaml.Str(v, "name")), "configMap", "name") == "prometheus-config")
            .Select(v => Yaml.Str(v, "mountPath")).FirstOrDefault();
        string? configFlag = prometheusPod?.Containers.SelectMany(c => c.Args ?? new List<object?>()).Select(Yaml.Text)
            .FirstOrDefault(a => a?.StartsWith("--config.file=", StringComparison.Ordinal) == true);
        if (mount is null || configFlag != $"--config.file={mount}/prometheus.yml")
        {
            problems.Add($"Deployment prometheus does not read the generated prometheus-config (mounted at {mount ?? "nowhere"}, {configFlag ?? "no --config.file"})");
        }

        HashSet<(string Owner, string Port)> wanted = SiloMetricsPorts(tree);
        var kept = new HashSet<(string Owner, string Port)>();
        foreach (object? job in Yaml.Seq(Yaml.Load(text), "scrape_configs"))
        {
            if (!Yaml.Seq(job, "kubernetes_sd_configs").Any(sd => Yaml.Str(sd, "role") == "pod"))
            {
                continue;
            }

            string path = Yaml.Str(job, "metrics_path") ?? "/metrics";
            foreach (PodTemplate pod in tree.PodTemplates)
            {
                foreach (Container container in pod.Containers)
                {
                    List<Dictionary<string, object?>> ports = container.Ports.ToList();
                    foreach (Dictionary<string, object?>? port in ports.Count == 0 ? new List<Dictionary<string, object?>?> { null } : ports.Cast<Dictionary<string, object?>?>())
                    {
                        Dictionary<string, string> labels = Meta(pod, container, port, path);
                        if (!Relabel(Yaml.Seq(job, "relabel_configs"), labels, problems))
                        {
                            continue;
                        }

                        (string, string) target = (pod.Owner.ToString(), Yaml.Str(port, "name") ?? "(no port)");
                        kept.Add(target);
                        if (labels["__metrics_path__"] != "/metrics")
                        {
                            problems.Add($"prometheus.yml job {Yaml.Str(job, "job_name")}: scrapes {target} at {labels["__metrics_path__"]}, not /metrics");
                        }
                    }
                }
            }
        }

        foreach ((string owner, string port) in wanted.Except(kept))
        {
            problems.Add($"prometheus.yml: no pod-discovery job keeps {owner} port {port}");
        }

        foreach ((string owner, string port) in kept.Except(wanted))
        {
            problems.Add($"prometheus.yml: scrapes {owner} port {port}, which is not a silo's metrics port");
        }

        foreach (Manifest monitor in tree.Resources.Where(m => m.Kind == "PodMonitor"))
        {
            Dictionary<string, string> selector = Yaml.Labels(monitor.Doc, "spec", "selector", "matchLabels");
            var selected = tree.PodTemplates.Where(p => selector.Count > 0 && Subset(selector, p.Labels)).Select(p => p.Owner.ToString()).ToHashSet();
            if (!selected.SetEquals(wanted.Select(w => w.Owner)))
            {
                problems.Add($"{monitor}: selects [{string.Join(", ", selected)}], not the silos [{string.Join(", ", wanted.Select(w => w.Owner).Distinct())}]");
            }

            foreach (object? endpoint in Yaml.Seq(monitor.Doc, "spec", "podMetricsEndpoints"))
            {
                if (Yaml.Str(endpoint, "port") != "metrics" || (Yaml.Str(endpoint, "path") ?? "/metrics") != "/metrics")
                {
                    problems.Add($"{monitor}: endpoint port {Yaml.Str(endpoint, "port")} path {Yaml.Str(endpoint, "path")}, not metrics at /metrics");
                }
            }
        }

        return problems;
    }

    /// <summary>Silos on CUDA ask for a GPU and load the image's libtorch; no other container asks for one; a GPU Deployment exists.</summary>
    public static List<string> Gpus(DeployTree tree)
    {
        var problems = new List<string>();
        List<GeodeCall> calls = GeodeCalls.Find(tree).Where(c => c.Container is not null).ToList();
        foreach (GeodeCall call in calls)
        {
            Container container = call.Container!;
            bool cuda = call.Flag("--device")?.StartsWith("cuda", StringComparison.Ordinal) == true;
            string? gpus = Yaml.Str(container.Node, "resources", "limits", "nvidia.com/gpu");
            if (cuda && (gpus is null || !int.TryParse(gpus, out int count) || count < 1))
            {
                problems.Add($"{container}: runs on {call.Flag("--device")} without resources.limits nvidia.com/gpu");
            }

            if (!cuda && gpus is not null)
            {
                problems.Add($"{container}: asks for nvidia.com/gpu but runs on {call.Flag("--device") ?? "cpu"}");
            }

            if (cuda)
            {
                string? libtorch = call.Flag("--libtorch");
                tree.Dockerfiles.TryGetValue(container.ImageRepository, out Dockerfile? dockerfile);
                string? fromImage = dockerfile?.Env.GetValueOrDefault("GEODE_LIBTORCH");
                if (libtorch is null || libtorch != fromImage)
                {
                    problems.Add($"{container}: --libtorch {libtorch ?? "missing"} is not the image's libtorch ({fromImage ?? "no GEODE_LIBTORCH in its Dockerfile"})");
                }
            }
        }

        if (!calls.Any(c => c.Subcommand == "silo" && c.Flag("--device")?.StartsWith("cuda", StringComparison.Ordinal) == true && c.Container!.Pod.Owner.Kind == "Deployment"))
        {
            problems.Add("no Deployment runs a GPU silo (geode silo --device cuda:N)");
        }

        return problems;
    }

    /// <summary>Each of Geode's images EXPOSEs exactly the container ports its containers declare; every Geode image has a Dockerfile.</summary>
    public static List<string> ImagePorts(DeployTree tree)
    {
        var problems = new List<string>();
        foreach (IGrouping<string, Container> image in tree.Containers.Where(c => c.IsGeode).GroupBy(c => c.ImageRepository))
        {
            if (!tree.Dockerfiles.TryGetValue(image.Key, out Dockerfile? dockerfile))
            {
                problems.Add($"image {image.Key}: no deploy/docker/{image.Key["geode/".Length..]}.Dockerfile");
                continue;
            }

            var exposed = dockerfile.Expose.Select(p => p.ToString(System.Globalization.CultureInfo.InvariantCulture)).ToHashSet();
            foreach (Container container in image)
            {
                var ports = container.Ports.Select(p => Yaml.Str(p, "containerPort") ?? "?").ToHashSet();
                if (!ports.SetEquals(exposed))
                {
                    problems.Add($"{container}: ports [{string.Join(", ", ports.Order())}] but {dockerfile.File} EXPOSEs [{string.Join(", ", exposed.Order())}]");
                }
            }
        }

        return problems;
    }

    /// <summary>
    /// One shared volume at one path: every geode container mounts the geode-data claim at /data; the
    /// Job's --out and --store and the campaign's model.path are under it; claims and ConfigMaps that
    /// pods mount exist.
    /// </summary>
    public static List<string> Storage(DeployTree tree)
    {
        var problems = new List<string>();
        var claims = tree.Resources.Where(m => m.Kind == "PersistentVolumeClaim").Select(m => m.Name).ToHashSet();
        var configMaps = tree.GeneratedFiles.Select(g => g.ConfigMap).Concat(tree.Resources.Where(m => m.Kind == "ConfigMap").Select(m => m.Name)).ToHashSet();
        var accounts = tree.Resources.Where(m => m.Kind == "ServiceAccount").Select(m => m.Name).ToHashSet();
        if (!claims.Contains("geode-data"))
        {
            problems.Add("no PersistentVolumeClaim geode-data");
        }

        foreach (PodTemplate pod in tree.PodTemplates)
        {
            foreach (object? volume in Yaml.Seq(pod.Spec, "volumes"))
            {
                string? claim = Yaml.Str(volume, "persistentVolumeClaim", "claimName");
                string? map = Yaml.Str(volume, "configMap", "name");
                if (claim is not null && !claims.Contains(claim))
                {
                    problems.Add($"{pod.Owner}: volume {Yaml.Str(volume, "name")} claims {claim}, which is not defined");
                }

                if (map is not null && !configMaps.Contains(map))
                {
                    problems.Add($"{pod.Owner}: volume {Yaml.Str(volume, "name")} mounts ConfigMap {map}, which nothing generates");
                }
            }

            string? account = Yaml.Str(pod.Spec, "serviceAccountName");
            if (account is not null && !accounts.Contains(account))
            {
                problems.Add($"{pod.Owner}: serviceAccountName {account} is not defined");
            }

            foreach (Container container in pod.Containers)
            {
                foreach (object? mount in Yaml.Seq(container.Node, "volumeMounts"))
                {
                    if (pod.Volume(Yaml.Str(mount, "name")) is null)
                    {
                        problems.Add($"{container}: mounts volume {Yaml.Str(mount, "name")}, which the pod does not have");
                    }
                }
            }
        }

        foreach (GeodeCall call in GeodeCalls.Find(tree).Where(c => c.Container is not null && c.Subcommand is "silo" or "run"))
        {
            Container container = call.Container!;
            bool shared = Yaml.Seq(container.Node, "volumeMounts").Any(m =>
                Yaml.Str(m, "mountPath") == "/data" &&
                Yaml.Str(container.Pod.Volume(Yaml.Str(m, "name")), "persistentVolumeClaim", "claimName") == "geode-data");
            if (!shared)
            {
                problems.Add($"{container}: does not mount the geode-data claim at /data");
            }

            foreach (string flag in new[] { "--out", "--store" })
            {
                if (call.Subcommand == "run" && call.Flag(flag)?.StartsWith("/data/", StringComparison.Ordinal) != true)
                {
                    problems.Add($"{call}: {flag} {call.Flag(flag) ?? "missing"} is not on the shared volume (/data/...)");
                }
            }
        }

        string? campaign = tree.GeneratedText("geode-campaign", "campaign.yaml");
        if (campaign is null || Yaml.Str(Yaml.Load(campaign), "model", "path")?.StartsWith("/data/", StringComparison.Ordinal) != true)
        {
            problems.Add("the geode-campaign ConfigMap's campaign.yaml has no model.path under /data/");
        }

        return problems;
    }

    /// <summary>
    /// The Job's campaign is campaigns/quickstart.yaml with only model.path changed, and the Job runs
    /// the file where it mounts the ConfigMap.
    /// </summary>
    public static List<string> Campaign(DeployTree tree)
    {
        var problems = new List<string>();
        string? text = tree.GeneratedText("geode-campaign", "campaign.yaml");
        if (text is null)
        {
            return new List<string> { "no configMapGenerator geode-campaign with campaign.yaml" };
        }

        var adapted = (Dictionary<string, object?>)Yaml.Load(text)!;
        var original = (Dictionary<string, object?>)Yaml.Load(File.ReadAllText(tree.Full("campaigns/quickstart.yaml")))!;
        Yaml.Map(adapted, "model")["path"] = Yaml.Str(original, "model", "path");
        string differences = Difference(original, adapted, string.Empty);
        if (differences.Length > 0)
        {
            problems.Add($"campaign.yaml differs from campaigns/quickstart.yaml beyond model.path: {differences}");
        }

        foreach (GeodeCall call in GeodeCalls.Find(tree).Where(c => c.Container?.Pod.Owner.Kind == "Job" && c.Subcommand == "run"))
        {
            Container container = call.Container!;
            string file = call.Tokens.Count > 1 ? call.Tokens[1] : string.Empty;
            bool mounted = Yaml.Seq(container.Node, "volumeMounts").Any(m =>
                file == Yaml.Str(m, "mountPath") + "/campaign.yaml" &&
                Yaml.Str(container.Pod.Volume(Yaml.Str(m, "name")), "configMap", "name") == "geode-campaign");
            if (!mounted)
            {
                problems.Add($"{call}: {file} is not campaign.yaml of the mounted geode-campaign ConfigMap");
            }
        }

        return problems;
    }

    /// <summary>
    /// The component in deploy/grafana, which the base includes, generates Grafana's ConfigMaps from its
    /// three files and the Grafana Deployment mounts them where Grafana reads provisioning.
    /// </summary>
    public static List<string> GrafanaMounts(DeployTree tree)
    {
        var problems = new List<string>();
        var expected = new (string ConfigMap, string File, string? MountPath)[]
        {
            ("grafana-datasources", GrafanaFolder + "provisioning/datasources/prometheus.yaml", "/etc/grafana/provisioning/datasources"),
            ("grafana-dashboard-providers", GrafanaFolder + "provisioning/dashboards/geode.yaml", "/etc/grafana/provisioning/dashboards"),
            ("grafana-dashboards", GrafanaFolder + "dashboards/geode.json", null),
        };
        PodTemplate? grafana = tree.PodTemplates.FirstOrDefault(p => p.Owner.Kind == "Deployment" && p.Owner.Name == "grafana");
        if (grafana is null)
        {
            return new List<string> { "no Deployment grafana" };
        }

        // Only the base's components reach every overlay, with the base's namespace and name references.
        Kustomization? base_ = tree.Kustomizations.FirstOrDefault(k => k.Dir == "deploy/k8s/base");
        bool included = base_ is not null && Yaml.Seq(base_.Doc, "components").Select(Yaml.Text).OfType<string>()
            .Any(entry => DeployTree.Combine(base_.Dir, entry) == GrafanaComponent);
        if (!included || !tree.Kustomizations.Any(k => k.Dir == GrafanaComponent && k.IsComponent))
        {
            problems.Add($"deploy/k8s/base/kustomization.yaml: does not include the component {GrafanaComponent} (a kind: Component kustomization)");
        }

        foreach ((string configMap, string file, string? mountPath) in expected)
        {
            if (!tree.GeneratedFiles.Any(g => g.ConfigMap == configMap && g.Path == file && g.Owner.Dir == GrafanaComponent && g.Owner.IsComponent))
            {
                problems.Add($"{GrafanaComponent}/kustomization.yaml: no configMapGenerator {configMap} from {file}");
            }

            string? mounted = GrafanaMount(grafana, configMap);
            if (mounted is null || (mountPath is not null && mounted != mountPath))
            {
                problems.Add($"Deployment grafana: ConfigMap {configMap} is mounted at {mounted ?? "nowhere"}{(mountPath is null ? string.Empty : $", not {mountPath}")}");
            }
        }

        return problems;
    }

    /// <summary>
    /// The Grafana files themselves (from the metrics work): they exist, the dashboard provider's path
    /// is where the dashboards ConfigMap is mounted, and the datasource (uid prometheus) points at
    /// the Prometheus Service.
    /// </summary>
    public static List<string> GrafanaFiles(DeployTree tree)
    {
        var problems = new List<string>();
        foreach (GeneratedFile file in tree.GeneratedFiles.Where(g => g.Path.StartsWith(GrafanaFolder, StringComparison.Ordinal)))
        {
            if (!File.Exists(tree.Full(file.Path)))
            {
                problems.Add($"{file.Owner.File}: generator {file.ConfigMap} file {file.Path} does not exist (it comes with the metrics work's deploy/grafana)");
            }
        }

        if (problems.Count > 0)
        {
            return problems;
        }

        PodTemplate? grafana = tree.PodTemplates.FirstOrDefault(p => p.Owner.Kind == "Deployment" && p.Owner.Name == "grafana");
        string? dashboards = grafana is null ? null : GrafanaMount(grafana, "grafana-dashboards");
        string? providers = tree.GeneratedText("grafana-dashboard-providers", "geode.yaml");
        foreach (object? provider in Yaml.Seq(Yaml.Load(providers ?? string.Empty), "providers"))
        {
            string? path = Yaml.Str(provider, "options", "path");
            if (path is null || dashboards is null || (path.TrimEnd('/') != dashboards && !path.StartsWith(dashboards + "/", StringComparison.Ordinal)))
            {
                problems.Add($"{GrafanaFolder}provisioning/dashboards/geode.yaml: provider {Yaml.Str(provider, "name")} reads {path ?? "no path"}, but the dashboards ConfigMap is mounted at {dashboards ?? "nowhere"}");
            }
        }

        string? datasources = tree.GeneratedText("grafana-datasources", "prometheus.yaml");
        List<object?> sources = Yaml.Seq(Yaml.Load(datasources ?? string.Empty), "datasources");
        object? prometheus = sources.FirstOrDefault(s => Yaml.Str(s, "uid") == "prometheus");
        Match url = UrlPattern().Match(Yaml.Str(prometheus, "url") ?? string.Empty);
        bool reachable = url.Success && tree.Resources.Any(m => m.Kind == "Service" && m.Name == url.Groups[1].Value &&
            Yaml.Seq(m.Doc, "spec", "ports").Any(p => Yaml.Str(p, "port") == url.Groups[2].Value) &&
            Yaml.Labels(m.Doc, "spec", "selector").GetValueOrDefault("app.kubernetes.io/name") == "prometheus");
        if (!reachable)
        {
            problems.Add($"{GrafanaFolder}provisioning/datasources/prometheus.yaml: datasource uid prometheus has url {Yaml.Str(prometheus, "url") ?? "none"}, which is not http://SERVICE:PORT of the Prometheus Service (http://prometheus:9090)");
        }

        try
        {
            System.Text.Json.JsonDocument.Parse(tree.GeneratedText("grafana-dashboards", "geode.json") ?? string.Empty).Dispose();
        }
        catch (System.Text.Json.JsonException error)
        {
            problems.Add($"{GrafanaFolder}dashboards/geode.json: not JSON: {error.Message}");
        }

        return problems;
    }

    /// <summary>The (owner, port name) of every silo container's metrics port.</summary>
    public static HashSet<(string Owner, string Port)> SiloMetricsPorts(DeployTree tree) =>
        GeodeCalls.Find(tree).Where(c => c.Container is not null && c.Subcommand == "silo")
            .Select(c => (c.Container!.Pod.Owner.ToString(), "metrics")).ToHashSet();

    /// <summary>Prometheus' label name for a Kubernetes label: every character outside [a-zA-Z0-9_] becomes _.</summary>
    public static string Sanitize(string label) => NonLabelCharacter().Replace(label, "_");

    private static string? GrafanaMount(PodTemplate grafana, string configMap) =>
        grafana.Containers.SelectMany(c => Yaml.Seq(c.Node, "volumeMounts"))
            .Where(v => Yaml.Str(grafana.Volume(Yaml.Str(v, "name")), "configMap", "name") == configMap)
            .Select(v => Yaml.Str(v, "mountPath")).FirstOrDefault();

    /// <summary>A problem when <paramref name="path"/>, a file <paramref name="k"/> reads, is outside its folder.</summary>
    private static IEnumerable<string> Outside(Kustomization k, string what, string path)
    {
        if (!path.StartsWith(k.Dir + "/", StringComparison.Ordinal))
        {
            yield return $"{k.File}: {what} file {path} is outside the kustomization's folder (Kustomize's default load restrictor refuses it)";
        }
    }

    private static bool Known(string name) => KnownEnvironment.Contains(name) || name.StartsWith("DOTNET_", StringComparison.Ordinal);

    private static Dictionary<string, string> Meta(PodTemplate pod, Container container, Dictionary<string, object?>? port, string metricsPath)
    {
        var labels = new Dictionary<string, string>
        {
            ["__meta_kubernetes_namespace"] = Namespace,
            ["__meta_kubernetes_pod_name"] = pod.Owner.Name + "-0",
            ["__meta_kubernetes_pod_container_name"] = container.Name,
            ["__meta_kubernetes_pod_container_init"] = container.Init ? "true" : "false",
            ["__meta_kubernetes_pod_container_port_name"] = Yaml.Str(port, "name") ?? string.Empty,
            ["__meta_kubernetes_pod_container_port_number"] = Yaml.Str(port, "containerPort") ?? string.Empty,
            ["__address__"] = port is null ? "10.244.0.17" : $"10.244.0.17:{Yaml.Str(port, "containerPort")}",
            ["__metrics_path__"] = metricsPath,
        };
        foreach ((string key, string value) in pod.Labels)
        {
            labels["__meta_kubernetes_pod_label_" + Sanitize(key)] = value;
            labels["__meta_kubernetes_pod_labelpresent_" + Sanitize(key)] = "true";
        }

        return labels;
    }

    /// <summary>Applies Prometheus relabel rules (keep, drop, replace); false when the target is dropped.</summary>
    private static bool Relabel(List<object?> rules, Dictionary<string, string> labels, List<string> problems)
    {
        foreach (object? rule in rules)
        {
            string action = Yaml.Str(rule, "action") ?? "replace";
            string separator = Yaml.Str(rule, "separator") ?? ";";
            string value = string.Join(separator, Yaml.Seq(rule, "source_labels").Select(l => labels.GetValueOrDefault(Yaml.Text(l) ?? string.Empty, string.Empty)));
            var regex = new Regex("^(?:" + (Yaml.Str(rule, "regex") ?? "(.*)") + ")$");
            Match match = regex.Match(value);
            switch (action)
            {
                case "keep" when !match.Success:
                case "drop" when match.Success:
                    return false;
                case "keep":
                case "drop":
                    break;
                case "replace":
                    if (match.Success && Yaml.Str(rule, "target_label") is string target)
                    {
                        labels[target] = match.Result(Yaml.Str(rule, "replacement") ?? "$1");
                    }

                    break;
                default:
                    problems.Add($"prometheus.yml: relabel action {action} is not simulated by this test; extend Checks.Relabel");
                    break;
            }
        }

        return true;
    }

    private static bool Subset(Dictionary<string, string> selector, Dictionary<string, string> labels) =>
        selector.All(p => labels.TryGetValue(p.Key, out string? v) && v == p.Value);

    private static string Show(Dictionary<string, string> labels) => "{" + string.Join(", ", labels.Select(p => $"{p.Key}={p.Value}")) + "}";

    private static string Difference(object? a, object? b, string path)
    {
        if (a is Dictionary<string, object?> ma && b is Dictionary<string, object?> mb)
        {
            foreach (string key in ma.Keys.Union(mb.Keys))
            {
                string inner = Difference(ma.GetValueOrDefault(key), mb.GetValueOrDefault(key), path.Length == 0 ? key : path + "." + key);
                if (inner.Length > 0)
                {
                    return inner;
                }
            }

            return string.Empty;
        }

        if ((a is Dictionary<string, object?>) != (b is Dictionary<string, object?>) || (a is List<object?>) != (b is List<object?>))
        {
            return $"{path} changed its shape";
        }

        if (a is List<object?> la && b is List<object?> lb)
        {
            if (la.Count != lb.Count)
            {
                return $"{path} has {lb.Count} entries, not {la.Count}";
            }

            for (int i = 0; i < la.Count; i++)
            {
                string inner = Difference(la[i], lb[i], $"{path}[{i}]");
                if (inner.Length > 0)
                {
                    return inner;
                }
            }

            return string.Empty;
        }

        return Equals(Yaml.Text(a), Yaml.Text(b)) && (a is null) == (b is null) ? string.Empty : $"{path}: {Yaml.Text(a) ?? "absent"} → {Yaml.Text(b) ?? "absent"}";
    }

    [GeneratedRegex("[^a-zA-Z0-9_]")]
    private static partial Regex NonLabelCharacter();

    [GeneratedRegex(@"^https?://([a-z0-9.-]+?)(?:\.geode(?:\.svc(?:\.cluster\.local)?)?)?:([0-9]+)/?$")]
    private static partial Regex UrlPattern();

    [GeneratedRegex(@"^\$\(([A-Za-z_][A-Za-z0-9_]*)\)$")]
    private static partial Regex RequirePassVariable();
}
