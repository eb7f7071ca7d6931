namespace Geode.Grains.Workers;

/// <summary>
/// The silo's model could not be loaded for a shard (not bad input: the files are fine, the device
/// or the process is not). The worker is at fault, not a prompt, so <see cref="ShardBisection"/>
/// does not split the shard over it; the coordinator retries the shard as it retries any failure of
/// the unit's own.
/// </summary>
public sealed class ModelUnavailableException : Exception
{
    /// <summary>Creates the error.</summary>
    /// <param name="message">What could not be loaded.</param>
    /// <param name="inner">The load's own error.</param>
    public ModelUnavailableException(string message, Exception inner)
        : base(message, inner)
    {
    }

    /// <summary>Creates the error with no inner error.</summary>
    public ModelUnavailableException()
    {
    }

    /// <summary>Creates the error with <paramref name="message"/>.</summary>
    public ModelUnavailableException(string message)
        : base(message)
    {
    }
}
