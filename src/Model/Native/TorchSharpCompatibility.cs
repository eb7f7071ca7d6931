using Geode.Build;

namespace Geode.Model.Native;

/// <summary>Reports on the GLIBCXX_3.4.32 patch the build applies to <c>libLibTorchSharp.so</c>.</summary>
public static class TorchSharpCompatibility
{
    /// <summary>The <c>libLibTorchSharp.so</c> this application ships, or null when there is none.</summary>
    public static string? FindShippedNative()
    {
        string baseDirectory = AppContext.BaseDirectory;
        string[] candidates =
        [
            Path.Combine(baseDirectory, "libLibTorchSharp.so"),
            Path.Combine(baseDirectory, "runtimes", "linux-x64", "native", "libLibTorchSharp.so"),
        ];
        return candidates.FirstOrDefault(File.Exists);
    }

    /// <summary>Describes the patch state of <paramref name="native"/> on this host, in one line.</summary>
    public static string Describe(string? native)
    {
        string version = ElfSymbolVersions.TorchSharpGlibcxxVersion;
        if (native is null || !File.Exists(native))
        {
            return "unknown: libLibTorchSharp.so not found";
        }

        ElfVersionRequirement? requirement = ElfSymbolVersions.ReadRequirements(native)
            .FirstOrDefault(r => r.Library == ElfSymbolVersions.Libstdcxx && r.Version == version);
        bool hostHasIt = ElfSymbolVersions.HostLibstdcxxDefines(version);
        return (requirement, hostHasIt) switch
        {
            (null, _) => $"not needed: {native} does not require {version}",
            ({ IsWeak: true }, false) => $"applied: the {version} requirement is weak in {native} (host libstdc++ lacks it)",
            ({ IsWeak: true }, true) => $"applied (unneeded here: host libstdc++ defines {version}) in {native}",
            ({ IsWeak: false }, true) => $"not needed: host libstdc++ defines {version}",
            ({ IsWeak: false }, false) => $"MISSING: {native} requires {version}, which this host's libstdc++ lacks; " +
                "rebuild with ./geode or dotnet build (the build patches it)",
        };
    }

    /// <summary>True when <paramref name="native"/> cannot load here because of the unpatched requirement.</summary>
    public static bool IsUnpatchedHere(string? native)
    {
        if (native is null || !File.Exists(native))
        {
            return false;
        }

        string version = ElfSymbolVersions.TorchSharpGlibcxxVersion;
        bool strong = ElfSymbolVersions.ReadRequirements(native)
            .Any(r => r.Library == ElfSymbolVersions.Libstdcxx && r.Version == version && !r.IsWeak);
        return strong && !ElfSymbolVersions.HostLibstdcxxDefines(version);
    }
}
