namespace Geode.Model.Native;

/// <summary>Which shared libraries this process has mapped, read from <c>/proc/self/maps</c>.</summary>
public static class LoadedLibraries
{
    /// <summary>The distinct paths of mapped libraries whose file name starts with one of <paramref name="prefixes"/>.</summary>
    public static IReadOnlyList<string> Find(params string[] prefixes)
    {
        const string maps = "/proc/self/maps";
        if (!File.Exists(maps))
        {
            return [];
        }

        var found = new List<string>();
        foreach (string line in File.ReadLines(maps))
        {
            // Format: address perms offset dev inode pathname — the path is the text from the first '/'.
            int slash = line.IndexOf('/', StringComparison.Ordinal);
            if (slash < 0)
            {
                continue;
            }

            string path = line[slash..].Trim();
            string name = Path.GetFileName(path);
            if (prefixes.Any(prefix => name.StartsWith(prefix, StringComparison.Ordinal)) && !found.Contains(path))
            {
                found.Add(path);
            }
        }

        return found;
    }
}
