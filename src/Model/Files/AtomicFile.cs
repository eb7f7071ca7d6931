using System.Text;

namespace Geode.Model.Files;

/// <summary>
/// Writes a file so that its name only ever points at complete content: the bytes go to a hidden
/// temporary file beside the target (<c>.NAME.GUID.tmp</c>), are flushed to the device, and only
/// then is the temporary renamed over the target. A write that fails half way — disk full, an
/// exception in the producer, a cancelled token — deletes its temporary and leaves the target as it
/// was (absent, or its previous complete content); a process killed half way leaves at most a stray
/// hidden temporary, never a truncated file under the real name.
/// </summary>
/// <remarks>
/// Every artifact Geode writes goes through here, so there is one place that decides what "written"
/// means. A rename within one folder is atomic on POSIX file systems and on NTFS; the temporary name
/// is unique, so two writers of the same target (a unit and its backup copy) never share one.
/// </remarks>
public static class AtomicFile
{
    private const int BufferSize = 1 << 16;

    // A per-flow hook for fault-injection tests (a stream that fails as a full disk does); see
    // InterceptWrites. AsyncLocal, so a test that sets it affects only its own writes.
    private static readonly AsyncLocal<Func<Stream, Stream>?> Interceptor = new();

    /// <summary>Writes what <paramref name="write"/> puts into the stream it is given to <paramref name="path"/> (its folder created).</summary>
    /// <param name="path">The file to create or replace.</param>
    /// <param name="write">Writes the content; the stream is not its to dispose.</param>
    public static void Write(string path, Action<Stream> write)
    {
        ArgumentNullException.ThrowIfNull(path);
        ArgumentNullException.ThrowIfNull(write);
        string full = Path.GetFullPath(path);
        string temporary = TemporaryFor(full);
        try
        {
            using (FileStream file = Create(temporary))
            {
                Stream target = Interceptor.Value?.Invoke(file) ?? file;
                write(target);
                target.Flush();

                // Durable before the rename, so the final name never points at unwritten blocks.
                file.Flush(flushToDisk: true);
            }

            File.Move(temporary, full, overwrite: true);
        }
        catch
        {
            DeleteQuietly(temporary);
            throw;
        }
    }

    /// <summary>The asynchronous form of <see cref="Write(string, Action{Stream})"/>.</summary>
    /// <param name="path">The file to create or replace.</param>
    /// <param name="write">Writes the content; the stream is not its to dispose.</param>
    /// <param name="cancellationToken">Stops the write; the target is then left as it was.</param>
    public static async Task WriteAsync(string path, Func<Stream, CancellationToken, Task> write, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(path);
        ArgumentNullException.ThrowIfNull(write);
        string full = Path.GetFullPath(path);
        string temporary = TemporaryFor(full);
        try
        {
            await using (FileStream file = Create(temporary))
            {
                Stream target = Interceptor.Value?.Invoke(file) ?? file;
                await write(target, cancellationToken).ConfigureAwait(false);
                await target.FlushAsync(cancellationToken).ConfigureAwait(false);
                file.Flush(flushToDisk: true);
            }

            File.Move(temporary, full, overwrite: true);
        }
        catch
        {
            DeleteQuietly(temporary);
            throw;
        }
    }

    /// <summary>Writes <paramref name="text"/> as UTF-8 (no byte-order mark) to <paramref name="path"/>.</summary>
    public static void WriteAllText(string path, string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        Write(path, stream => stream.Write(Encoding.UTF8.GetBytes(text)));
    }

    /// <summary>The asynchronous form of <see cref="WriteAllText"/>.</summary>
    public static Task WriteAllTextAsync(string path, string text, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(text);
        return WriteAsync(path, (stream, cancel) => stream.WriteAsync(Encoding.UTF8.GetBytes(text), cancel).AsTask(), cancellationToken);
    }

    /// <summary>Writes <paramref name="bytes"/> to <paramref name="path"/>.</summary>
    public static void WriteAllBytes(string path, byte[] bytes)
    {
        ArgumentNullException.ThrowIfNull(bytes);
        Write(path, stream => stream.Write(bytes));
    }

    /// <summary>Copies <paramref name="source"/> to <paramref name="destination"/>, replacing it only once the copy is complete.</summary>
    public static void Copy(string source, string destination)
    {
        ArgumentNullException.ThrowIfNull(source);
        Write(destination, stream =>
        {
            using FileStream input = File.OpenRead(source);
            input.CopyTo(stream, BufferSize);
        });
    }

    /// <summary>
    /// For fault-injection tests: until the result is disposed, every write in this asynchronous
    /// flow goes through the stream <paramref name="wrap"/> returns around the temporary file (for
    /// example one that fails with ENOSPC after some bytes, as a full disk does).
    /// </summary>
    internal static IDisposable InterceptWrites(Func<Stream, Stream> wrap)
    {
        ArgumentNullException.ThrowIfNull(wrap);
        Func<Stream, Stream>? previous = Interceptor.Value;
        Interceptor.Value = wrap;
        return new Restore(previous);
    }

    private static FileStream Create(string temporary) =>
        new(temporary, FileMode.CreateNew, FileAccess.Write, FileShare.None, BufferSize);

    private static string TemporaryFor(string full)
    {
        string folder = Path.GetDirectoryName(full)!;
        Directory.CreateDirectory(folder);
        return Path.Combine(folder, $".{Path.GetFileName(full)}.{Guid.NewGuid():N}.tmp");
    }

    private static void DeleteQuietly(string temporary)
    {
        try
        {
            File.Delete(temporary);
        }
        catch (Exception error) when (error is IOException or UnauthorizedAccessException)
        {
            // The write's own error is the one worth reporting; a stray hidden temporary is harmless.
        }
    }

    private sealed class Restore(Func<Stream, Stream>? previous) : IDisposable
    {
        public void Dispose() => Interceptor.Value = previous;
    }
}
