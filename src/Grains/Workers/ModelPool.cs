using System.Collections.Concurrent;
using Geode.Model;
using Geode.Model.Config;
using Geode.Model.Text;
using Geode.Model.Weights;
using Microsoft.Extensions.Options;

namespace Geode.Grains.Workers;

/// <summary>
/// A silo's models (DESIGN §3): one <see cref="ModelWorker"/> per (folder, dtype, device), loaded
/// on first use and kept for the silo's life, so every shard and trial on the silo shares one copy
/// of the weights and one torch thread.
/// </summary>
/// <param name="options">The silo's device override and queue size.</param>
public sealed class ModelPool(IOptions<ModelPoolOptions> options) : IAsyncDisposable
{
    private readonly ConcurrentDictionary<(string Folder, string DType, string Device), Lazy<Task<ModelSession>>> _sessions = new();
    private readonly ConcurrentDictionary<ModelWorker, string> _loaded = new();

    /// <summary>The session for the model in <paramref name="folder"/> at <paramref name="dtype"/>, loading it on first use.</summary>
    /// <param name="folder">The checkpoint folder.</param>
    /// <param name="dtype">One of <see cref="ModelDTypes.Names"/> (float32, bfloat16, float16, float64, int8).</param>
    /// <param name="device">The campaign's device; the silo's <c>--device</c> wins when set.</param>
    /// <exception cref="BadInputException">The folder, tokenizer or checkpoint is missing or malformed.</exception>
    public Task<ModelSession> Get(string folder, string dtype, string device)
    {
        string chosen = options.Value.Device ?? device;
        return _sessions.GetOrAdd((folder, dtype, chosen), key => new Lazy<Task<ModelSession>>(() => Load(key.Folder, key.DType, key.Device))).Value;
    }

    /// <summary>The session for a campaign's model, at <paramref name="dtype"/> or the campaign's own dtype.</summary>
    public Task<ModelSession> Get(Geode.Campaigns.CampaignModel model, string? dtype = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        return Get(model.Folder, dtype ?? model.DType, model.Device);
    }

    /// <summary>The workers loaded so far, with the device each runs on (for the silo's metrics).</summary>
    public IEnumerable<(string Device, ModelWorker Worker)> Workers => _loaded.Select(w => (w.Value, w.Key));

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        _loaded.Clear();
        foreach (Lazy<Task<ModelSession>> session in _sessions.Values.Where(s => s.IsValueCreated))
        {
            if (session.Value.IsCompletedSuccessfully)
            {
                ModelSession loaded = await session.Value.ConfigureAwait(false);
                await loaded.Worker.DisposeAsync().ConfigureAwait(false);
                loaded.Tokenizer.Dispose();
            }
        }
    }

    private async Task<ModelSession> Load(string folder, string dtype, string device)
    {
        if (!ModelDTypes.TryParse(dtype, out ModelPrecision precision))
        {
            throw new BadInputException($"dtype '{dtype}' is not one of {string.Join(", ", ModelDTypes.Names)}.", "model.dtype");
        }

        string tokenizerPath = Path.Combine(folder, "tokenizer.json");
        if (!File.Exists(tokenizerPath))
        {
            throw new BadInputException($"{folder}: tokenizer.json is missing; a campaign needs the model's tokenizer.", tokenizerPath);
        }

        ModelConfig config = ConfigReader.Read(folder);
        TextTokenizer tokenizer = TextTokenizer.Load(tokenizerPath);
        var worker = new ModelWorker(() => ModelLoader.Load(folder, LoadOptions.For(precision, TorchSharp.torch.device(device))), options.Value.QueueCapacity, $"geode-model {Path.GetFileName(folder)} {dtype}");
        try
        {
            await worker.Ready.ConfigureAwait(false);
        }
        catch
        {
            // A failed load must not stay cached: the next call tries again (the file may be back).
            _sessions.TryRemove((folder, dtype, device), out _);
            await worker.DisposeAsync().ConfigureAwait(false);
            tokenizer.Dispose();
            throw;
        }

        _loaded[worker] = device;
        return new ModelSession(worker, tokenizer, ChatTemplates.ForModelType(config.ModelType));
    }
}
