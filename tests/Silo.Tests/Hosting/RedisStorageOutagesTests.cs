using Geode.Silo.Hosting;
using Orleans.Persistence.Redis;
using Orleans.Storage;
using StackExchange.Redis;

namespace Geode.Silo.Tests.Hosting;

/// <summary>Which Redis failures a grain waits out (the store could not be reached) and which it does not.</summary>
public sealed class RedisStorageOutagesTests
{
    private static readonly RedisStorageOutages Outages = new();

    [Fact]
    public void Connection_and_timeout_errors_are_outages_however_they_are_wrapped()
    {
        Assert.True(Outages.IsOutage(new RedisConnectionException(ConnectionFailureType.UnableToConnect, "No connection is available")));
        Assert.True(Outages.IsOutage(new OrleansException("Error from storage provider", new RedisTimeoutException("Timeout awaiting response", CommandStatus.Sent))));

        // The grain storage keeps only the StackExchange error's name and message.
        var storage = new RedisStorageException("Failed to write grain state for campaign grain. StackExchange.Redis.RedisConnectionException: The message timed out in the backlog");
        Assert.True(Outages.IsOutage(new OrleansException("Error from storage provider RedisGrainStorage.campaign during WriteStateAsync", storage)));
    }

    [Fact]
    public void A_restarting_server_loading_its_data_is_an_outage()
    {
        Assert.True(Outages.IsOutage(new RedisServerException("LOADING Redis is loading the dataset in memory")));
        Assert.True(Outages.IsOutage(new RedisStorageException("Failed to read grain state. StackExchange.Redis.RedisServerException: LOADING Redis is loading the dataset in memory")));
    }

    [Fact]
    public void Conflicts_and_the_writes_own_errors_are_not_outages()
    {
        Assert.False(Outages.IsOutage(new InconsistentStateException("Version conflict")));
        Assert.False(Outages.IsOutage(new RedisServerException("ERR value is not an integer")));
        Assert.False(Outages.IsOutage(new RedisStorageException("Failed to write grain state. System.Text.Json.JsonException: cycle detected")));
        Assert.False(Outages.IsOutage(new InvalidOperationException("a bug")));
    }
}
