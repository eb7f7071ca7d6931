namespace Geode.Tests.Fuzz;

/// <summary>
/// JSON tokens, as raw text, that stress a reader: numbers at and past every integer width and
/// beyond double's range, strings with escapes .NET cannot turn into a string (unpaired UTF-16
/// surrogates), NULs, path tricks, long text, wrong kinds, large arrays and nesting just under, at
/// and far over System.Text.Json's default depth of 64.
/// </summary>
internal static class HostileJson
{
    public static IReadOnlyList<string> Numbers { get; } =
    [
        "0", "-0", "1", "-1", "2", "3", "7", "8", "255", "256", "65535", "65536", "2147483647", "2147483648", "-2147483648",
        "-2147483649", "4294967295", "4294967296", "9007199254740993", "9223372036854775807", "9223372036854775808",
        "-9223372036854775808", "-9223372036854775809", "18446744073709551615", "18446744073709551616",
        "100000000000000000000000000000000000000000", "1e308", "1e309", "-1e309", "1e-400", "0.5", "-0.5", "1.0", "1e2",
        "1E+2", "0.000000001", "3.4028236e38", "-1.7976931348623157e308",
    ];

    public static IReadOnlyList<string> Strings { get; } =
    [
        "\"\"", "\" \"", "\"x\"", "\"\\u0000\"", "\"a\\u0000b\"", "\"\\ud800\"", "\"\\udc00x\"", "\"x\\ud83d\"", "\"\\ud83d\\ude00\"",
        "\"..\"", "\"../../../etc/passwd\"", "\"/dev/zero\"", "\"\\\\\"", "\"NaN\"", "\"Infinity\"", "\"-1\"", "\"1e999\"",
        "\"\\n\\r\\t\"", "\"<bos>\"", "\"\u2581\"", "\"\u00e9\u4e2d\"", "\"F32\"", "\"true\"", "\"null\"", "\"__metadata__\"",
        "\"full_attention\"", "\"sliding_attention\"", "\"llama\"", "\"gemma4_text\"", "\"comply\"", "\"refuse\"",
        "\"" + new string('a', 10_000) + "\"", "\"" + string.Concat(Enumerable.Repeat("\\u0041", 2_000)) + "\"",
    ];

    public static IReadOnlyList<string> Literals { get; } = ["true", "false", "null"];

    public static IReadOnlyList<string> Containers { get; } =
    [
        "[]", "{}", "[1]", "[[]]", "{\"\":null}", "[\"a\",\"b\"]", "[1,2,3]", "[-1]", "[0,0]", "[null]", "[\"\\ud800\"]",
        "{\"a\":1,\"a\":2}", "[" + string.Join(",", Enumerable.Repeat("0", 1_000)) + "]",
        "[" + string.Join(",", Enumerable.Repeat("\"x\"", 1_000)) + "]",
        "{" + string.Join(",", Enumerable.Range(0, 500).Select(i => $"\"k{i}\":{i}")) + "}",
    ];

    /// <summary>Depths around the reader's limit (63 and 64 pass, 65 does not) and far beyond it.</summary>
    public static IReadOnlyList<int> Depths { get; } = [2, 10, 62, 63, 64, 65, 200, 10_000, 100_000];

    /// <summary>A random hostile value: a number, a string, a literal, a container or deep nesting.</summary>
    public static string Value(Random random) => random.Next(10) switch
    {
        < 3 => Pick(random, Numbers),
        < 6 => Pick(random, Strings),
        6 => Pick(random, Literals),
        < 9 => Pick(random, Containers),
        _ => Nested(random, Depths[random.Next(Depths.Count)]),
    };

    /// <summary>An array or object nesting <paramref name="depth"/> levels deep.</summary>
    public static string Nested(Random random, int depth) => random.Next(3) switch
    {
        0 => new string('[', depth) + new string(']', depth),
        1 => string.Concat(Enumerable.Repeat("{\"a\":", depth)) + "1" + new string('}', depth),
        _ => new string('[', depth),
    };

    /// <summary>A hostile property name (raw, quoted JSON).</summary>
    public static string Key(Random random) => Pick(random, Strings);

    public static string Pick(Random random, IReadOnlyList<string> items) => items[random.Next(items.Count)];
}
