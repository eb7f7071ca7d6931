using Geode.Grains.Storage;
using Orleans.Persistence.Redis;
using StackExchange.Redis;

namespace Geode.Silo.Hosting;

/// <summary>
/// Redis outages as the Orleans Redis providers report them: StackExchange.Redis's connection and
/// timeout errors, a server that is still loading its data after a restart, and the grain storage's
/// <see cref="RedisStorageException"/>, which carries the StackExchange error only in its message.
/// </summary>
public sealed class RedisStorageOutages : IStorageOutages
{
    // Server replies that mean "not now": loading the append-only file after a restart, a script
    // running, a replica being promoted.
    private static readonly string[] NotNowReplies = ["LOADING", "BUSY", "MASTERDOWN", "TRYAGAIN", "READONLY"];

    private static readonly string[] OutageNames = [nameof(RedisConnectionException), nameof(RedisTimeoutException), .. NotNowReplies.Select(reply => $"{nameof(RedisServerException)}: {reply}")];

    /// <inheritdoc />
    public bool IsOutage(Exception exception)
    {
        for (Exception? e = exception; e is not null; e = e.InnerException)
        {
            switch (e)
            {
                case RedisConnectionException or RedisTimeoutException:
                case RedisServerException server when NotNowReplies.Any(reply => server.Message.StartsWith(reply, StringComparison.Ordinal)):
                case RedisStorageException storage when OutageNames.Any(name => storage.Message.Contains(name, StringComparison.Ordinal)):
                    return true;
            }
        }

        return false;
    }
}
