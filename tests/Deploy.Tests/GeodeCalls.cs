using System.CommandLine;
using System.Text.RegularExpressions;
using Geode.Client;

namespace Geode.Deploy.Tests;

/// <summary>One invocation of geode: the tokens after <c>geode.dll</c>, where it is written, and its container if any.</summary>
internal sealed record GeodeCall(string Where, List<string> Tokens, Container? Container)
{
    /// <summary>The subcommand (<c>silo</c>, <c>run</c>, ...), or empty for the root.</summary>
    public string Subcommand => Tokens.Count > 0 && !Tokens[0].StartsWith('-') ? Tokens[0] : string.Empty;

    /// <summary>The value after <paramref name="flag"/> (or in <c>flag=value</c>), or null.</summary>
    public string? Flag(string flag)
    {
        for (int i = 0; i < Tokens.Count; i++)
        {
            if (Tokens[i] == flag && i + 1 < Tokens.Count)
            {
                return Tokens[i + 1];
            }

            if (Tokens[i].StartsWith(flag + "=", StringComparison.Ordinal))
            {
                return Tokens[i][(flag.Length + 1)..];
            }
        }

        return null;
    }

    public override string ToString() => $"{Where}: geode {string.Join(' ', Tokens)}";
}

/// <summary>
/// Finds every geode invocation in the deployment — containers of Geode's images (their command and
/// args, or the image's ENTRYPOINT and CMD where the manifest leaves them out) and the Dockerfiles'
/// own ENTRYPOINT + CMD — and checks them against the real command tree.
/// </summary>
internal static partial class GeodeCalls
{
    /// <summary>Every geode invocation; <c>$(VAR)</c> replaced by a value like the one Kubernetes would give.</summary>
    public static List<GeodeCall> Find(DeployTree tree, List<string>? problems = null)
    {
        var calls = new List<GeodeCall>();
        foreach (Container container in tree.Containers.Where(c => c.IsGeode))
        {
            List<string>? argv = EffectiveArgv(tree, container, problems);
            if (argv is null)
            {
                continue;
            }

            int start = argv.FindIndex(IsGeode);
            if (start < 0)
            {
                continue;
            }

            Dictionary<string, string> sample = SampleEnvironment(container);
            List<string> tokens = argv.Skip(start + 1).Select(t => Reference().Replace(t, m => sample.TryGetValue(m.Groups[1].Value, out string? v) ? v : m.Value)).ToList();
            calls.Add(new GeodeCall(container.ToString(), tokens, container));
        }

        foreach (Dockerfile dockerfile in tree.Dockerfiles.Values)
        {
            List<string> argv = dockerfile.Entrypoint.Concat(dockerfile.Cmd).ToList();
            int start = argv.FindIndex(IsGeode);
            if (start < 0)
            {
                problems?.Add($"{dockerfile.File}: ENTRYPOINT/CMD [{string.Join(", ", argv)}] does not run geode");
                continue;
            }

            calls.Add(new GeodeCall($"{dockerfile.File} ENTRYPOINT+CMD", argv.Skip(start + 1).ToList(), null));
        }

        return calls;
    }

    /// <summary>What a container runs: its command (or the image's ENTRYPOINT) followed by its args (or the image's CMD when neither is set).</summary>
    public static List<string>? EffectiveArgv(DeployTree tree, Container container, List<string>? problems)
    {
        List<string>? command = container.Command?.Select(t => Yaml.Text(t) ?? string.Empty).ToList();
        List<string>? args = container.Args?.Select(t => Yaml.Text(t) ?? string.Empty).ToList();
        if (command is not null)
        {
            return command.Concat(args ?? new List<string>()).ToList();
        }

        if (!tree.Dockerfiles.TryGetValue(container.ImageRepository, out Dockerfile? dockerfile))
        {
            problems?.Add($"{container}: image {container.Image} has no deploy/docker/{container.ImageRepository["geode/".Length..]}.Dockerfile");
            return null;
        }

        return dockerfile.Entrypoint.Concat(args ?? dockerfile.Cmd).ToList();
    }

    /// <summary>Problems: parse errors of the real command tree and flags that are no option of the command they are given to.</summary>
    public static List<string> CheckFlags(IEnumerable<GeodeCall> calls)
    {
        var problems = new List<string>();
        foreach (GeodeCall call in calls)
        {
            RootCommand root = GeodeCli.BuildRoot();
            ParseResult parsed = root.Parse(call.Tokens);
            foreach (System.CommandLine.Parsing.ParseError error in parsed.Errors)
            {
                problems.Add($"{call}: {error.Message}");
            }

            Command leaf = parsed.CommandResult.Command;
            var names = new HashSet<string>(StringComparer.Ordinal);
            foreach (Option option in leaf.Options.Concat(root.Options.Where(o => o.Recursive)))
            {
                names.Add(option.Name);
                names.UnionWith(option.Aliases);
            }

            foreach (string token in call.Tokens.Where(t => t.StartsWith("--", StringComparison.Ordinal)))
            {
                string flag = token.Split('=')[0];
                if (!names.Contains(flag))
                {
                    problems.Add($"{call}: {flag} is not an option of 'geode {(leaf == root ? string.Empty : leaf.Name)}'");
                }
            }
        }

        return problems;
    }

    /// <summary>The <c>$(NAME)</c> references in a container's command and args.</summary>
    public static IEnumerable<string> References(Container container) =>
        (container.Command ?? new List<object?>()).Concat(container.Args ?? new List<object?>())
            .Select(Yaml.Text).OfType<string>()
            .SelectMany(t => Reference().Matches(t).Select(m => m.Groups[1].Value));

    private static bool IsGeode(string token) => token == "geode" || token.EndsWith("/geode", StringComparison.Ordinal) || token.EndsWith("geode.dll", StringComparison.Ordinal);

    private static Dictionary<string, string> SampleEnvironment(Container container)
    {
        var values = new Dictionary<string, string>();
        foreach (Dictionary<string, object?> env in container.Env)
        {
            string name = Yaml.Str(env, "name") ?? string.Empty;
            values[name] = Yaml.Str(env, "value") ?? (Yaml.Str(env, "valueFrom", "fieldRef", "fieldPath") switch
            {
                "status.podIP" => "10.244.0.17",
                "metadata.name" => "pod-0",
                "metadata.namespace" => "geode",
                _ when Yaml.At(env, "valueFrom", "resourceFieldRef") is not null => "2",
                _ => "value",
            });
        }

        return values;
    }

    [GeneratedRegex(@"\$\(([A-Za-z_][A-Za-z0-9_]*)\)")]
    private static partial Regex Reference();
}
