namespace Geode.Grains.Campaigns;

/// <summary>
/// Every prompt of a shard failed on its own on one silo. That is as likely the silo's fault (a
/// broken device) as the prompts', so before the prompts are believed at fault another silo is
/// asked (the same one when it is the only compute silo): the coordinator rests the silo, as it
/// does an unreachable one, and leases the shard again without counting an attempt against it.
/// </summary>
public sealed class SuspectShardException : Exception
{
    /// <summary>Creates the error.</summary>
    public SuspectShardException()
    {
    }

    /// <summary>Creates the error with <paramref name="message"/>.</summary>
    public SuspectShardException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the error with <paramref name="message"/> and the error behind it.</summary>
    public SuspectShardException(string message, Exception inner)
        : base(message, inner)
    {
    }
}
