using Orleans.Storage;

namespace Geode.Grains.Tests.Storage;

/// <summary>What <see cref="FlakyState"/> throws while its store is down.</summary>
internal sealed class StoreDownException() : Exception("the store cannot be reached");

/// <summary>
/// A grain's counter state over an in-memory store that checks etags as Redis grain storage does,
/// can be taken down for a number of tries, and can apply a write but lose its answer.
/// </summary>
internal sealed class FlakyState : IPersistentState<FlakyState.Counter>
{
    /// <summary>The state: a value that only grows, like a campaign's progress.</summary>
    public sealed class Counter
    {
        public int Value { get; set; }
    }

    public Counter State { get; set; } = new();

    public string? Etag { get; private set; }

    public bool RecordExists { get; private set; }

    /// <summary>What the store holds (a copy), or null.</summary>
    public int? Stored { get; set; }

    public string? StoredEtag { get; set; }

    /// <summary>How many more tries (reads or writes) fail because the store is down.</summary>
    public int Down { get; set; }

    /// <summary>The next write lands, but the caller hears the store is down.</summary>
    public bool LoseNextAnswer { get; set; }

    public int Writes { get; private set; }

    public int Reads { get; private set; }

    /// <summary>Another writer puts <paramref name="value"/> in the store.</summary>
    public void WrittenElsewhere(int value)
    {
        Stored = value;
        StoredEtag = Guid.NewGuid().ToString("N");
    }

    public Task WriteStateAsync()
    {
        Writes++;
        if (Down > 0)
        {
            Down--;
            throw new StoreDownException();
        }

        if (StoredEtag != Etag)
        {
            throw new InconsistentStateException($"etag {Etag}, stored {StoredEtag}");
        }

        Stored = State.Value;
        StoredEtag = Guid.NewGuid().ToString("N");
        if (LoseNextAnswer)
        {
            LoseNextAnswer = false;
            throw new StoreDownException();
        }

        Etag = StoredEtag;
        RecordExists = true;
        return Task.CompletedTask;
    }

    public Task ReadStateAsync()
    {
        Reads++;
        if (Down > 0)
        {
            Down--;
            throw new StoreDownException();
        }

        // As the Redis provider: a missing record leaves the state object alone.
        if (Stored is int value)
        {
            State = new Counter { Value = value };
        }

        Etag = StoredEtag;
        RecordExists = Stored is not null;
        return Task.CompletedTask;
    }

    public Task ClearStateAsync() => throw new NotSupportedException();
}
