using Geode.Campaigns.Execution;
using Geode.Model.Native;
using Geode.Tests;
using static TorchSharp.torch;

namespace Geode.Campaigns.Tests.Storage;

/// <summary>
/// A capture whose prompts failed on their own is merged without their rows, and the merged file
/// names them, so every consumer knows which prompt each row holds.
/// </summary>
public sealed class ActivationStoreMissingPromptsTests : IDisposable
{
    private const string Key = "fedcba9876543210fedcba9876543210";
    private readonly TempFolder _folder = new();
    private readonly ActivationStore _store;

    public ActivationStoreMissingPromptsTests()
    {
        TorchRuntime.Initialize(TorchRuntimeOptions.Default);
        _store = new ActivationStore(_folder.File("store"));
    }

    public void Dispose() => _folder.Dispose();

    [Fact]
    public void Rows_map_to_the_prompts_that_ran_and_a_shard_whose_every_prompt_failed_is_skipped()
    {
        // 8 prompts in shards of 4, 2 and 2: prompt 1 failed, and both of shard 1's (4 and 5).
        Shard(0, [0, 2, 3]);
        Shard(2, [6, 7]);

        _store.Merge(Key, [0, 2], [5, 1, 4], new Dictionary<string, string>());

        Assert.True(_store.Has(Key, out string? distrust), distrust);
        IReadOnlyList<int> rows = ActivationStore.PromptRows(_store.MergedPath(Key), 8);
        Assert.Equal([0, 2, 3, 6, 7], rows);
        using Tensor loaded = _store.Load(Key);
        Assert.Equal(rows.Select(i => (float)i), Enumerable.Range(0, rows.Count).Select(r => loaded[1, r, 2].item<float>()));
    }

    [Fact]
    public void A_complete_capture_maps_row_i_to_prompt_i()
    {
        Shard(0, [0, 1, 2]);

        _store.Merge(Key, 1, new Dictionary<string, string>());

        Assert.Equal([0, 1, 2], ActivationStore.PromptRows(_store.MergedPath(Key), 3));
    }

    [Fact]
    public void A_missing_list_that_does_not_fit_the_prompt_set_or_the_rows_is_refused()
    {
        Shard(0, [0, 2]);
        _store.Merge(Key, [0], [1], new Dictionary<string, string>());
        string merged = _store.MergedPath(Key);

        InvalidDataException outside = Assert.Throws<InvalidDataException>(() => ActivationStore.PromptRows(merged, 1));
        Assert.Contains("missing_prompts", outside.Message, StringComparison.Ordinal);
        InvalidDataException count = Assert.Throws<InvalidDataException>(() => ActivationStore.PromptRows(merged, 4));
        Assert.Contains("2 rows of activations, but 4 prompts less 1 missing is 3", count.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Merging_no_shard_at_all_is_refused()
    {
        Assert.Throws<InvalidOperationException>(() => _store.Merge(Key, [], [0, 1], new Dictionary<string, string>()));
    }

    /// <summary>Writes shard <paramref name="index"/> with one row per prompt, each row filled with its prompt's index.</summary>
    private void Shard(int index, int[] prompts)
    {
        using Tensor values = tensor(prompts.Select(p => (float)p).ToArray()).reshape(1, prompts.Length, 1).expand(3, prompts.Length, 4).contiguous();
        _store.WriteShard(Key, index, values);
    }
}
