namespace Geode.Grains.Workers;

/// <summary>The speed of a <see cref="SimulatedShardRunner"/>'s device.</summary>
/// <param name="SecondsPerPrompt">Device time per prompt at speed 1 (&gt; 0).</param>
/// <param name="Slowdown">How many times slower this silo's device is (≥ 1 for a slow silo; 1 for a normal one).</param>
public sealed record SimulatedDevice(double SecondsPerPrompt, double Slowdown = 1)
{
    /// <summary>The device time of a shard of <paramref name="prompts"/> prompts.</summary>
    public TimeSpan TimeFor(int prompts) => TimeSpan.FromSeconds(prompts * SecondsPerPrompt * Slowdown);
}
