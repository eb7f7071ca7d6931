using System.Diagnostics;
using Geode.Model.Files;

namespace Geode.Campaigns.Tests.Storage;

/// <summary>
/// A folder on a small file system that tests fill up. Where this process may mount (root on Linux,
/// as CI runs test.sh) it is a real tmpfs of the given size, and a write past it fails with the
/// kernel's ENOSPC. Elsewhere it is an ordinary folder, and every <see cref="AtomicFile"/> write into
/// it in the test's flow goes through a stream that fails the same way once the folder's files
/// would exceed that size: the same failure, injected. Either way the test's assertions run.
/// </summary>
internal sealed class FullDisk : IDisposable
{
    /// <summary>errno ENOSPC on Linux; .NET puts it in <see cref="Exception.HResult"/> of the <see cref="IOException"/>.</summary>
    public const int NoSpace = 28;

    private readonly IDisposable? _interception;

    private FullDisk(string path, long capacity, bool mounted)
    {
        Path = path;
        Capacity = capacity;
        Mounted = mounted;
        if (!mounted)
        {
            _interception = AtomicFile.InterceptWrites(stream => stream is FileStream file && file.Name.StartsWith(Path + System.IO.Path.DirectorySeparatorChar, StringComparison.Ordinal)
                ? new NoSpaceStream(stream, Math.Max(0, Capacity - Used()))
                : stream);
        }
    }

    /// <summary>The folder.</summary>
    public string Path { get; }

    /// <summary>Its size in bytes.</summary>
    public long Capacity { get; }

    /// <summary>True when it is a real tmpfs; false when ENOSPC is injected.</summary>
    public bool Mounted { get; }

    /// <summary>A file system of <paramref name="capacity"/> bytes (a multiple of 4 KiB) in a new folder.</summary>
    public static FullDisk Create(long capacity)
    {
        string path = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "geode-full-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(path);
        bool mounted = OperatingSystem.IsLinux() && Run("mount", "-t", "tmpfs", "-o", $"size={capacity}", "tmpfs", path) == 0;
        return new FullDisk(path, capacity, mounted);
    }

    /// <summary>The absolute path of <paramref name="relative"/> inside the folder, its parent folders created.</summary>
    public string File(string relative)
    {
        string full = System.IO.Path.Combine(Path, relative);
        Directory.CreateDirectory(System.IO.Path.GetDirectoryName(full)!);
        return full;
    }

    /// <summary>Fills what is left with one file, so that the next write of any size fails.</summary>
    public void Fill()
    {
        using var filler = new FileStream(System.IO.Path.Combine(Path, "filler"), FileMode.Create, FileAccess.Write, FileShare.None, 1, FileOptions.WriteThrough);
        if (!Mounted)
        {
            filler.SetLength(Math.Max(0, Capacity - Used()));
            return;
        }

        byte[] page = new byte[4096];
        try
        {
            while (true)
            {
                filler.Write(page);
            }
        }
        catch (IOException e) when (e.HResult == NoSpace)
        {
            // Full.
        }
    }

    /// <summary>Every file under the folder, hidden temporaries included, relative to it.</summary>
    public string[] Files() => [.. Directory.GetFiles(Path, "*", SearchOption.AllDirectories).Select(f => System.IO.Path.GetRelativePath(Path, f)).Order(StringComparer.Ordinal)];

    /// <inheritdoc />
    public void Dispose()
    {
        _interception?.Dispose();
        if (Mounted)
        {
            Run("umount", "-l", Path);
        }

        try
        {
            Directory.Delete(Path, recursive: true);
        }
        catch (IOException)
        {
            // A leftover temp folder is not worth failing a test over.
        }
    }

    private long Used() => Directory.GetFiles(Path, "*", SearchOption.AllDirectories).Sum(f => new FileInfo(f).Length);

    private static int Run(string program, params string[] arguments)
    {
        try
        {
            var start = new ProcessStartInfo(program) { RedirectStandardError = true, RedirectStandardOutput = true };
            foreach (string argument in arguments)
            {
                start.ArgumentList.Add(argument);
            }

            using Process process = Process.Start(start)!;
            process.WaitForExit();
            return process.ExitCode;
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return -1;
        }
    }

    /// <summary>A write-through stream with <paramref name="room"/> bytes left, failing after that as a full disk does.</summary>
    private sealed class NoSpaceStream(Stream inner, long room) : Stream
    {
        private long _room = room;

        public override bool CanRead => false;

        public override bool CanSeek => false;

        public override bool CanWrite => true;

        public override long Length => inner.Length;

        public override long Position { get => inner.Position; set => throw new NotSupportedException(); }

        public override void Flush() => inner.Flush();

        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));

        public override void Write(ReadOnlySpan<byte> buffer)
        {
            int fits = (int)Math.Min(buffer.Length, _room);
            inner.Write(buffer[..fits]);
            _room -= fits;
            if (fits < buffer.Length)
            {
                throw new IOException("No space left on device (injected)", NoSpace);
            }
        }
    }
}
