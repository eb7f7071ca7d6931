using Geode.Tests;

namespace Geode.Deploy.Tests;

/// <summary>
/// deploy/ checked as files: the Kustomize manifests against each other, the Dockerfiles and the real
/// geode command tree. Docker and a Kubernetes cluster are not needed.
/// </summary>
public sealed class DeployTests
{
    private static readonly Lazy<DeployTree> Tree = new(() => DeployTree.Load(RepositoryPaths.Root));

    [Fact]
    public void Manifests_every_object_has_apiVersion_kind_and_name() => AssertNone(Checks.Identity(Tree.Value));

    [Fact]
    public void Manifests_live_in_the_geode_namespace() => AssertNone(Checks.Namespaces(Tree.Value));

    [Fact]
    public void Kustomizations_reference_files_that_exist_and_every_manifest_is_used() => AssertNone(Checks.KustomizeReferences(Tree.Value));

    [Fact]
    public void Workload_selectors_match_their_own_templates_only() => AssertNone(Checks.Selectors(Tree.Value));

    [Fact]
    public void Services_select_existing_pods_and_target_declared_ports() => AssertNone(Checks.Services(Tree.Value));

    [Fact]
    public void Silos_probe_healthz_on_the_port_named_metrics_that_they_serve_on_every_address() => AssertNone(Checks.SiloProbes(Tree.Value));

    /// <summary>Needs the metrics work merged: --metrics-port and --http-address are options of geode silo there.</summary>
    [Fact]
    public void Every_geode_flag_in_manifests_and_images_is_an_option_of_its_command() => AssertNone(Checks.Flags(Tree.Value));

    [Fact]
    public void Geode_containers_and_images_set_only_environment_that_is_read() => AssertNone(Checks.Environment(Tree.Value));

    [Fact]
    public void The_environment_variables_counted_as_read_by_geode_are_named_in_its_sources()
    {
        string sources = string.Join('\n', Directory.EnumerateFiles(Path.Combine(RepositoryPaths.Root, "src"), "*.cs", SearchOption.AllDirectories)
            .Where(f => !f.Contains("/obj/", StringComparison.Ordinal)).Select(File.ReadAllText));
        foreach (string name in Checks.KnownEnvironment.Where(n => n.StartsWith("GEODE_", StringComparison.Ordinal)))
        {
            Assert.True(sources.Contains($"\"{name}\"", StringComparison.Ordinal), $"{name} is counted as read by geode but src/ never names it");
        }
    }

    [Fact]
    public void Redis_asks_for_a_password_that_every_client_reads_from_one_secret() => AssertNone(Checks.RedisAuth(Tree.Value));

    [Fact]
    public void Prometheus_keeps_exactly_the_silos_metrics_ports() => AssertNone(Checks.Prometheus(Tree.Value));

    [Fact]
    public void The_prometheus_operator_component_selects_the_silos()
    {
        List<Manifest> monitors = Tree.Value.Resources.Where(m => m.Kind == "PodMonitor").ToList();
        Assert.Single(monitors);
        Assert.StartsWith("deploy/k8s/components/", monitors[0].File, StringComparison.Ordinal);
        Assert.DoesNotContain(Tree.Value.Kustomizations.Single(k => k.Dir == "deploy/k8s/base").Doc.GetValueOrDefault("components") as List<object?> ?? new List<object?>(), c => Yaml.Text(c)!.Contains("prometheus-operator", StringComparison.Ordinal));
        AssertNone(Checks.Prometheus(Tree.Value));
    }

    [Fact]
    public void Gpu_silos_ask_for_a_gpu_and_load_the_images_libtorch() => AssertNone(Checks.Gpus(Tree.Value));

    [Fact]
    public void Images_expose_the_ports_their_containers_declare() => AssertNone(Checks.ImagePorts(Tree.Value));

    [Fact]
    public void Images_publish_with_build_switches_that_exist()
    {
        string build = File.ReadAllText(Path.Combine(RepositoryPaths.Root, "Directory.Build.props")) + File.ReadAllText(Path.Combine(RepositoryPaths.Root, "Directory.Build.targets"));
        foreach (string file in Directory.EnumerateFiles(Path.Combine(RepositoryPaths.Root, "deploy", "docker"), "*.Dockerfile"))
        {
            string text = File.ReadAllText(file);
            Assert.Contains("dotnet publish src/Client/Client.csproj", text, StringComparison.Ordinal);
            foreach (System.Text.RegularExpressions.Match property in System.Text.RegularExpressions.Regex.Matches(text, @"-p:(\w+)="))
            {
                Assert.True(build.Contains($"<{property.Groups[1].Value} ", StringComparison.Ordinal), $"{file}: -p:{property.Groups[1].Value} is not defined in Directory.Build.props/targets");
            }

            Assert.Contains("-p:GeodePatchTorchSharpAlways=true", text, StringComparison.Ordinal);
        }

        Assert.Contains("-p:GeodeCpuLibTorch=false", File.ReadAllText(Path.Combine(RepositoryPaths.Root, "deploy", "docker", "silo-gpu.Dockerfile")), StringComparison.Ordinal);
        Assert.DoesNotContain("-p:GeodeCpuLibTorch=false", File.ReadAllText(Path.Combine(RepositoryPaths.Root, "deploy", "docker", "silo-cpu.Dockerfile")), StringComparison.Ordinal);
    }

    [Fact]
    public void Silos_and_the_job_share_one_volume_at_data() => AssertNone(Checks.Storage(Tree.Value));

    [Fact]
    public void The_job_runs_the_quickstart_campaign_with_its_model_on_the_shared_volume() => AssertNone(Checks.Campaign(Tree.Value));

    [Fact]
    public void Grafana_provisioning_is_generated_from_deploy_grafana_and_mounted_where_grafana_reads_it() => AssertNone(Checks.GrafanaMounts(Tree.Value));

    /// <summary>Needs the metrics work merged: it brings deploy/grafana.</summary>
    [Fact]
    public void The_grafana_files_agree_with_the_mounts_and_the_prometheus_service() => AssertNone(Checks.GrafanaFiles(Tree.Value));

    [Fact]
    public void The_dev_overlay_runs_one_cpu_silo_and_no_gpu_silo()
    {
        Kustomization dev = Tree.Value.Kustomizations.Single(k => k.Dir == "deploy/k8s/overlays/dev");
        Dictionary<string, string?> replicas = Yaml.Seq(dev.Doc, "replicas").ToDictionary(r => Yaml.Str(r, "name")!, r => Yaml.Str(r, "count"));
        Assert.Equal("1", replicas["geode-silo-cpu"]);
        Assert.Equal("0", replicas["geode-silo-gpu"]);
        Assert.Contains("../../base", Yaml.Seq(dev.Doc, "resources").Select(Yaml.Text));
    }

    // --- Each check catches a broken copy of deploy/ (so none of them passes vacuously). ---

    [Theory]
    [InlineData("Flags", "deploy/k8s/base/silo-cpu.yaml", "            - silo\n", "            - silo\n            - --bogus-flag\n", "--bogus-flag")]
    [InlineData("Flags", "deploy/k8s/base/campaign-job.yaml", "- --no-progress", "- --gateway-port", "--gateway-port is not an option of 'geode run'")]
    [InlineData("Flags", "deploy/docker/cli.Dockerfile", "CMD [\"--help\"]", "CMD [\"run\", \"--no-such\"]", "--no-such")]
    [InlineData("Flags", "deploy/k8s/base/silo-cpu.yaml", "- \"11111\"", "- 11111", "is not a string")]
    [InlineData("Selectors", "deploy/k8s/base/silo-gpu.yaml", "      geode/device: gpu\n  template:", "      geode/device: gpus\n  template:", "does not match its template's labels")]
    [InlineData("Selectors", "deploy/k8s/base/silo-gpu.yaml", "      geode/device: gpu\n  template:", "  template:", "also selects the pods of")]
    [InlineData("Services", "deploy/k8s/base/silo-metrics-service.yaml", "targetPort: metrics", "targetPort: metric", "targetPort metric is no container port")]
    [InlineData("Services", "deploy/k8s/base/redis.yaml", "  selector:\n    app.kubernetes.io/name: redis\n  ports:", "  selector:\n    app.kubernetes.io/name: redis-server\n  ports:", "selects no pod template")]
    [InlineData("SiloProbes", "deploy/k8s/base/silo-cpu.yaml", "path: /healthz", "path: /health", "readinessProbe is GET /health")]
    [InlineData("SiloProbes", "deploy/k8s/base/silo-gpu.yaml", "            - \"9464\"", "            - \"9465\"", "--metrics-port is 9465")]
    [InlineData("SiloProbes", "deploy/k8s/base/silo-cpu.yaml", "            - 0.0.0.0\n", "            - 127.0.0.1\n", "--http-address is 127.0.0.1")]
    [InlineData("Environment", "deploy/k8s/base/silo-cpu.yaml", "- $(POD_IP)", "- $(POD_ADDRESS)", "$(POD_ADDRESS) is used but not in env")]
    [InlineData("Environment", "deploy/k8s/base/silo-cpu.yaml", "- $(POD_IP)", "- 10.0.0.1", "env POD_IP is set but neither used")]
    [InlineData("Environment", "deploy/docker/silo-gpu.Dockerfile", "ENV GEODE_LIBTORCH=", "ENV TORCH_HOME=", "ENV TORCH_HOME is read by nothing")]
    [InlineData("RedisAuth", "deploy/k8s/base/redis.yaml", ", \"--requirepass\", \"$(REDIS_PASSWORD)\"", "", "runs without --requirepass")]
    [InlineData("RedisAuth", "deploy/k8s/base/redis.yaml", "REDISCLI_AUTH=\\\"$REDIS_PASSWORD\\\" redis-cli", "redis-cli", "livenessProbe runs redis-cli without the password")]
    [InlineData("RedisAuth", "deploy/k8s/base/campaign-job.yaml", "            - name: GEODE_REDIS_PASSWORD\n", "            - name: GEODE_REDIS_PASS\n", "talks to Redis without GEODE_REDIS_PASSWORD in env")]
    [InlineData("RedisAuth", "deploy/k8s/base/silo-gpu.yaml", "name: geode-redis", "name: redis-auth", "GEODE_REDIS_PASSWORD comes from redis-auth/password, not geode-redis/password")]
    [InlineData("RedisAuth", "deploy/k8s/overlays/dev/kustomization.yaml", "  - name: geode-redis\n", "  - name: redis-secret\n", "generates no Secret geode-redis")]
    [InlineData("RedisAuth", "deploy/k8s/base/kustomization.yaml", "configMapGenerator:\n", "secretGenerator:\n  - name: geode-redis\n    literals:\n      - password=x\nconfigMapGenerator:\n", "shares a committed Redis password")]
    [InlineData("Prometheus", "deploy/k8s/base/prometheus.yml", "regex: geode-silo", "regex: geode-silos", "no pod-discovery job keeps")]
    [InlineData("Prometheus", "deploy/k8s/base/prometheus.yml", "regex: metrics", "regex: .*", "which is not a silo's metrics port")]
    [InlineData("Prometheus", "deploy/k8s/base/prometheus.yml", "metrics_path: /metrics", "metrics_path: /stats", "not /metrics")]
    [InlineData("Prometheus", "deploy/k8s/components/prometheus-operator/podmonitor.yaml", "    - port: metrics", "    - port: web", "not metrics at /metrics")]
    [InlineData("Prometheus", "deploy/k8s/base/prometheus.yaml", "mountPath: /etc/prometheus", "mountPath: /etc/prom", "does not read the generated prometheus-config")]
    [InlineData("Gpus", "deploy/k8s/base/silo-gpu.yaml", "nvidia.com/gpu: 1", "example.com/gpu: 1", "without resources.limits nvidia.com/gpu")]
    [InlineData("Gpus", "deploy/k8s/base/silo-gpu.yaml", "- /opt/torch/lib", "- /usr/lib/torch", "--libtorch /usr/lib/torch is not the image's libtorch")]
    [InlineData("ImagePorts", "deploy/docker/silo-cpu.Dockerfile", "EXPOSE 11111 30000 9464", "EXPOSE 11111 30000", "EXPOSEs")]
    [InlineData("KustomizeReferences", "deploy/k8s/base/kustomization.yaml", "  - grafana.yaml", "  - grafana-missing.yaml", "grafana-missing.yaml is neither a file")]
    [InlineData("KustomizeReferences", "deploy/k8s/base/kustomization.yaml", "  - grafana.yaml", "  - grafana-missing.yaml", "grafana.yaml: no kustomization uses it")]
    [InlineData("KustomizeReferences", "deploy/k8s/overlays/dev/kustomization.yaml", "  - name: geode-silo-gpu", "  - name: geode-silo-gpus", "no Deployment here")]
    [InlineData("KustomizeReferences", "deploy/k8s/base/kustomization.yaml", "      - campaign.yaml\n", "      - campaign.yaml\n      - ../../grafana/dashboards/geode.json\n", "generator file deploy/grafana/dashboards/geode.json is outside the kustomization's folder")]
    [InlineData("KustomizeReferences", "deploy/k8s/overlays/dev/kustomization.yaml", "  - path: storage.yaml", "  - path: ../../base/storage.yaml", "patch file deploy/k8s/base/storage.yaml is outside the kustomization's folder")]
    [InlineData("KustomizeReferences", "deploy/k8s/overlays/dev/kustomization.yaml", "  - ../../base\n", "  - ../../base\n  - ../../../grafana/provisioning/datasources/prometheus.yaml\n", "resource file deploy/grafana/provisioning/datasources/prometheus.yaml is outside")]
    [InlineData("KustomizeReferences", "deploy/grafana/kustomization.yaml", "kind: Component", "kind: Kustomization", "component ../../grafana is not a folder with a kind: Component kustomization")]
    [InlineData("KustomizeReferences", "deploy/grafana/kustomization.yaml", "apiVersion: kustomize.config.k8s.io/v1alpha1", "apiVersion: kustomize.config.k8s.io/v1beta1", "a Component's apiVersion must be")]
    [InlineData("KustomizeReferences", "deploy/grafana/kustomization.yaml", "      - dashboards/geode.json", "      - dashboards/missing.json", "file deploy/grafana/dashboards/missing.json does not exist")]
    [InlineData("KustomizeReferences", "README.md", "kubectl apply -k deploy/k8s/overlays/dev\n", "kubectl kustomize --load-restrictor LoadRestrictionsNone deploy/k8s/overlays/dev | kubectl apply -f -\n", "README.md: does not give 'kubectl apply -k deploy/k8s/overlays/dev'")]
    [InlineData("KustomizeReferences", "README.md", "kubectl apply -k deploy/k8s/overlays/dev\n", "kubectl kustomize --load-restrictor LoadRestrictionsNone deploy/k8s/overlays/dev | kubectl apply -f -\n", "README.md: gives --load-restrictor")]
    [InlineData("KustomizeReferences", "deploy/k8s/overlays/dev/kustomization.yaml", "kind: Kustomization", "kind: Component", "the overlay the README applies is not a kustomization")]
    [InlineData("Namespaces", "deploy/k8s/base/redis.yaml", "kind: Deployment\nmetadata:\n  name: redis\n", "kind: Deployment\nmetadata:\n  name: redis\n  namespace: default\n", "metadata.namespace default")]
    [InlineData("Namespaces", "deploy/k8s/base/prometheus.yaml", "    namespace: geode", "    namespace: default", "subject prometheus is not in namespace geode")]
    [InlineData("Namespaces", "deploy/k8s/components/prometheus-operator/podmonitor.yaml", "  namespace: geode\n", "", "must set metadata.namespace geode itself")]
    [InlineData("Identity", "deploy/k8s/base/storage.yaml", "kind: PersistentVolumeClaim", "type: PersistentVolumeClaim", "no kind")]
    [InlineData("Storage", "deploy/k8s/base/campaign-job.yaml", "- /data/runs/$(POD_NAME)", "- /tmp/runs", "--out /tmp/runs is not on the shared volume")]
    [InlineData("Storage", "deploy/k8s/base/silo-gpu.yaml", "              mountPath: /data", "              mountPath: /mnt/data", "does not mount the geode-data claim at /data")]
    [InlineData("Storage", "deploy/k8s/base/grafana.yaml", "name: grafana-dashboards", "name: grafana-dashboard", "mounts ConfigMap grafana-dashboard, which nothing generates")]
    [InlineData("Campaign", "deploy/k8s/base/campaign.yaml", "max_new_tokens: 128", "max_new_tokens: 64", "generation.max_new_tokens")]
    [InlineData("Campaign", "deploy/k8s/base/campaign-job.yaml", "- /campaign/campaign.yaml", "- /campaign/quickstart.yaml", "is not campaign.yaml of the mounted geode-campaign ConfigMap")]
    [InlineData("GrafanaMounts", "deploy/k8s/base/grafana.yaml", "mountPath: /etc/grafana/provisioning/datasources", "mountPath: /etc/grafana/datasources", "grafana-datasources is mounted at /etc/grafana/datasources")]
    [InlineData("GrafanaMounts", "deploy/grafana/kustomization.yaml", "      - dashboards/geode.json", "      - geode.json", "no configMapGenerator grafana-dashboards from deploy/grafana/dashboards/geode.json")]
    [InlineData("GrafanaMounts", "deploy/k8s/base/kustomization.yaml", "  - ../../grafana\n", "", "does not include the component deploy/grafana")]
    [InlineData("GrafanaMounts", "deploy/k8s/base/kustomization.yaml", "  - ../../grafana\n", "", "no configMapGenerator grafana-datasources")]
    [InlineData("Storage", "deploy/k8s/base/kustomization.yaml", "  - ../../grafana\n", "", "mounts ConfigMap grafana-datasources, which nothing generates")]
    public void A_check_catches_a_broken_copy(string check, string file, string original, string broken, string expected)
    {
        using var copy = new TempFolder();
        CopyDeployment(copy.Path);
        string path = Path.Combine(copy.Path, file);
        string text = File.ReadAllText(path);
        int at = text.IndexOf(original, StringComparison.Ordinal);
        Assert.True(at >= 0, $"{file} no longer contains '{original}'; update this test case");
        File.WriteAllText(path, text[..at] + broken + text[(at + original.Length)..]);

        List<string> problems = Run(check, DeployTree.Load(copy.Path));
        Assert.True(problems.Any(p => p.Contains(expected, StringComparison.Ordinal)), $"{check} did not report '{expected}'; it reported:\n{string.Join('\n', problems)}");
    }

    [Fact]
    public void The_grafana_files_check_accepts_matching_files_and_catches_mismatched_ones()
    {
        using var copy = new TempFolder();
        CopyDeployment(copy.Path);
        string grafana = Path.Combine(copy.Path, "deploy", "grafana");
        Directory.CreateDirectory(Path.Combine(grafana, "provisioning", "datasources"));
        Directory.CreateDirectory(Path.Combine(grafana, "provisioning", "dashboards"));
        Directory.CreateDirectory(Path.Combine(grafana, "dashboards"));
        File.WriteAllText(Path.Combine(grafana, "dashboards", "geode.json"), "{\"title\": \"Geode\"}");

        void Write(string providerPath, string url)
        {
            File.WriteAllText(Path.Combine(grafana, "provisioning", "dashboards", "geode.yaml"),
                $"apiVersion: 1\nproviders:\n  - name: geode\n    type: file\n    options:\n      path: {providerPath}\n");
            File.WriteAllText(Path.Combine(grafana, "provisioning", "datasources", "prometheus.yaml"),
                $"apiVersion: 1\ndatasources:\n  - name: Prometheus\n    uid: prometheus\n    type: prometheus\n    url: {url}\n");
        }

        Write("/var/lib/grafana/dashboards", "http://prometheus:9090");
        AssertNone(Checks.GrafanaFiles(DeployTree.Load(copy.Path)));

        Write("/etc/grafana/dashboards", "http://localhost:9090");
        List<string> problems = Checks.GrafanaFiles(DeployTree.Load(copy.Path));
        Assert.Contains(problems, p => p.Contains("reads /etc/grafana/dashboards", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.Contains("url http://localhost:9090", StringComparison.Ordinal));

        File.Delete(Path.Combine(grafana, "dashboards", "geode.json"));
        Assert.Contains(Checks.GrafanaFiles(DeployTree.Load(copy.Path)), p => p.Contains("geode.json does not exist", StringComparison.Ordinal));
    }

    [Fact]
    public void The_flag_check_accepts_real_flags_of_the_current_cli()
    {
        var calls = new List<GeodeCall>
        {
            new("silo", new List<string> { "silo", "--redis", "redis:6379", "--address", "10.0.0.1", "--port", "11111", "--device", "cuda:0", "--libtorch", "/opt/torch/lib" }, null),
            new("run", new List<string> { "run", "/campaign/campaign.yaml", "--cluster", "redis://redis:6379", "--out", "/data/runs/x", "--store", "/data/store", "--no-progress" }, null),
            new("help", new List<string> { "--help" }, null),
        };
        AssertNone(GeodeCalls.CheckFlags(calls));
        Assert.NotEmpty(GeodeCalls.CheckFlags(new[] { new GeodeCall("bad", new List<string> { "silo", "--port", "eleven" }, null) }));
    }

    private static List<string> Run(string check, DeployTree tree) => check switch
    {
        "Identity" => Checks.Identity(tree),
        "Namespaces" => Checks.Namespaces(tree),
        "KustomizeReferences" => Checks.KustomizeReferences(tree),
        "Selectors" => Checks.Selectors(tree),
        "Services" => Checks.Services(tree),
        "SiloProbes" => Checks.SiloProbes(tree),
        "Flags" => Checks.Flags(tree),
        "Environment" => Checks.Environment(tree),
        "RedisAuth" => Checks.RedisAuth(tree),
        "Prometheus" => Checks.Prometheus(tree),
        "Gpus" => Checks.Gpus(tree),
        "ImagePorts" => Checks.ImagePorts(tree),
        "Storage" => Checks.Storage(tree),
        "Campaign" => Checks.Campaign(tree),
        "GrafanaMounts" => Checks.GrafanaMounts(tree),
        _ => throw new ArgumentException($"no check {check}", nameof(check)),
    };

    /// <summary>Copies what the checks read (deploy/, README.md, campaigns/quickstart.yaml) to <paramref name="target"/>.</summary>
    private static void CopyDeployment(string target)
    {
        string root = RepositoryPaths.Root;
        foreach (string file in Directory.EnumerateFiles(Path.Combine(root, "deploy"), "*", SearchOption.AllDirectories))
        {
            string destination = Path.Combine(target, Path.GetRelativePath(root, file));
            Directory.CreateDirectory(Path.GetDirectoryName(destination)!);
            File.Copy(file, destination);
        }

        Directory.CreateDirectory(Path.Combine(target, "campaigns"));
        File.Copy(Path.Combine(root, "campaigns", "quickstart.yaml"), Path.Combine(target, "campaigns", "quickstart.yaml"));
        File.Copy(Path.Combine(root, "README.md"), Path.Combine(target, "README.md"));
    }

    private static void AssertNone(List<string> problems) =>
        Assert.True(problems.Count == 0, $"{problems.Count} problem(s):\n{string.Join('\n', problems)}");
}
