using System.Runtime.InteropServices;
using System.Text.RegularExpressions;

namespace Geode.Model.Native;

/// <summary>
/// A folder of libtorch shared libraries supplied by the user (<c>--libtorch DIR</c> or
/// <c>GEODE_LIBTORCH</c>): a PyTorch install's <c>torch/lib</c>, the <c>lib</c> folder of PyTorch's
/// libtorch zip, or a NuGet libtorch package's native folder. Inspecting it checks that the
/// libraries are there and that their version suits TorchSharp 0.107; loading it puts them into
/// the process before TorchSharp initialises, so TorchSharp binds to them instead of its own.
/// </summary>
public sealed partial class LibTorchFolder
{
    /// <summary>The libraries every libtorch has, in dependency order.</summary>
    private static readonly string[] CpuLibraries = ["libc10.so", "libtorch_cpu.so"];

    /// <summary>The CUDA half, in dependency order; loaded between the CPU half and <c>libtorch.so</c>.</summary>
    private static readonly string[] CudaLibraries = ["libc10_cuda.so", "libtorch_cuda.so"];

    private const string Facade = "libtorch.so";

    /// <summary>The libtorch minor versions TorchSharp 0.107 (built against 2.10) runs with.</summary>
    public static IReadOnlyList<string> SupportedMinorVersions { get; } = ["2.10", "2.11"];

    private LibTorchFolder(string path, string origin, string version, string versionSource, bool hasCuda)
    {
        Path = path;
        Origin = origin;
        Version = version;
        VersionSource = versionSource;
        HasCuda = hasCuda;
    }

    /// <summary>The folder's absolute path.</summary>
    public string Path { get; }

    /// <summary>Where the folder was named (<c>--libtorch</c> or <c>GEODE_LIBTORCH</c>), for messages.</summary>
    public string Origin { get; }

    /// <summary>The libtorch version, e.g. <c>2.11.0+cu130</c>.</summary>
    public string Version { get; }

    /// <summary>The file the version was read from.</summary>
    public string VersionSource { get; }

    /// <summary>True when the folder holds the CUDA libraries.</summary>
    public bool HasCuda { get; }

    /// <summary>How to find a suitable folder; appended to every error about one.</summary>
    public static string Hint =>
        "Point it at a libtorch 2.10 or 2.11 'lib' folder: a PyTorch install's torch/lib " +
        "(python3 -c \"import torch,os; print(os.path.join(os.path.dirname(torch.__file__),'lib'))\") " +
        "or the lib folder of PyTorch's libtorch zip.";

    /// <summary>Checks a folder without loading anything.</summary>
    /// <param name="folder">The folder named by the user.</param>
    /// <param name="origin">Where it was named, e.g. <c>--libtorch</c>.</param>
    /// <exception cref="BadInputException">The folder is missing, holds no libtorch, or the wrong version.</exception>
    public static LibTorchFolder Inspect(string folder, string origin)
    {
        string path = System.IO.Path.GetFullPath(folder);
        if (!Directory.Exists(path))
        {
            throw new BadInputException($"{origin} {folder}: no such folder. {Hint}", origin);
        }

        string[] missing = [.. CpuLibraries.Append(Facade).Where(name => !File.Exists(System.IO.Path.Combine(path, name)))];
        if (missing.Length > 0)
        {
            int sharedObjects = Directory.EnumerateFiles(path, "*.so*").Count();
            throw new BadInputException(
                $"{origin} {folder}: this folder holds no libtorch: {string.Join(", ", missing)} " +
                $"{(missing.Length == 1 ? "is" : "are")} missing ({sharedObjects} shared libraries found there). {Hint}",
                origin);
        }

        (string? version, string? source) = DetectVersion(path);
        if (version is null || source is null)
        {
            throw new BadInputException(
                $"{origin} {folder}: found libtorch but could not tell its version: none of ../version.py " +
                $"(a PyTorch install), ../build-version (the libtorch zip) or a NuGet .nuspec sits beside it. {Hint}",
                origin);
        }

        string minor = MinorVersion(version);
        if (!SupportedMinorVersions.Contains(minor))
        {
            throw new BadInputException(
                $"{origin} {folder}: libtorch {version} found (read from {source}), but Geode's TorchSharp 0.107 " +
                $"needs libtorch {string.Join(" or ", SupportedMinorVersions)}. {Hint}",
                origin,
                "version");
        }

        bool hasCuda = CudaLibraries.All(name => File.Exists(System.IO.Path.Combine(path, name)));
        return new LibTorchFolder(path, origin, version, source, hasCuda);
    }

    /// <summary>Fails unless the folder holds a CUDA build of libtorch.</summary>
    /// <exception cref="BadInputException">It is a CPU-only build.</exception>
    public void RequireCuda(DeviceSpec device)
    {
        if (!HasCuda)
        {
            throw new BadInputException(
                $"--device {device} needs a CUDA build of libtorch, but {Origin} {Path} is CPU-only " +
                $"(libtorch {Version}; no {string.Join(" or ", CudaLibraries)}). Point {Origin} at the torch/lib " +
                "folder of a CUDA PyTorch install, or use --device cpu.",
                "--device");
        }
    }

    /// <summary>Loads the folder's libraries into the process, dependencies first.</summary>
    /// <exception cref="BadInputException">A library or one of its dependencies cannot be loaded.</exception>
    public void Load()
    {
        IEnumerable<string> order = HasCuda ? [.. CpuLibraries, .. CudaLibraries, Facade] : [.. CpuLibraries, Facade];
        foreach (string name in order)
        {
            string library = System.IO.Path.Combine(Path, name);
            try
            {
                NativeLibrary.Load(library);
            }
            catch (DllNotFoundException error)
            {
                throw new BadInputException(
                    $"{Origin} {Path}: {name} is there but cannot be loaded: {error.Message}. A PyTorch install's CUDA " +
                    "libraries live in site-packages/nvidia/*/lib; put those folders on LD_LIBRARY_PATH (./geode does " +
                    "this for you) and try again.",
                    Origin,
                    name,
                    error);
            }
        }
    }

    /// <summary>Reads the libtorch version from the files that sit beside a libtorch lib folder.</summary>
    /// <returns>The version and the file it came from, or nulls when no such file is found.</returns>
    public static (string? Version, string? Source) DetectVersion(string libFolder)
    {
        DirectoryInfo? parent = Directory.GetParent(System.IO.Path.TrimEndingDirectorySeparator(libFolder));
        if (parent is null)
        {
            return (null, null);
        }

        // A pip/conda PyTorch: torch/lib beside torch/version.py ("__version__ = '2.11.0+cu130'").
        string versionPy = System.IO.Path.Combine(parent.FullName, "version.py");
        if (File.Exists(versionPy))
        {
            Match match = PythonVersionPattern().Match(File.ReadAllText(versionPy));
            if (match.Success)
            {
                return (match.Groups[1].Value, versionPy);
            }
        }

        // PyTorch's libtorch zip: libtorch/lib beside libtorch/build-version ("2.10.0+cpu").
        string buildVersion = System.IO.Path.Combine(parent.FullName, "build-version");
        if (File.Exists(buildVersion))
        {
            string text = File.ReadAllText(buildVersion).Trim();
            if (text.Length > 0)
            {
                return (text.Split('\n')[0].Trim(), buildVersion);
            }
        }

        // A NuGet libtorch package: <id>/<version>/runtimes/<rid>/native, nuspec at <id>/<version>.
        DirectoryInfo? packageRoot = parent.Parent?.Parent;
        if (packageRoot is not null)
        {
            foreach (string nuspec in Directory.EnumerateFiles(packageRoot.FullName, "libtorch*.nuspec"))
            {
                Match match = NuspecVersionPattern().Match(File.ReadAllText(nuspec));
                if (match.Success)
                {
                    return (match.Groups[1].Value, nuspec);
                }
            }
        }

        return (null, null);
    }

    /// <summary>"2.11.0+cu130" → "2.11".</summary>
    public static string MinorVersion(string version)
    {
        string[] parts = version.Split('.', '+', '-');
        return parts.Length >= 2 ? $"{parts[0]}.{parts[1]}" : version;
    }

    [GeneratedRegex("""__version__\s*=\s*['"]([^'"]+)['"]""")]
    private static partial Regex PythonVersionPattern();

    [GeneratedRegex("<version>([^<]+)</version>")]
    private static partial Regex NuspecVersionPattern();
}
