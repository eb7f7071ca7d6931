namespace Geode.Tests;

/// <summary>Where the repository and the shared reference material sit, seen from a test's output folder.</summary>
internal static class RepositoryPaths
{
    /// <summary>The repository root: the nearest folder above the test assembly holding <c>Cluster.sln</c>.</summary>
    public static string Root { get; } = FindRoot();

    /// <summary>The <c>shared/</c> folder laid beside the repository (design, references, fixtures).</summary>
    public static string Shared => Path.GetFullPath(Path.Combine(Root, "..", "shared"));

    /// <summary>The Hugging Face reference fixtures: one folder per tiny checkpoint.</summary>
    public static string HfFixtures => Path.Combine(Shared, "fixtures", "hf");

    /// <summary>The folder of one Hugging Face fixture, e.g. <c>gemma4-tiny-a</c>; fails the test if absent.</summary>
    public static string HfFixture(string name)
    {
        string folder = Path.Combine(HfFixtures, name);
        if (!Directory.Exists(folder))
        {
            throw new DirectoryNotFoundException($"The reference fixture {folder} is missing; shared/ must sit beside the repository.");
        }

        return folder;
    }

    private static string FindRoot()
    {
        for (DirectoryInfo? folder = new(AppContext.BaseDirectory); folder is not null; folder = folder.Parent)
        {
            if (File.Exists(Path.Combine(folder.FullName, "Cluster.sln")))
            {
                return folder.FullName;
            }
        }

        throw new DirectoryNotFoundException($"No Cluster.sln above {AppContext.BaseDirectory}.");
    }
}
