using Geode.Campaigns.Execution;
using Geode.Model.Checkpoints;
using Geode.Model.Native;
using Geode.Tests;
using static TorchSharp.torch;

namespace Geode.Campaigns.Tests.Storage;

/// <summary>
/// The activation store trusts a merged file only when its index entry (size and SHA-256, written
/// once the file is complete) matches it; anything else under a key is treated as absent.
/// </summary>
public sealed class ActivationStoreIndexTests : IDisposable
{
    private const string Key = "0123456789abcdef0123456789abcdef";
    private readonly TempFolder _folder = new();
    private readonly ActivationStore _store;

    public ActivationStoreIndexTests()
    {
        TorchRuntime.Initialize(TorchRuntimeOptions.Default);
        _store = new ActivationStore(_folder.File("store"));
    }

    public void Dispose() => _folder.Dispose();

    [Fact]
    public void A_merged_capture_is_indexed_trusted_and_loads_the_shards_in_order()
    {
        Merge();

        Assert.True(_store.Has(Key, out string? distrust), distrust);
        using Tensor loaded = _store.Load(Key);
        Assert.Equal([3L, 5, 4], loaded.shape);
        Assert.Equal(Enumerable.Range(0, 5).Select(i => (float)i), Enumerable.Range(0, 5).Select(i => loaded[2, i, 3].item<float>()));
        Assert.True(File.Exists(Path.Combine(_folder.Path, "store", Key, ActivationStore.IndexFileName)));
        Assert.False(Directory.Exists(Path.Combine(_folder.Path, "store", Key, "shards")));
    }

    [Fact]
    public void A_truncated_merged_file_is_refused_by_has_and_load()
    {
        Merge();
        string merged = _store.MergedPath(Key);
        using (var file = new FileStream(merged, FileMode.Open))
        {
            file.SetLength(file.Length - 8);
        }

        Assert.False(_store.Has(Key, out string? distrust));
        Assert.Contains("bytes but its index entry says", distrust, StringComparison.Ordinal);
        InvalidDataException error = Assert.Throws<InvalidDataException>(() => _store.Load(Key));
        Assert.Contains(merged, error.Message, StringComparison.Ordinal);
        Assert.Throws<InvalidDataException>(() => ActivationStore.LoadVerified(merged));
    }

    [Fact]
    public void A_merged_file_with_its_size_but_other_bytes_is_refused()
    {
        Merge();
        Assert.True(_store.Has(Key));
        string merged = _store.MergedPath(Key);
        byte[] bytes = File.ReadAllBytes(merged);
        bytes[^1] ^= 0x40;
        File.WriteAllBytes(merged, bytes);

        Assert.False(_store.Has(Key, out string? distrust));
        Assert.Contains("SHA-256", distrust, StringComparison.Ordinal);
        Assert.Throws<InvalidDataException>(() => _store.Load(Key));
    }

    [Fact]
    public void A_merged_file_without_an_index_entry_from_an_older_version_or_a_crash_is_not_trusted()
    {
        string merged = _store.MergedPath(Key);
        Directory.CreateDirectory(Path.GetDirectoryName(merged)!);
        using (Tensor activations = zeros(3, 5, 4))
        {
            SafetensorsWriter.Write(merged, [(ActivationStore.TensorName, activations)]);
        }

        Assert.False(_store.Has(Key, out string? distrust));
        Assert.Contains("has no index entry", distrust, StringComparison.Ordinal);
        Assert.False(_store.Has("ffffffffffffffffffffffffffffffff", out string? absent));
        Assert.Null(absent);

        // Capturing again replaces it and vouches for the new file.
        Merge();
        Assert.True(_store.Has(Key));
    }

    [Fact]
    public void A_merge_over_an_indexed_file_drops_the_old_entry_before_writing()
    {
        Merge();
        File.WriteAllText(Path.Combine(_folder.Path, "store", Key, ActivationStore.IndexFileName), "{\"bytes\": 1, \"sha256\": \"00\"}");
        Assert.False(_store.Has(Key));

        Merge();

        Assert.True(_store.Has(Key));
    }

    /// <summary>Two shards of [3, n, 4] whose values are the prompt's index, merged under <see cref="Key"/>.</summary>
    private void Merge()
    {
        int[] sizes = [2, 3];
        int start = 0;
        for (int shard = 0; shard < sizes.Length; shard++)
        {
            using Tensor rows = arange(start, start + sizes[shard], dtype: ScalarType.Float32).reshape(1, sizes[shard], 1).expand(3, sizes[shard], 4).contiguous();
            _store.WriteShard(Key, shard, rows);
            start += sizes[shard];
        }

        _store.Merge(Key, sizes.Length, new Dictionary<string, string> { ["test"] = "yes" });
    }
}
