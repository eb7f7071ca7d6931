using System.Diagnostics;
using System.Reflection;
using Geode.Build;
using Geode.Model.Native;
using Geode.Tests;

namespace Geode.Model.Tests.Native;

/// <summary>The GLIBCXX patch, exercised on copies of the real TorchSharp native library.</summary>
public sealed class ElfSymbolVersionsTests : IDisposable
{
    private readonly TempFolder _temp = new();

    /// <summary>The unpatched original in the NuGet cache (never written to by these tests).</summary>
    private static string Original
    {
        get
        {
            string folder = typeof(ElfSymbolVersionsTests).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>()
                .Single(a => a.Key == "TorchSharpPackageFolder").Value!;
            return Path.Combine(folder, "runtimes", "linux-x64", "native", "libLibTorchSharp.so");
        }
    }

    public void Dispose() => _temp.Dispose();

    [Fact]
    public void Shipped_library_requires_glibcxx_3_4_32_strongly()
    {
        ElfVersionRequirement requirement = Glibcxx3432(Original);

        Assert.False(requirement.IsWeak);
    }

    [Fact]
    public void Marking_weak_changes_that_flag_and_no_other_byte()
    {
        string copy = CopyOfOriginal();
        byte[] before = File.ReadAllBytes(copy);
        ElfVersionRequirement strong = Glibcxx3432(copy);

        WeakenOutcome outcome = ElfSymbolVersions.MarkRequirementWeak(
            copy, ElfSymbolVersions.Libstdcxx, ElfSymbolVersions.TorchSharpGlibcxxVersion);

        byte[] after = File.ReadAllBytes(copy);
        Assert.Equal(WeakenOutcome.Patched, outcome);
        Assert.True(Glibcxx3432(copy).IsWeak);
        Assert.Equal(before.Length, after.Length);
        int[] changed = [.. Enumerable.Range(0, before.Length).Where(i => before[i] != after[i])];
        Assert.All(changed, i => Assert.InRange(i, strong.FlagsOffset, strong.FlagsOffset + 1));
        Assert.NotEmpty(changed);
        Assert.Equal(strong.Flags | ElfSymbolVersions.VerFlagWeak, Glibcxx3432(copy).Flags);
    }

    [Fact]
    public void Every_other_requirement_is_left_as_it_was()
    {
        string copy = CopyOfOriginal();
        string[] before = [.. ElfSymbolVersions.ReadRequirements(copy).Select(r => r.ToString())];

        ElfSymbolVersions.MarkRequirementWeak(copy, ElfSymbolVersions.Libstdcxx, ElfSymbolVersions.TorchSharpGlibcxxVersion);

        string[] after = [.. ElfSymbolVersions.ReadRequirements(copy).Select(r => r.ToString())];
        Assert.Equal(before.Length, after.Length);
        Assert.Equal(
            before.Where(r => !r.Contains(ElfSymbolVersions.TorchSharpGlibcxxVersion, StringComparison.Ordinal)),
            after.Where(r => !r.Contains(ElfSymbolVersions.TorchSharpGlibcxxVersion, StringComparison.Ordinal)));
        Assert.Contains(before, r => r == "libstdc++.so.6 GLIBCXX_3.4.32");
        Assert.Contains(after, r => r == "libstdc++.so.6 GLIBCXX_3.4.32 (weak)");
    }

    [Fact]
    public void Marking_twice_is_idempotent()
    {
        string copy = CopyOfOriginal();
        ElfSymbolVersions.MarkRequirementWeak(copy, ElfSymbolVersions.Libstdcxx, ElfSymbolVersions.TorchSharpGlibcxxVersion);
        byte[] once = File.ReadAllBytes(copy);

        WeakenOutcome second = ElfSymbolVersions.MarkRequirementWeak(
            copy, ElfSymbolVersions.Libstdcxx, ElfSymbolVersions.TorchSharpGlibcxxVersion);

        Assert.Equal(WeakenOutcome.AlreadyWeak, second);
        Assert.Equal(once, File.ReadAllBytes(copy));
    }

    [Fact]
    public void A_version_the_file_does_not_require_leaves_it_untouched()
    {
        string copy = CopyOfOriginal();
        byte[] before = File.ReadAllBytes(copy);

        WeakenOutcome outcome = ElfSymbolVersions.MarkRequirementWeak(copy, ElfSymbolVersions.Libstdcxx, "GLIBCXX_9.9.9");

        Assert.Equal(WeakenOutcome.NotRequired, outcome);
        Assert.Equal(before, File.ReadAllBytes(copy));
    }

    [Fact]
    public void Patching_a_hard_link_leaves_the_other_name_unchanged()
    {
        // The build hard-links natives from the NuGet cache; patching must not edit the cache.
        string copy = CopyOfOriginal();
        string link = _temp.File("linked/libLibTorchSharp.so");
        using (Process ln = Process.Start("ln", [copy, link]))
        {
            ln.WaitForExit();
            Assert.Equal(0, ln.ExitCode);
        }

        ElfSymbolVersions.MarkRequirementWeak(link, ElfSymbolVersions.Libstdcxx, ElfSymbolVersions.TorchSharpGlibcxxVersion);

        Assert.True(Glibcxx3432(link).IsWeak);
        Assert.False(Glibcxx3432(copy).IsWeak);
    }

    [Fact]
    public void A_truncated_library_is_rejected_naming_the_file()
    {
        string truncated = _temp.File("truncated.so");
        File.WriteAllBytes(truncated, File.ReadAllBytes(Original)[..4096]);

        var error = Assert.Throws<InvalidDataException>(() => ElfSymbolVersions.ReadRequirements(truncated));

        Assert.Contains(truncated, error.Message, StringComparison.Ordinal);
        Assert.Contains("truncated", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_file_that_is_not_elf_is_rejected()
    {
        string text = _temp.File("not-elf.so");
        File.WriteAllText(text, new string('x', 200));

        var error = Assert.Throws<InvalidDataException>(() => ElfSymbolVersions.ReadRequirements(text));

        Assert.Contains("not an ELF file", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Host_libstdcxx_version_definitions_are_read()
    {
        string? library = ElfSymbolVersions.FindHostLibstdcxx();

        Assert.NotNull(library);
        List<string> definitions = ElfSymbolVersions.ReadDefinitions(library);
        Assert.Contains("GLIBCXX_3.4", definitions);
        Assert.Contains("CXXABI_1.3", definitions);
        Assert.All(definitions, d => Assert.Matches("^(GLIBCXX|CXXABI|libstdc)", d));
    }

    [Fact]
    public void The_build_patched_its_output_copy_exactly_when_this_host_needs_it()
    {
        string? shipped = TorchSharpCompatibility.FindShippedNative();

        Assert.NotNull(shipped);
        bool hostHasIt = ElfSymbolVersions.HostLibstdcxxDefines(ElfSymbolVersions.TorchSharpGlibcxxVersion);
        Assert.Equal(!hostHasIt, Glibcxx3432(shipped).IsWeak);
    }

    private string CopyOfOriginal()
    {
        string copy = _temp.File("libLibTorchSharp.so");
        File.Copy(Original, copy, overwrite: true);
        return copy;
    }

    private static ElfVersionRequirement Glibcxx3432(string path) =>
        ElfSymbolVersions.ReadRequirements(path).Single(r =>
            r.Library == ElfSymbolVersions.Libstdcxx && r.Version == ElfSymbolVersions.TorchSharpGlibcxxVersion);
}
