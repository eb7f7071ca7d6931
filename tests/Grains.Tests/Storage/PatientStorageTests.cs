using Geode.Grains.Storage;
using Microsoft.Extensions.Logging.Abstractions;
using Orleans.Storage;

namespace Geode.Grains.Tests.Storage;

public sealed class PatientStorageTests
{
    private static readonly PatientStorage Storage = new(new StoreDownOutages(), NullLogger<PatientStorage>.Instance);

    [Fact]
    public async Task A_write_waits_out_an_outage_and_says_it_is_waiting_until_it_lands()
    {
        var state = new FlakyState { Down = 3 };
        state.State.Value = 7;
        var told = new List<Exception?>();

        await Storage.WriteAsync(state, "test", Behind, told.Add, CancellationToken.None);

        Assert.Equal(7, state.Stored);
        Assert.Equal(4, state.Writes);
        Assert.Collection(told, e => Assert.IsType<StoreDownException>(e), Assert.Null);
    }

    [Fact]
    public async Task A_write_that_landed_but_lost_its_answer_is_written_again_over_itself()
    {
        var state = new FlakyState();
        await Storage.WriteAsync(state, "test", Behind, null, CancellationToken.None);
        FlakyState.Counter mine = state.State;
        mine.Value = 3;
        state.LoseNextAnswer = true;

        await Storage.WriteAsync(state, "test", Behind, null, CancellationToken.None);

        Assert.Same(mine, state.State);
        Assert.Equal(3, state.Stored);
        Assert.Equal(state.StoredEtag, state.Etag);
        Assert.Equal(1, state.Reads);
    }

    [Fact]
    public async Task A_store_that_lost_the_record_in_the_outage_gets_it_back()
    {
        var state = new FlakyState();
        state.State.Value = 2;
        await Storage.WriteAsync(state, "test", Behind, null, CancellationToken.None);
        state.Stored = null;
        state.StoredEtag = null;
        state.Down = 1;
        state.State.Value = 5;

        await Storage.WriteAsync(state, "test", Behind, null, CancellationToken.None);

        Assert.Equal(5, state.Stored);
        Assert.Equal(5, state.State.Value);
    }

    [Fact]
    public async Task After_an_outage_a_record_ahead_of_ours_is_a_real_conflict_and_is_taken()
    {
        var state = new FlakyState();
        await Storage.WriteAsync(state, "test", Behind, null, CancellationToken.None);
        state.State.Value = 3;
        state.Down = 1;
        state.WrittenElsewhere(10);

        await Assert.ThrowsAsync<InconsistentStateException>(() => Storage.WriteAsync(state, "test", Behind, null, CancellationToken.None));

        Assert.Equal(10, state.State.Value);
        Assert.Equal(10, state.Stored);
    }

    [Fact]
    public async Task Without_an_outage_a_conflict_is_thrown_at_once()
    {
        var state = new FlakyState();
        await Storage.WriteAsync(state, "test", Behind, null, CancellationToken.None);
        state.WrittenElsewhere(0);

        await Assert.ThrowsAsync<InconsistentStateException>(() => Storage.WriteAsync(state, "test", Behind, null, CancellationToken.None));

        Assert.Equal(0, state.Reads);
    }

    [Fact]
    public async Task A_failure_that_is_not_an_outage_is_thrown_at_once()
    {
        var storage = new PatientStorage(new NoStorageOutages(), NullLogger<PatientStorage>.Instance);
        var state = new FlakyState { Down = 5 };

        await Assert.ThrowsAsync<StoreDownException>(() => storage.WriteAsync(state, "test", Behind, null, CancellationToken.None));

        Assert.Equal(1, state.Writes);
    }

    [Fact]
    public async Task Cancelling_stops_the_wait_and_leaves_the_state_in_memory()
    {
        var state = new FlakyState { Down = int.MaxValue };
        state.State.Value = 4;
        using var cancel = new CancellationTokenSource();
        Exception? told = null;

        Task write = Storage.WriteAsync(state, "test", Behind, e =>
        {
            told = e;
            cancel.Cancel();
        }, cancel.Token);

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => write);
        Assert.IsType<StoreDownException>(told);
        Assert.Null(state.Stored);
        Assert.Equal(4, state.State.Value);
    }

    private static bool Behind(FlakyState.Counter stored, FlakyState.Counter mine) => stored.Value <= mine.Value;

    private sealed class StoreDownOutages : IStorageOutages
    {
        public bool IsOutage(Exception exception) => exception is StoreDownException;
    }
}
