// Reads and edits the GNU symbol-versioning tables of 64-bit little-endian ELF shared libraries.
//
// Why this exists: TorchSharp 0.107's libLibTorchSharp.so declares that it needs GLIBCXX_3.4.32
// (GCC 13's libstdc++), which Debian 12 (GLIBCXX_3.4.30) cannot provide, so the loader refuses
// it. The only symbol bound to that version is `_ZSt21ios_base_library_initv`, a marker no
// relocation references, so marking the requirement *weak* (VER_FLG_WEAK in the Elf64_Vernaux
// entry) lets the library load and run. See shared/reference/dotnet.md, "TorchSharp".
//
// This one file is compiled twice: by MSBuild's RoslynCodeTaskFactory into the build task that
// patches build and publish outputs (Directory.Build.targets), and into Geode.Model (with
// GEODE_NO_MSBUILD defined) so `geode doctor` and the tests use the very same code. An inline
// task accepts a single source file, which is why the task class lives at the bottom of this one.
#nullable enable

using System;
using System.Collections.Generic;
using System.IO;
using System.Text;

namespace Geode.Build;

/// <summary>One entry of an ELF file's version-requirement table (<c>.gnu.version_r</c>).</summary>
public sealed class ElfVersionRequirement
{
    /// <summary>Creates a requirement entry.</summary>
    public ElfVersionRequirement(string library, string version, ushort flags, long flagsOffset)
    {
        Library = library;
        Version = version;
        Flags = flags;
        FlagsOffset = flagsOffset;
    }

    /// <summary>The needed library's soname, e.g. <c>libstdc++.so.6</c>.</summary>
    public string Library { get; }

    /// <summary>The required version name, e.g. <c>GLIBCXX_3.4.32</c>.</summary>
    public string Version { get; }

    /// <summary>The raw <c>vna_flags</c> value.</summary>
    public ushort Flags { get; }

    /// <summary>File offset of the two-byte <c>vna_flags</c> field.</summary>
    public long FlagsOffset { get; }

    /// <summary>True when the requirement carries <c>VER_FLG_WEAK</c>: a missing version is not fatal.</summary>
    public bool IsWeak => (Flags & ElfSymbolVersions.VerFlagWeak) != 0;

    /// <inheritdoc />
    public override string ToString() => $"{Library} {Version}{(IsWeak ? " (weak)" : string.Empty)}";
}

/// <summary>What <see cref="ElfSymbolVersions.MarkRequirementWeak"/> did to a file.</summary>
public enum WeakenOutcome
{
    /// <summary>The requirement was strong and is now weak.</summary>
    Patched,

    /// <summary>The requirement was already weak; the file was not touched.</summary>
    AlreadyWeak,

    /// <summary>The file does not require that version at all; the file was not touched.</summary>
    NotRequired,
}

/// <summary>Reads GNU version requirements/definitions of ELF64 files and weakens one requirement.</summary>
public static class ElfSymbolVersions
{
    /// <summary>The <c>VER_FLG_WEAK</c> bit of <c>vna_flags</c>.</summary>
    public const ushort VerFlagWeak = 0x2;

    /// <summary>The libstdc++ version TorchSharp 0.107 asks for and Debian 12 lacks.</summary>
    public const string TorchSharpGlibcxxVersion = "GLIBCXX_3.4.32";

    /// <summary>The soname that version belongs to.</summary>
    public const string Libstdcxx = "libstdc++.so.6";

    private const uint ShtGnuVerdef = 0x6ffffffd;
    private const uint ShtGnuVerneed = 0x6ffffffe;

    /// <summary>Lists every version requirement in the file's <c>.gnu.version_r</c> section.</summary>
    /// <exception cref="InvalidDataException">The file is not a well-formed 64-bit little-endian ELF.</exception>
    public static IReadOnlyList<ElfVersionRequirement> ReadRequirements(string path)
    {
        byte[] image = File.ReadAllBytes(path);
        return ReadRequirements(image, path);
    }

    /// <summary>Lists the version names a library defines (its <c>.gnu.version_d</c> section).</summary>
    /// <exception cref="InvalidDataException">The file is not a well-formed 64-bit little-endian ELF.</exception>
    public static List<string> ReadDefinitions(string path)
    {
        byte[] image = File.ReadAllBytes(path);
        var result = new List<string>();
        foreach (Section section in ReadSections(image, path))
        {
            if (section.Type != ShtGnuVerdef)
            {
                continue;
            }

            Section strings = SectionAt(image, path, section.Link);
            long entry = section.Offset;
            for (uint i = 0; i < section.Info; i++)
            {
                // Elf64_Verdef: vd_version u16, vd_flags u16, vd_ndx u16, vd_cnt u16,
                // vd_hash u32, vd_aux u32, vd_next u32.
                Require(image, path, entry, 20);
                ushort count = U16(image, entry + 6);
                long aux = entry + U32(image, entry + 12);
                for (int a = 0; a < count; a++)
                {
                    // Elf64_Verdaux: vda_name u32, vda_next u32.
                    Require(image, path, aux, 8);
                    result.Add(CString(image, path, strings, U32(image, aux)));
                    uint nextAux = U32(image, aux + 4);
                    if (nextAux == 0)
                    {
                        break;
                    }

                    aux += nextAux;
                }

                uint next = U32(image, entry + 16);
                if (next == 0)
                {
                    break;
                }

                entry += next;
            }
        }

        return result;
    }

    /// <summary>
    /// Sets <c>VER_FLG_WEAK</c> on the requirement of <paramref name="version"/> from
    /// <paramref name="library"/>, changing those two bytes and nothing else. The file is
    /// rewritten through a temporary file and a rename, so a hard link to a shared copy (the
    /// NuGet cache) is broken rather than edited in place. Running it twice is harmless.
    /// </summary>
    public static WeakenOutcome MarkRequirementWeak(string path, string library, string version)
    {
        byte[] image = File.ReadAllBytes(path);
        ElfVersionRequirement? target = null;
        foreach (ElfVersionRequirement requirement in ReadRequirements(image, path))
        {
            if (requirement.Library == library && requirement.Version == version)
            {
                target = requirement;
                break;
            }
        }

        if (target is null)
        {
            return WeakenOutcome.NotRequired;
        }

        if (target.IsWeak)
        {
            return WeakenOutcome.AlreadyWeak;
        }

        ushort flags = (ushort)(target.Flags | VerFlagWeak);
        image[target.FlagsOffset] = (byte)(flags & 0xff);
        image[target.FlagsOffset + 1] = (byte)(flags >> 8);

        // Copy first so the temporary file keeps the original's permission bits, then
        // overwrite its bytes and rename it over the original.
        string temporary = path + ".geode-patch.tmp";
        File.Copy(path, temporary, overwrite: true);
        File.WriteAllBytes(temporary, image);
        File.Replace(temporary, path, destinationBackupFileName: null);
        return WeakenOutcome.Patched;
    }

    /// <summary>
    /// Finds the libstdc++ this host's dynamic loader would use, or null when none is found in
    /// the standard library folders or <c>LD_LIBRARY_PATH</c>.
    /// </summary>
    public static string? FindHostLibstdcxx()
    {
        var folders = new List<string>();
        string? fromEnvironment = Environment.GetEnvironmentVariable("LD_LIBRARY_PATH");
        if (!string.IsNullOrEmpty(fromEnvironment))
        {
            folders.AddRange(fromEnvironment!.Split(new[] { ':' }, StringSplitOptions.RemoveEmptyEntries));
        }

        folders.AddRange(new[]
        {
            "/usr/lib/x86_64-linux-gnu", "/lib/x86_64-linux-gnu", "/usr/lib64", "/lib64", "/usr/lib", "/lib",
        });
        foreach (string folder in folders)
        {
            string candidate = Path.Combine(folder, Libstdcxx);
            if (File.Exists(candidate))
            {
                return candidate;
            }
        }

        return null;
    }

    /// <summary>True when this host's libstdc++ defines <paramref name="version"/>.</summary>
    public static bool HostLibstdcxxDefines(string version)
    {
        string? library = FindHostLibstdcxx();
        return library is not null && ReadDefinitions(library).IndexOf(version) >= 0;
    }

    private static List<ElfVersionRequirement> ReadRequirements(byte[] image, string path)
    {
        var result = new List<ElfVersionRequirement>();
        foreach (Section section in ReadSections(image, path))
        {
            if (section.Type != ShtGnuVerneed)
            {
                continue;
            }

            Section strings = SectionAt(image, path, section.Link);
            long entry = section.Offset;
            for (uint i = 0; i < section.Info; i++)
            {
                // Elf64_Verneed: vn_version u16, vn_cnt u16, vn_file u32, vn_aux u32, vn_next u32.
                Require(image, path, entry, 16);
                ushort count = U16(image, entry + 2);
                string library = CString(image, path, strings, U32(image, entry + 4));
                long aux = entry + U32(image, entry + 8);
                for (int a = 0; a < count; a++)
                {
                    // Elf64_Vernaux: vna_hash u32, vna_flags u16, vna_other u16, vna_name u32, vna_next u32.
                    Require(image, path, aux, 16);
                    string version = CString(image, path, strings, U32(image, aux + 8));
                    result.Add(new ElfVersionRequirement(library, version, U16(image, aux + 4), aux + 4));
                    uint nextAux = U32(image, aux + 12);
                    if (nextAux == 0)
                    {
                        break;
                    }

                    aux += nextAux;
                }

                uint next = U32(image, entry + 12);
                if (next == 0)
                {
                    break;
                }

                entry += next;
            }
        }

        return result;
    }

    private readonly struct Section
    {
        public Section(uint type, long offset, long size, uint link, uint info)
        {
            Type = type;
            Offset = offset;
            Size = size;
            Link = link;
            Info = info;
        }

        public uint Type { get; }

        public long Offset { get; }

        public long Size { get; }

        public uint Link { get; }

        public uint Info { get; }
    }

    private static List<Section> ReadSections(byte[] image, string path)
    {
        Require(image, path, 0, 64);
        if (image[0] != 0x7f || image[1] != (byte)'E' || image[2] != (byte)'L' || image[3] != (byte)'F')
        {
            throw new InvalidDataException($"{path}: not an ELF file (bad magic).");
        }

        if (image[4] != 2 || image[5] != 1)
        {
            throw new InvalidDataException($"{path}: only 64-bit little-endian ELF files are supported.");
        }

        long tableOffset = checked((long)U64(image, 0x28));
        ushort entrySize = U16(image, 0x3A);
        ushort count = U16(image, 0x3C);
        if (entrySize < 64)
        {
            throw new InvalidDataException($"{path}: section header size {entrySize} is smaller than 64.");
        }

        var sections = new List<Section>(count);
        for (int i = 0; i < count; i++)
        {
            long header = tableOffset + ((long)i * entrySize);
            Require(image, path, header, 64);
            var section = new Section(
                type: U32(image, header + 4),
                offset: checked((long)U64(image, header + 24)),
                size: checked((long)U64(image, header + 32)),
                link: U32(image, header + 40),
                info: U32(image, header + 44));
            sections.Add(section);
        }

        return sections;
    }

    private static Section SectionAt(byte[] image, string path, uint index)
    {
        List<Section> sections = ReadSections(image, path);
        if (index >= sections.Count)
        {
            throw new InvalidDataException($"{path}: section link {index} is out of range.");
        }

        Section section = sections[(int)index];
        Require(image, path, section.Offset, section.Size);
        return section;
    }

    private static string CString(byte[] image, string path, Section strings, uint offset)
    {
        if (offset >= strings.Size)
        {
            throw new InvalidDataException($"{path}: string offset {offset} lies outside its string table.");
        }

        long start = strings.Offset + offset;
        long end = start;
        long limit = strings.Offset + strings.Size;
        while (end < limit && image[end] != 0)
        {
            end++;
        }

        return Encoding.ASCII.GetString(image, (int)start, (int)(end - start));
    }

    private static void Require(byte[] image, string path, long offset, long length)
    {
        if (offset < 0 || length < 0 || offset + length > image.LongLength)
        {
            throw new InvalidDataException(
                $"{path}: truncated ELF file (needs bytes {offset}..{offset + length}, has {image.LongLength}).");
        }
    }

    private static ushort U16(byte[] b, long o) => (ushort)(b[o] | (b[o + 1] << 8));

    private static uint U32(byte[] b, long o) => (uint)(U16(b, o) | (U16(b, o + 2) << 16));

    private static ulong U64(byte[] b, long o) => U32(b, o) | ((ulong)U32(b, o + 4) << 32);
}

#if !GEODE_NO_MSBUILD
/// <summary>
/// MSBuild task: in every <c>libLibTorchSharp.so</c> under <see cref="Folder"/>, marks the
/// GLIBCXX_3.4.32 requirement weak when this host's libstdc++ does not define that version, or
/// always with <see cref="Always"/> (an image built on a new distribution that runs on an old one).
/// </summary>
public sealed class PatchTorchSharpNative : Microsoft.Build.Utilities.Task
{
    /// <summary>The build or publish output folder to scan.</summary>
    [Microsoft.Build.Framework.Required]
    public string Folder { get; set; } = string.Empty;

    /// <summary>Patch even when this host's libstdc++ defines the version: the output runs elsewhere.</summary>
    public bool Always { get; set; }

    /// <inheritdoc />
    public override bool Execute()
    {
        if (!System.Runtime.InteropServices.RuntimeInformation.IsOSPlatform(
                System.Runtime.InteropServices.OSPlatform.Linux) || !Directory.Exists(Folder))
        {
            return true;
        }

        string[] natives = Directory.GetFiles(Folder, "libLibTorchSharp.so", SearchOption.AllDirectories);
        if (natives.Length == 0)
        {
            return true;
        }

        if (!Always && ElfSymbolVersions.HostLibstdcxxDefines(ElfSymbolVersions.TorchSharpGlibcxxVersion))
        {
            Log.LogMessage(
                Microsoft.Build.Framework.MessageImportance.Low,
                "Geode: host libstdc++ defines {0}; TorchSharp natives left as shipped.",
                ElfSymbolVersions.TorchSharpGlibcxxVersion);
            return true;
        }

        foreach (string native in natives)
        {
            WeakenOutcome outcome = ElfSymbolVersions.MarkRequirementWeak(
                native, ElfSymbolVersions.Libstdcxx, ElfSymbolVersions.TorchSharpGlibcxxVersion);
            Log.LogMessage(
                outcome == WeakenOutcome.Patched
                    ? Microsoft.Build.Framework.MessageImportance.High
                    : Microsoft.Build.Framework.MessageImportance.Low,
                "Geode: {0} requirement in {1}: {2}.",
                ElfSymbolVersions.TorchSharpGlibcxxVersion,
                native,
                outcome);
        }

        return true;
    }
}
#endif
