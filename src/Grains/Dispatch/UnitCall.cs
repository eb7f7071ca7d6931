using Geode.Grains.Campaigns;

namespace Geode.Grains.Dispatch;

/// <summary>One call a coordinator has out: a unit's lease, the silo it was sent to, and its own cancellation.</summary>
/// <param name="Lease">The unit's lease (a backup shares the lease of the copy it backs up).</param>
/// <param name="Silo">The silo it was pinned to (empty: wherever placement chose).</param>
/// <param name="Key">The shard or trial grain's key: a fresh activation per call.</param>
/// <param name="Backup">Whether this is a backup copy of a unit already running elsewhere.</param>
/// <param name="Cancel">Cancels this call alone (linked to the campaign's cancellation): a losing copy is cancelled when the first result arrives.</param>
/// <param name="Task">The call.</param>
internal sealed record UnitCall<T>(ShardLease Lease, string Silo, string Key, bool Backup, CancellationTokenSource Cancel, Task<T> Task);
