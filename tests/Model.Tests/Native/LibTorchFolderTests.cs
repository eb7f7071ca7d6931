using System.Reflection;
using Geode.Model.Native;
using Geode.Tests;

namespace Geode.Model.Tests.Native;

/// <summary>Checks on a user-supplied libtorch folder, run on fake layouts and on the real NuGet one.</summary>
public sealed class LibTorchFolderTests : IDisposable
{
    private readonly TempFolder _temp = new();

    public void Dispose() => _temp.Dispose();

    [Fact]
    public void A_missing_folder_is_named_in_a_one_paragraph_error()
    {
        var error = Assert.Throws<BadInputException>(() => LibTorchFolder.Inspect("/nonexistent", "--libtorch"));

        Assert.StartsWith("--libtorch /nonexistent: no such folder.", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain('\n', error.Message);
        Assert.Equal("--libtorch", error.Source);
    }

    [Fact]
    public void A_folder_without_libtorch_lists_what_is_missing()
    {
        string lib = Path.Combine(_temp.Path, "lib");
        Directory.CreateDirectory(lib);
        File.WriteAllText(Path.Combine(lib, "libc10.so"), string.Empty);

        var error = Assert.Throws<BadInputException>(() => LibTorchFolder.Inspect(lib, "GEODE_LIBTORCH"));

        Assert.Contains("holds no libtorch", error.Message, StringComparison.Ordinal);
        Assert.Contains("libtorch_cpu.so, libtorch.so are missing", error.Message, StringComparison.Ordinal);
        Assert.StartsWith("GEODE_LIBTORCH ", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("2.9.1+cu126")]
    [InlineData("2.12.0")]
    [InlineData("1.13.1")]
    public void An_unsupported_version_is_refused_saying_what_was_found_and_needed(string version)
    {
        string lib = FakePipInstall(version, cuda: true);

        var error = Assert.Throws<BadInputException>(() => LibTorchFolder.Inspect(lib, "--libtorch"));

        Assert.Contains($"libtorch {version} found", error.Message, StringComparison.Ordinal);
        Assert.Contains("needs libtorch 2.10 or 2.11", error.Message, StringComparison.Ordinal);
        Assert.Contains("version.py", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_pip_install_of_2_11_with_cuda_is_accepted()
    {
        string lib = FakePipInstall("2.11.0+cu130", cuda: true);

        LibTorchFolder folder = LibTorchFolder.Inspect(lib, "--libtorch");

        Assert.Equal("2.11.0+cu130", folder.Version);
        Assert.True(folder.HasCuda);
        folder.RequireCuda(new DeviceSpec(true, 0));
    }

    [Fact]
    public void A_cpu_only_libtorch_cannot_serve_a_cuda_device()
    {
        LibTorchFolder folder = LibTorchFolder.Inspect(FakePipInstall("2.10.0+cpu", cuda: false), "--libtorch");

        var error = Assert.Throws<BadInputException>(() => folder.RequireCuda(new DeviceSpec(true, 1)));

        Assert.False(folder.HasCuda);
        Assert.Contains("--device cuda:1 needs a CUDA build of libtorch", error.Message, StringComparison.Ordinal);
        Assert.Contains("CPU-only", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void The_libtorch_zip_layout_reads_build_version()
    {
        string lib = FakeLibraries(Path.Combine(_temp.Path, "libtorch", "lib"), cuda: false);
        File.WriteAllText(Path.Combine(_temp.Path, "libtorch", "build-version"), "2.10.0+cpu\n");

        LibTorchFolder folder = LibTorchFolder.Inspect(lib, "--libtorch");

        Assert.Equal("2.10.0+cpu", folder.Version);
        Assert.EndsWith("build-version", folder.VersionSource, StringComparison.Ordinal);
    }

    [Fact]
    public void A_libtorch_with_no_version_file_is_refused()
    {
        string lib = FakeLibraries(Path.Combine(_temp.Path, "mystery", "lib"), cuda: false);

        var error = Assert.Throws<BadInputException>(() => LibTorchFolder.Inspect(lib, "--libtorch"));

        Assert.Contains("could not tell its version", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void The_real_nuget_libtorch_folder_is_version_2_10_without_cuda()
    {
        string package = typeof(LibTorchFolderTests).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>()
            .Single(a => a.Key == "LibTorchPackageFolder").Value!;

        LibTorchFolder folder = LibTorchFolder.Inspect(Path.Combine(package, "runtimes", "linux-x64", "native"), "--libtorch");

        Assert.Equal("2.10.0", folder.Version);
        Assert.False(folder.HasCuda);
    }

    [Theory]
    [InlineData("2.11.0+cu130", "2.11")]
    [InlineData("2.10.0", "2.10")]
    [InlineData("2.10.0-rc1", "2.10")]
    public void Minor_version_drops_patch_and_local_parts(string version, string minor) =>
        Assert.Equal(minor, LibTorchFolder.MinorVersion(version));

    private string FakePipInstall(string version, bool cuda)
    {
        string torch = Path.Combine(_temp.Path, "site-packages", "torch");
        string lib = FakeLibraries(Path.Combine(torch, "lib"), cuda);
        File.WriteAllText(Path.Combine(torch, "version.py"), $"from typing import Optional\n__version__ = '{version}'\ncuda: Optional[str] = None\n");
        return lib;
    }

    private static string FakeLibraries(string lib, bool cuda)
    {
        Directory.CreateDirectory(lib);
        string[] names = cuda
            ? ["libc10.so", "libtorch_cpu.so", "libtorch.so", "libc10_cuda.so", "libtorch_cuda.so"]
            : ["libc10.so", "libtorch_cpu.so", "libtorch.so"];
        foreach (string name in names)
        {
            File.WriteAllText(Path.Combine(lib, name), string.Empty);
        }

        return lib;
    }
}
