namespace Geode.Grains.Workers;

/// <summary>How a silo's model pool runs models.</summary>
public sealed class ModelPoolOptions
{
    /// <summary>The device every model on this silo runs on (<c>--device</c>), or null to follow each campaign's.</summary>
    public string? Device { get; set; }

    /// <summary>Work items that may wait in each model worker's queue.</summary>
    public int QueueCapacity { get; set; } = 16;
}
