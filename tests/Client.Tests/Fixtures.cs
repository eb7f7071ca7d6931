using Geode.Tests;

namespace Geode.Client.Tests;

/// <summary>The Hugging Face reference fixtures, and writable copies of them.</summary>
internal static class Fixtures
{
    /// <summary>Every fixture folder's name, e.g. <c>gemma4-tiny-a</c>.</summary>
    public static TheoryData<string> Names => new(Directory.GetDirectories(RepositoryPaths.HfFixtures).Select(Path.GetFileName).Order()!);

    /// <summary>The folder of one fixture.</summary>
    public static string Folder(string name) => RepositoryPaths.HfFixture(name);

    /// <summary>The reference file of one fixture.</summary>
    public static string Reference(string name) => Path.Combine(Folder(name), "reference.safetensors");

    /// <summary>Copies a fixture's checkpoint files (not its reference) into <paramref name="into"/>.</summary>
    public static string CopyCheckpoint(string name, TempFolder into)
    {
        foreach (string file in new[] { "config.json", "generation_config.json", "model.safetensors" })
        {
            File.Copy(Path.Combine(Folder(name), file), into.File(file));
        }

        return into.Path;
    }
}
