namespace Geode.Campaigns.Tests.Fuzz;

/// <summary>
/// YAML that stresses a loader: scalars at the edges of every type the campaign reader parses,
/// escapes (NUL, unpaired surrogates), tags that ask for objects, alias bombs and cycles, merge
/// keys, complex keys, directives, extra documents and deep nesting in flow and block style.
/// </summary>
internal static class HostileYaml
{
    public static IReadOnlyList<string> Scalars { get; } =
    [
        "", "''", "\"\"", "~", "null", "NULL", "-1", "0", "1", "2147483647", "2147483648", "-2147483649", "99999999999999999999", "1e309", "-1e309",
        ".nan", ".inf", "-.inf", "0x1F", "0o17", "1_000", "0.5", "2", "1e-9", "1e-10", "true", "yes", "no", "on", "True", "auto",
        "\"\\0\"", "\"a\\0b\"", "\"\\ud800\"", "\"\\udc00x\"", "\"\\U0010FFFF\"", "\"\\x00\"", "\"\\e\"", "'single ''quoted'''", "\"unterminated", "'unterminated",
        "..", "/", "/dev/zero", "/proc/self/mem", "../../../../etc/passwd", "cuda:-1", "cuda:99999999999", "cuda:", "last:0", "last:-1",
        "band:9-1", "band:0-2147483648", "layer:99999999999", "all", "float16", "bfloat16", "int8", "peel", "svd", "regex", "keyword",
        "should_refuse", "safe_control", "!!binary aGVsbG8=", "!!python/object/apply:os.system [\"true\"]", "!<tag:yaml.org,2002:str> x",
        "!custom x", "!!int x", "!!float 1", "!!map {}", "!!seq []", "*undefined", "&anchor x", "[a, b]", "{a: 1}", "[]", "{}", "[[]]",
        "|\n  block text", ">-\n  folded", "- item", ": colon", "# comment", "x # comment", "@reserved", "`reserved", "%percent",
        "\t", "a\tb", new string('x', 20_000), "\uFEFF", "\u2028", "\u0085",
    ];

    /// <summary>Keys the reader knows at some level, so insertions land in its checks.</summary>
    public static IReadOnlyList<string> Keys { get; } =
    [
        "name", "model", "prompts", "judges", "judge_horizon", "generation", "stages", "path", "dtype", "device", "libtorch", "file", "format",
        "fields", "id", "category", "expected", "prompt", "variants", "max_new_tokens", "batch", "early_stop", "baseline", "capture", "geometry",
        "sweeps", "cascade", "descent", "selective", "diff", "categories", "position", "input", "refuse", "comply", "winsorize", "gram_schmidt",
        "random_directions", "alphas", "layers", "recipes", "random_controls", "smoke", "confirm", "steps", "change", "precision", "variant",
        "post_norm_aware", "max_rank", "refusal_target", "kl_budget", "strategy", "free", "keep", "forks", "<<", "? complex",
    ];

    /// <summary>An alias bomb of <paramref name="levels"/> levels, ten-fold each, anchored as l0..l{levels-1}.</summary>
    public static string Laughs(int levels) =>
        "l0: &l0 [x, x, x, x, x, x, x, x, x, x]\n" +
        string.Concat(Enumerable.Range(1, levels - 1).Select(i => $"l{i}: &l{i} [{string.Join(", ", Enumerable.Repeat($"*l{i - 1}", 10))}]\n"));

    /// <summary>Nesting <paramref name="depth"/> levels deep, in flow or block style.</summary>
    public static string Nested(Random random, int depth) => random.Next(3) switch
    {
        0 => new string('[', depth) + new string(']', depth),
        1 => string.Concat(Enumerable.Repeat("{a: ", depth)) + "1" + new string('}', depth),
        _ => "\n" + string.Concat(Enumerable.Range(1, Math.Min(depth, 2_000)).Select(i => new string(' ', i) + "- ")) + "x",
    };
}
